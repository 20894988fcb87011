from django.apps import AppConfig


class StatisticsConfig(AppConfig):
    name = "guichet.statistics"
    label = "statistics"
