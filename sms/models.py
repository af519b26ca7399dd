from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


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
    REPLY = "reply", _("Reply")
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
