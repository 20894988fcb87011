from django.contrib import admin
from django.http import HttpRequest

from guichet.signin.models import DirectoryAccount, DirectoryGroupMapping, SignInFailure, SignInLock


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


@admin.register(DirectoryGroupMapping)
class DirectoryGroupMappingAdmin(admin.ModelAdmin):
    """Which directory group gives which role and services (applied at each directory sign-in)."""

    list_display = ["group", "role"]
    list_filter = ["role"]
    search_fields = ["group"]
    filter_horizontal = ["services"]


@admin.register(DirectoryAccount)
class DirectoryAccountAdmin(admin.ModelAdmin):
    """Accounts the directory created or keeps in step: read only (the directory is the source)."""

    list_display = ["user", "source", "subject", "synced_at"]
    list_filter = ["source"]
    search_fields = ["user__username", "subject"]
    readonly_fields = ["user", "source", "issuer", "subject", "groups", "synced_at"]
    list_select_related = ["user"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
