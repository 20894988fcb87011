from django.urls import re_path

from guichet.accounts.franceconnect import views

# allauth reverses these names with a ``provider_id`` argument; only "franceconnect" matches.
urlpatterns = [
    re_path(r"^(?P<provider_id>franceconnect)/login/$", views.login, name="franceconnect_login"),
    re_path(r"^(?P<provider_id>franceconnect)/login/callback/$", views.callback, name="franceconnect_callback"),
]
