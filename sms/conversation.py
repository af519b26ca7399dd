"""The SMS conversation's memory of one resident between texts (SmsConversation):
the pending question, a held idea, where MORE continues. Written only here; callers
hold the resident's row lock (inside ``sms.services.sms_receive``)."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.utils import timezone

from core.sql_rows import insert_rows, update_row
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
    now = timezone.now()
    conversation = SmsConversation(resident=resident, created_at=now, updated_at=now)
    # Hand-written (core.sql_rows): every first text writes one, and objects.create
    # spent most of its time building the INSERT (py-spy under bench.load).
    (conversation.pk,) = insert_rows(
        connection,
        SmsConversation,
        _NEW_FIELDS,
        [[getattr(conversation, name) for name in _NEW_FIELDS]],
        returning_pk=True,
    )
    conversation._state.adding = False
    conversation._state.db = connection.alias  # as objects.create leaves it
    return conversation, True


_NEW_FIELDS = [
    "resident_id",
    "pending",
    "pending_text",
    "more",
    "neighbourhood_asked_at",
    "demographics_asked_at",
    "process_id",
    "created_at",
    "updated_at",
]


def conversation_update(*, conversation: SmsConversation, **changes: Any) -> SmsConversation:
    """Set conversation fields (``pending``, ``pending_text``, ``more``, the ``*_asked_at``
    stamps). Callers hold the resident's row lock (inside ``sms_receive``)."""
    for field, value in changes.items():
        setattr(conversation, field, value)
    conversation.updated_at = timezone.now()
    update_row(connection, conversation, [*changes, "updated_at"])
    return conversation


def conversation_reset(*, resident: Resident) -> None:
    SmsConversation.objects.filter(resident=resident).update(
        pending="", pending_text="", more="", updated_at=timezone.now()
    )
