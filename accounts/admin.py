"""Staff accounts in the admin: users, their roles (groups) and their authenticators.

A role's permissions are ``participation.roles``'s to decide (synced after every
migrate), so a group's permissions are shown read-only; what an administrator changes
here is who holds which role, and every such change is audited as a role change.
Deactivating an account ends its sessions at once (``accounts.staff_sessions``).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.http import HttpRequest
from django_otp.plugins.otp_totp.models import TOTPDevice

from participation.admin_base import SafeModelAdmin

# Importing django.contrib.auth.admin registers Django's own classes: ours replace them.
for _model in (User, Group):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


@admin.register(User)
class StaffUserAdmin(SafeModelAdmin, UserAdmin):
    list_display = ["username", "email", "is_staff", "is_active", "last_login"]
    list_filter = ["is_staff", "is_active", "groups"]
    search_fields = ["username", "first_name", "last_name", "email"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        readonly = list(super().get_readonly_fields(request, obj))
        # Only a superuser makes superusers or grants permissions outside the roles.
        if not request.user.is_superuser:
            readonly += ["is_superuser", "user_permissions"]
        return readonly

    def audit_action(self, change: bool, form: Any) -> str:
        changed = set(getattr(form, "changed_data", ()))
        if change and changed & {"groups", "user_permissions", "is_superuser", "is_staff"}:
            return "staff.roles_change"
        if change and "is_active" in changed:
            return (
                "staff.deactivate"
                if not form.cleaned_data.get("is_active")
                else ("staff.reactivate")
            )
        return super().audit_action(change, form)


@admin.register(Group)
class RoleAdmin(SafeModelAdmin, GroupAdmin):
    search_fields = ["name"]
    readonly_fields = ["permissions"]


@admin.register(TOTPDevice)
class AuthenticatorAdmin(SafeModelAdmin):
    """Who has enrolled an authenticator. The key is never shown; deleting a device
    resets the account's second factor (it enrols again)."""

    list_display = ["user", "name", "confirmed", "last_used_at"]
    list_filter = ["confirmed"]
    search_fields = ["user__username"]
    fields = ["user", "name", "confirmed", "last_used_at"]
    readonly_fields = ["user", "name", "confirmed", "last_used_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # enrolled from /staff/mfa/ or manage.py staff_totp_enrol
