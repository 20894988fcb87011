from django.contrib import admin
from django.http import HttpRequest

from guichet.signin.models import SignInFailure, SignInLock


@admin.register(SignInFailure)
class SignInFailureAdmin(admin.ModelAdmin):
    list_display = ["at", "username", "user", "ip_address", "reason", "path"]
    list_filter = ["reason", "at"]
    search_fields = ["username", "ip_address"]
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(SignInLock)
class SignInLockAdmin(admin.ModelAdmin):
    """An administrator may lift a lock early by deleting it."""

    list_display = ["username", "locked_until", "locks", "failures", "last_failure_at"]
    search_fields = ["username"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
