"""The SMS conversation's memory of one resident between texts (SmsConversation):
the pending question, a held idea, where MORE continues. Written only here; callers
hold the resident's row lock (inside ``sms.services.sms_receive``)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from participation.models import Resident
from sms.models import SmsConversation


def conversation_for(*, resident: Resident) -> tuple[SmsConversation, bool]:
    """The resident's conversation state, created on their first text (True). Callers
    hold the resident's row lock, so no second transaction can create it meanwhile."""
    try:
        # Loaded with the resident (select_related) by the webhook: no query then.
        return resident.sms_conversation, False
    except SmsConversation.DoesNotExist:
        pass
    return SmsConversation.objects.create(resident=resident), True


def conversation_update(*, conversation: SmsConversation, **changes: Any) -> SmsConversation:
    """Set conversation fields (``pending``, ``pending_text``, ``more``, the ``*_asked_at``
    stamps). Callers hold the resident's row lock (inside ``sms_receive``)."""
    for field, value in changes.items():
        setattr(conversation, field, value)
    conversation.save(update_fields=[*changes, "updated_at"])
    return conversation


def conversation_reset(*, resident: Resident) -> None:
    SmsConversation.objects.filter(resident=resident).update(
        pending="", pending_text="", more="", updated_at=timezone.now()
    )
