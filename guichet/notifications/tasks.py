"""The notification tasks, under the path the rows already queued in the database name them by.

Each task lives beside the code it runs (``delivery.deliver_notification``,
``services.alert_service_agents``); this module only keeps their former import path working.
"""

from guichet.notifications.delivery import deliver_notification
from guichet.notifications.services import alert_service_agents

__all__ = ["alert_service_agents", "deliver_notification"]
