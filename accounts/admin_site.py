"""The staff admin site: the one staff sign-in (``LOGIN_URL``), with a TOTP code after
the password, throttled by django-axes; its pages open only to an active staff session
that passed the second factor it needs (``accounts.staff_mfa``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.staff_mfa import staff_session_verified, staff_totp_device


class StaffSignInForm(AdminAuthenticationForm):
    """Username, password and (for an account with an authenticator, or always when
    ``STAFF_MFA_REQUIRED``) the six-digit code. A wrong code counts as a failed sign-in
    for the throttle, exactly like a wrong password."""

    otp_token = forms.CharField(
        label=_("Authenticator code"),
        required=False,
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "size": 8}
        ),
    )

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "otp_required": _("Enter the six-digit code from your authenticator app."),
        "otp_invalid": _("That authenticator code is not right. Try the current one."),
        "otp_not_enrolled": _(
            "This account has no authenticator yet. Ask an administrator to enrol one "
            "(manage.py staff_totp_enrol)."
        ),
    }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        user = self.get_user()
        if user is None:
            return cleaned
        from django.conf import settings

        device = staff_totp_device(user)
        if device is None:
            if settings.STAFF_MFA_REQUIRED:
                raise forms.ValidationError(
                    self.error_messages["otp_not_enrolled"], code="otp_not_enrolled"
                )
            return cleaned
        token = (cleaned.get("otp_token") or "").strip()
        if not token:
            raise forms.ValidationError(self.error_messages["otp_required"], code="otp_required")
        allowed, _extra = device.verify_is_allowed()
        if not allowed or not device.verify_token(token):
            # Tell the throttle: guessing codes behind a known password is guessing.
            user_login_failed.send(
                sender=type(self),
                credentials={"username": cleaned.get("username", "")},
                request=self.request,
            )
            raise forms.ValidationError(self.error_messages["otp_invalid"], code="otp_invalid")
        # django-otp's user_logged_in receiver stores this device in the session.
        user.otp_device = device  # type: ignore[attr-defined]
        return cleaned


class StaffAdminSite(admin.AdminSite):
    login_form = StaffSignInForm
    login_template = "accounts/staff_login.html"

    def has_permission(self, request: HttpRequest) -> bool:
        return super().has_permission(request) and staff_session_verified(request.user)
