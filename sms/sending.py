"""What the rest of the code calls to send texts on our own initiative (sign-in codes,
notices, broadcasts) and to run the queue. Every text is queued: an OutboundMessage row
(sms/outbound.py), sent by a task after the caller's transaction commits
(sms/tasks.py). Replies to a resident's text are not sent here: they go back inline in
the webhook's answer."""

from __future__ import annotations

from collections.abc import Iterable

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


def outbound_requeue(*, message_ids: Iterable[int]) -> int:
    """Staff: put failed or cancelled rows back in the queue with fresh attempts (after
    fixing credentials, say) and hand them to the task backend on commit. Opt-outs are
    checked again when each is sent. Returns how many rows were requeued."""
    ids = outbound_requeue_rows(message_ids=message_ids)
    schedule_sends(ids)
    return len(ids)


def outbound_send_due(*, limit: int = 500) -> int:
    """The sweeper (``manage.py sms_send_due``; the staff queue page's button): put rows
    interrupted mid-send back in the queue, then send every due row, oldest first.
    Returns how many were sent. Safe to run beside task workers (claims decide)."""
    outbound_reclaim_stale()
    return sum(1 for pk in outbound_due_ids(limit=limit) if outbound_send(message_id=pk) == "sent")
