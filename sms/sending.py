"""What the rest of the code calls to send texts on our own initiative (sign-in codes,
notices, broadcasts) and to run the queue. Every text is queued: an OutboundMessage row
(sms/outbound.py), sent by a task after the caller's transaction commits
(sms/tasks.py). Replies to a resident's text are not sent here: they go back inline in
the webhook's answer."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from participation.services.audit_trail import audit_trail_write
from participation.staff_permissions import staff_require
from sms.models import OutboundMessage, OutboundPurpose, OutboundStatus
from sms.outbound import (
    outbound_due_ids,
    outbound_reclaim_stale,
    outbound_requeue_rows,
    outbound_row_create,
)
from sms.tasks import outbound_send, schedule_send, schedule_sends


def send_sms(
    *, to: str, body: str, purpose: str = "notice", language: str = "en"
) -> OutboundMessage:
    """Queue ``body`` for the number ``to`` (E.164, or anything phone_normalise accepts)
    and return its OutboundMessage.

    - The send happens on commit: with the Immediate task backend the message reaches
      ``settings.SMS_BACKEND`` right after the surrounding transaction commits (at once
      in autocommit); with the database backend a worker sends it.
    - The row comes back ``cancelled`` (``error_code`` says why) when the number opted
      out of texts or received too many this hour; callers may show that.
    - Raises InvalidPhoneNumber for an invalid number and ValueError for an empty body
      or one over 1,600 characters. Transient gateway errors are retried by the queue,
      never raised here.
    """
    return outbound_enqueue(to=to, body=body, purpose=purpose, language=language)


def outbound_enqueue(
    *,
    to: str,
    body: str,
    purpose: str = OutboundPurpose.NOTICE,
    language: str = "en",
    in_reply_to_id: int | None = None,
) -> OutboundMessage:
    """Queue one text to ``to`` and schedule its send after the current transaction
    commits. Returns the row: ``queued``, or ``cancelled`` (with ``error_code``) when the
    number opted out or had too many texts this hour. Raises InvalidPhoneNumber for a
    number that is not valid, ValueError for an empty or over-long body."""
    message = outbound_row_create(
        to=to, body=body, purpose=purpose, language=language, in_reply_to_id=in_reply_to_id
    )
    if message.status == OutboundStatus.QUEUED:
        schedule_send(message.pk)
    return message


REQUEUE_PERMISSION = "sms.change_outboundmessage"
# What a requeue changes on each row, recorded before and after in the audit log (the
# body and the number never: the log names the message by its id).
_REQUEUE_AUDITED = ("status", "attempts", "error_code")


def outbound_requeue(*, actor: Any, message_ids: Iterable[int]) -> int:
    """Staff (``sms.change_outboundmessage``; ``actor`` None is the command line): put
    failed or cancelled rows back in the queue with fresh attempts (after fixing
    credentials, say) and hand them to the task backend on commit. Opt-outs are checked
    again when each is sent. One audit entry per requeued row, in the same transaction.
    Returns how many rows were requeued. Raises PermissionDenied for anyone else."""
    staff_require(actor, REQUEUE_PERMISSION)
    with transaction.atomic():
        before = {
            row["pk"]: row
            for row in OutboundMessage.objects.select_for_update()
            .filter(pk__in=list(message_ids))
            .values("pk", *_REQUEUE_AUDITED)
        }
        ids = outbound_requeue_rows(message_ids=list(before))
        after = {
            row["pk"]: row
            for row in OutboundMessage.objects.filter(pk__in=ids).values("pk", *_REQUEUE_AUDITED)
        }
        for pk in ids:
            audit_trail_write(
                actor=actor,
                action="sms.requeue",
                object_type="sms.outboundmessage",
                object_id=pk,
                before={k: before[pk][k] for k in _REQUEUE_AUDITED},
                after={k: after[pk][k] for k in _REQUEUE_AUDITED},
            )
        schedule_sends(ids)
    return len(ids)


def outbound_send_due(*, limit: int = 500) -> int:
    """The sweeper (``manage.py sms_send_due``; the staff queue page's button): put rows
    interrupted mid-send back in the queue, then send every due row, oldest first.
    Returns how many were sent. Safe to run beside task workers (claims decide)."""
    outbound_reclaim_stale()
    return sum(1 for pk in outbound_due_ids(limit=limit) if outbound_send(message_id=pk) == "sent")


def outbound_send_due_by_staff(*, actor: Any) -> int:
    """The staff queue page's "send now" button: the sweeper, run by a staff member
    holding ``sms.change_outboundmessage``, and audited with how many were sent (the
    command's loop is not: it is the server's own routine)."""
    staff_require(actor, REQUEUE_PERMISSION)
    sent = outbound_send_due()
    audit_trail_write(
        actor=actor,
        action="sms.send_due",
        object_type="sms.outboundmessage",
        object_id="",
        data={"sent": sent},
    )
    return sent
