"""The staff second factor (TOTP, django-otp): whether a staff session has passed it,
and the writes that enrol an authenticator.

One rule, asked by the admin site and by every staff page (``staff.access``): with
``STAFF_MFA_REQUIRED`` (always in production) a staff session counts only once a TOTP
code was checked at sign-in; without it (the demo), an account that has enrolled an
authenticator still has to give its code, and one that has not may sign in with its
password alone.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from participation.services.audit_trail import audit_trail_write

# The one authenticator a staff account has (re-enrolling replaces it).
DEVICE_NAME = "authenticator"


class MfaError(ValueError):
    pass


def staff_totp_device(user: Any) -> TOTPDevice | None:
    """The account's confirmed authenticator, if it enrolled one."""
    if not getattr(user, "pk", None):
        return None
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def staff_session_verified(user: Any) -> bool:
    """True when this signed-in staff session has the second factor it needs."""
    if getattr(user, "is_verified", None) is not None and user.is_verified():
        return True
    if settings.STAFF_MFA_REQUIRED:
        return False
    return staff_totp_device(user) is None


def staff_totp_start(*, user: Any) -> TOTPDevice:
    """A new, unconfirmed authenticator for ``user`` (its key shown once, as an
    otpauth:// URI). It replaces nothing until ``staff_totp_confirm`` accepts a code."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        return TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def staff_totp_confirm(*, user: Any, device_id: int, token: str) -> TOTPDevice:
    """Confirm the pending authenticator with a code from the app; the account's
    earlier authenticator, if any, is removed. Raises MfaError on a wrong code or a
    device that is not this account's pending one."""
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(pk=device_id, user=user, confirmed=False)
            .first()
        )
        if device is None:
            raise MfaError("no pending authenticator: start again")
        allowed, _extra = device.verify_is_allowed()
        if not allowed or not device.verify_token(token.strip()):
            raise MfaError("that code is not right")
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        audit_trail_write(
            actor=user,
            action="staff.mfa_enrol",
            object_type="user",
            object_id=user.pk,
            data={},
        )
    return device


def staff_totp_issue(*, user: Any, actor: Any = None) -> TOTPDevice:
    """A new confirmed authenticator for ``user``, replacing any earlier one: for an
    administrator at the command line (``manage.py staff_totp_enrol``), who hands the
    otpauth:// URI to its owner. Audited."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=True)
        audit_trail_write(
            actor=actor,
            action="staff.mfa_issue",
            object_type="user",
            object_id=user.pk,
            data={},
        )
    return device
