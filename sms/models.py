from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class InboundStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    PROCESSED = "processed", _("Processed")
    FAILED = "failed", _("Failed")


class InboundMessage(models.Model):
    """One text a resident sent. ``message_sid`` is unique: a replay or a fallback-URL
    duplicate finds the row and returns the stored reply instead of acting twice."""

    provider = models.CharField(max_length=20, default="twilio")
    message_sid = models.CharField(max_length=64, unique=True)
    from_hash = models.CharField(max_length=64, db_index=True)
    to_number = models.CharField(max_length=20, blank=True)
    body = models.TextField()
    status = models.CharField(
        max_length=10, choices=InboundStatus.choices, default=InboundStatus.RECEIVED
    )
    reply = models.TextField(blank=True)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    # What the message was read as (``vote``, ``stop``, ``throttled``, ...): the inbound
    # rate limit counts acted-upon messages by it, and staff can see why a reply was sent.
    command = models.CharField(max_length=16, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["from_hash", "received_at"], name="sms_inbound_from_recent"),
        ]
        permissions = [
            # With a real gateway: text as a test number (SMS_TEST_NUMBER_PREFIX) only.
            ("use_simulator", "Can use the SMS simulator with the real gateway"),
        ]

    def __str__(self) -> str:
        return self.message_sid


class OutboundStatus(models.TextChoices):
    # Ordered: a provider status callback may only move a message forward.
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    UNDELIVERED = "undelivered", _("Undelivered")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class OutboundPurpose(models.TextChoices):
    REPLY = "reply", pgettext_lazy("message purpose: an answer to a text", "Reply")
    SIGN_IN = "sign_in", _("Sign-in code")
    BROADCAST = "broadcast", _("Broadcast")
    NOTICE = "notice", _("Notice")


class OutboundMessage(models.Model):
    """A text to send, with its delivery state. Rows are claimed by a conditional update
    (status queued → sending) so that two workers never send the same message."""

    to_e164 = models.CharField(max_length=20)
    to_hash = models.CharField(max_length=64, db_index=True)
    body = models.TextField()
    language = models.CharField(max_length=8, default="en")
    purpose = models.CharField(
        max_length=12, choices=OutboundPurpose.choices, default=OutboundPurpose.REPLY
    )
    status = models.CharField(
        max_length=12, choices=OutboundStatus.choices, default=OutboundStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    provider_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    error_code = models.CharField(max_length=16, blank=True)
    error_message = models.TextField(blank=True)
    in_reply_to = models.ForeignKey(
        InboundMessage, null=True, blank=True, on_delete=models.SET_NULL, related_name="replies"
    )
    broadcast = models.ForeignKey(
        "SmsBroadcast", null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]
        constraints = [
            models.CheckConstraint(condition=~Q(to_e164=""), name="outbound_has_recipient"),
        ]

    def __str__(self) -> str:
        return f"SMS #{self.pk} ({self.status})"


# --- added by the SMS conversation issue -------------------------------------------------


class SmsConversation(models.Model):
    """What the SMS conversation remembers about one resident between messages.

    ``pending`` names the question we last asked and are waiting for an answer to
    (``neighbourhood`` or ``age_band``); a bare reply such as ``2`` is read as its
    answer. ``pending_text`` keeps an idea sent before the neighbourhood was known, so
    it is submitted once the resident says where they live. ``more`` is what ``MORE``
    continues (``neighbourhoods:2``). Only the resident's own state: never ballots.
    """

    resident = models.OneToOneField(
        "participation.Resident", on_delete=models.CASCADE, related_name="sms_conversation"
    )
    pending = models.CharField(max_length=24, blank=True)
    pending_text = models.TextField(blank=True)
    more = models.CharField(max_length=24, blank=True)
    neighbourhood_asked_at = models.DateTimeField(null=True, blank=True)
    demographics_asked_at = models.DateTimeField(null=True, blank=True)
    # The process this resident chose (PROCESS n, or the answer to "which vote?") while
    # several are open; used while it stays open, never guessed (sms/commands/processes.py).
    process = models.ForeignKey(
        "core.Process", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"SMS conversation of resident #{self.resident_id}"


class SmsBroadcast(models.Model):
    """A notice staff sent to the opted-in residents of some neighbourhoods. Its
    OutboundMessage rows (``messages``) carry each resident's copy, in their language."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="sms_broadcasts"
    )
    neighbourhoods = models.ManyToManyField("maps.Neighbourhood", related_name="sms_broadcasts")
    # {"en": "...", "es": "...", "fr": "..."}: the text per language as staff wrote it.
    texts = models.JSONField(default=dict)
    recipients = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        permissions = [
            ("send_broadcast", "Can send SMS broadcasts to residents"),
        ]

    def __str__(self) -> str:
        return f"SMS broadcast #{self.pk} ({self.recipients} recipients)"


class SmsRateSlot(models.Model):
    """The next free sending slot of a shared rate limit (one row per limit). Senders in
    any process reserve a slot under a row lock, so the provider sees at most
    ``SMS_SENDS_PER_SECOND`` however many workers run (sms/rate_limits.py)."""

    key = models.CharField(max_length=32, unique=True)
    next_free_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.key}: next slot {self.next_free_at:%H:%M:%S.%f}"
