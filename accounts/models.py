"""Resident sign-in without passwords: one-time codes sent by SMS and the failed tries
the per-address limits count. The tables keep the names they had in ``participation``
(a state-only move)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SignInCode(models.Model):
    """A one-time sign-in code sent by SMS to a phone number.

    Neither the code nor the number is stored readable: ``code_hash`` is an HMAC (under
    PHONE_KEY) of the code bound to the number's hash, ``phone_hash`` the number's keyed
    hash and ``ip_hash`` a keyed hash of the client address. A code is good for
    ``accounts.services.SIGN_IN_CODE_TTL`` and ``SIGN_IN_CODE_TRIES`` wrong tries.
    The rows double as the send log that the per-number and per-address rate limits
    count, which is why they live in the database: every worker sees the same counts.
    """

    phone_hash = models.CharField(max_length=64)
    ip_hash = models.CharField(max_length=64)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "participation_signincode"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["phone_hash", "created_at"]),
            models.Index(fields=["ip_hash", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"Sign-in code #{self.pk}"


class SignInFailureMethod(models.TextChoices):
    SMS_CODE = "sms_code", _("SMS code")
    VOTER_CODE = "voter_code", _("Voter code")


class SignInFailure(models.Model):
    """One wrong sign-in code or unknown voter code, by (hashed) client address: what
    the per-address limit on guessing counts, shared by every worker."""

    ip_hash = models.CharField(max_length=64)
    method = models.CharField(max_length=16, choices=SignInFailureMethod.choices)
    created_at = models.DateTimeField()

    class Meta:
        db_table = "participation_signinfailure"
        indexes = [models.Index(fields=["ip_hash", "created_at"])]

    def __str__(self) -> str:
        return f"Sign-in failure #{self.pk} ({self.method})"


class StaffSession(models.Model):
    """A session a staff account signed in with, so that deactivating the account can
    end every one of them at once (``accounts.staff_sessions``). Only the key: the
    session itself stays in Django's session store."""

    user = models.ForeignKey("auth.User", on_delete=models.CASCADE, related_name="staff_sessions")
    session_key = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Staff session of user #{self.user_id}"
