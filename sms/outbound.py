"""The outbound queue's rows: every text we send on our own initiative (sign-in codes,
notices, broadcasts) is an ``OutboundMessage`` row first, then sent by a task
(``sms.tasks``); ``sms.sending`` is what the rest of the code calls. This module only
moves rows between states; it never schedules work.

Life of a row (``OutboundStatus``)::

    queued ──claim──► sending ──ok──► sent ──callback──► delivered / undelivered / failed
      ▲                  │
      └── transient ─────┤ (attempts < MAX_ATTEMPTS: next_attempt_at = now + backoff)
      ▲                  └── permanent, or attempts used up ──► failed
      ├── outcome unknown (timeout after the request went out): unsure_since is set
      └── lease expired (SMS_SEND_LEASE: the worker died mid-send): unsure_since is set
    queued ──(recipient opted out)──► cancelled

Exactly once: a row with ``unsure_since`` is reconciled before anything is sent again:
the backend is asked for a text to that number with that body since then
(``find_sent``); if it has one the row is ``sent`` with its provider id, and only if it
has none is it sent again (or, attempts used up, ``failed``). So ``failed`` always means
not delivered: a row whose outcome is unknown is never marked failed without asking.

Guarantees:
- Enqueued with ``transaction.on_commit`` only: a rolled-back write sends nothing.
- Claimed with one conditional UPDATE (``WHERE status = 'queued' AND due``): two workers,
  a retry and a sweep can race for a row and only one sends it.
- Never sent to an opted-out number: checked when queued and again when claimed.
- At most ``SMS_SENDS_PER_SECOND`` sends across all workers (sms/rate_limits.py).
- Status only moves forward (``STATUS_RANK``), so late or out-of-order provider
  callbacks cannot undo a delivery.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from participation.identity import phone_hash, phone_normalise
from participation.models import Resident
from participation.services.residents import resident_sms_opt_out
from sms.models import OutboundMessage, OutboundPurpose, OutboundStatus
from sms.phone_display import mask_phone
from sms.segments import MAX_BODY, sms_text

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_MAX = timedelta(hours=1)
# A sender sleeps for its rate-limit slot only this long; beyond, the row is deferred.
MAX_SLOT_WAIT = 2.0
# How much earlier than our clock's attempt start a provider may stamp the text it
# accepted (clock skew) when we ask it whether it has that text.
RECONCILE_SLACK = timedelta(seconds=60)
# Texts we start (not replies) per number per hour: stops anyone using sign-in codes
# to flood a stranger's phone. Broadcasts are exempt (staff send them on purpose).
PER_NUMBER_PER_HOUR = 10
OPTED_OUT_CODE = "opted_out"
RATE_LIMITED_CODE = "rate_limited"

STATUS_RANK: dict[str, int] = {
    OutboundStatus.QUEUED: 0,
    OutboundStatus.SENDING: 1,
    OutboundStatus.SENT: 2,
    OutboundStatus.UNDELIVERED: 3,
    OutboundStatus.FAILED: 3,
    OutboundStatus.DELIVERED: 4,
    OutboundStatus.CANCELLED: 5,
}

# Twilio's MessageStatus values (other gateways map theirs onto these).
PROVIDER_STATUS: dict[str, str] = {
    "accepted": OutboundStatus.SENT,
    "scheduled": OutboundStatus.SENT,
    "queued": OutboundStatus.SENT,
    "sending": OutboundStatus.SENT,
    "sent": OutboundStatus.SENT,
    "delivered": OutboundStatus.DELIVERED,
    "read": OutboundStatus.DELIVERED,
    "undelivered": OutboundStatus.UNDELIVERED,
    "failed": OutboundStatus.FAILED,
    "canceled": OutboundStatus.CANCELLED,
}


def sends_per_second() -> float:
    return float(settings.SMS_SENDS_PER_SECOND)


def is_opted_out(to_hash: str) -> bool:
    return Resident.objects.filter(phone_hash=to_hash, sms_opted_out_at__isnull=False).exists()


def backoff(attempts: int) -> timedelta:
    """Delay before retry number ``attempts`` (1-based): 30 s, 60 s, 120 s, ... at most
    an hour, plus up to 20 % jitter so a failed broadcast does not retry in one burst."""
    base = min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)
    return base * (1 + random.uniform(0, 0.2))


def status_callback_url(message_id: int) -> str | None:
    """Where the provider reports delivery. Carries our id, so a callback that beats the
    provider id into our database (or follows a send we believed failed) still finds its
    row. None when the SMS URLs are not mounted."""
    try:
        path = reverse("sms:twilio_status")
    except NoReverseMatch:
        return None
    return f"{settings.PUBLIC_BASE_URL}{path}?m={message_id}"


# --- rows ----------------------------------------------------------------------------------


def outbound_row_create(
    *,
    to: str,
    body: str,
    purpose: str = OutboundPurpose.NOTICE,
    language: str = "en",
    in_reply_to_id: int | None = None,
) -> OutboundMessage:
    """Write the row of one text to ``to``: ``queued``, or ``cancelled`` (with
    ``error_code``) when the number opted out or had too many texts this hour. Sends
    nothing: ``sms.sending.outbound_enqueue`` also hands a queued row to the task
    backend. Raises InvalidPhoneNumber for a number that is not valid, ValueError for an
    empty or over-long body."""
    e164 = phone_normalise(to)
    text = sms_text(body.strip())
    if not text:
        raise ValueError("an SMS needs a body")
    if len(text) > MAX_BODY:
        raise ValueError(f"an SMS body is at most {MAX_BODY} characters")
    digest = phone_hash(e164)
    status, code = OutboundStatus.QUEUED, ""
    if is_opted_out(digest):
        status, code = OutboundStatus.CANCELLED, OPTED_OUT_CODE
    elif purpose != OutboundPurpose.BROADCAST and _recent_to(digest) >= PER_NUMBER_PER_HOUR:
        status, code = OutboundStatus.CANCELLED, RATE_LIMITED_CODE
    message = OutboundMessage.objects.create(
        to_e164=e164,
        to_hash=digest,
        body=text,
        language=language,
        purpose=purpose,
        status=status,
        error_code=code,
        in_reply_to_id=in_reply_to_id,
    )
    logger.info(
        "sms #%s (%s) to %s %s%s",
        message.pk,
        purpose,
        mask_phone(e164),
        status,
        f" ({code})" if code else "",
    )
    return message


def _recent_to(digest: str) -> int:
    since = timezone.now() - timedelta(hours=1)
    return (
        OutboundMessage.objects.filter(to_hash=digest, created_at__gte=since)
        .exclude(purpose=OutboundPurpose.BROADCAST)
        .exclude(status=OutboundStatus.CANCELLED)
        .count()
    )


def _due(now: datetime) -> Q:
    return Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)


def outbound_claim(message_id: int, *, now: datetime | None = None) -> bool:
    """Move the row from queued to sending if it is due. One UPDATE, so exactly one
    caller wins however many race for the row."""
    now = now or timezone.now()
    return bool(
        OutboundMessage.objects.filter(pk=message_id, status=OutboundStatus.QUEUED)
        .filter(_due(now))
        .update(status=OutboundStatus.SENDING, attempts=F("attempts") + 1, updated_at=now)
    )


def outbound_settle(message_id: int, status: str, *, code: str, message: str) -> None:
    OutboundMessage.objects.filter(pk=message_id, status=OutboundStatus.SENDING).update(
        status=status, error_code=code[:16], error_message=message[:500], updated_at=timezone.now()
    )


def opt_out_number(to_hash: str) -> None:
    """The provider says this number opted out (e.g. STOP sent to Twilio directly):
    record it as if they had texted us STOP."""
    resident = Resident.objects.filter(phone_hash=to_hash).first()
    if resident is not None:
        resident_sms_opt_out(resident=resident)
    OutboundMessage.objects.filter(to_hash=to_hash, status=OutboundStatus.QUEUED).update(
        status=OutboundStatus.CANCELLED, error_code=OPTED_OUT_CODE, updated_at=timezone.now()
    )


def outbound_requeue_rows(*, message_ids: Iterable[int]) -> list[int]:
    """Staff: put failed or cancelled rows back in the queue with fresh attempts (after
    fixing credentials, say). Opt-outs are checked again when each is sent. Returns the
    ids requeued; ``sms.sending.outbound_requeue`` hands them to the task backend."""
    rows = OutboundMessage.objects.filter(
        pk__in=list(message_ids), status__in=[OutboundStatus.FAILED, OutboundStatus.CANCELLED]
    )
    ids = list(rows.values_list("pk", flat=True))
    count = rows.update(
        status=OutboundStatus.QUEUED,
        attempts=0,
        next_attempt_at=None,
        error_code="",
        error_message="",
        updated_at=timezone.now(),
    )
    return ids if count else []


def send_lease() -> timedelta:
    return timedelta(seconds=float(settings.SMS_SEND_LEASE))


def outbound_reclaim_stale(*, now: datetime | None = None) -> int:
    """Put rows left in ``sending`` past the lease by an interrupted worker back in the
    queue, marked unsure since their claim (``updated_at``): the dead worker may have
    sent the text, so the next attempt asks the provider first."""
    now = now or timezone.now()
    return OutboundMessage.objects.filter(
        status=OutboundStatus.SENDING, updated_at__lt=now - send_lease()
    ).update(
        status=OutboundStatus.QUEUED,
        next_attempt_at=now,
        unsure_since=Coalesce(F("unsure_since"), F("updated_at")),
        updated_at=now,
    )


def outbound_due_ids(*, limit: int, now: datetime | None = None) -> list[int]:
    """Queued rows that are due, oldest first."""
    now = now or timezone.now()
    return list(
        OutboundMessage.objects.filter(status=OutboundStatus.QUEUED)
        .filter(_due(now))
        .order_by("next_attempt_at", "created_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


# --- provider callbacks --------------------------------------------------------------------


def outbound_status_record(
    *,
    message_id: int | None,
    provider_id: str,
    provider_status: str,
    error_code: str = "",
    opted_out: bool = False,
) -> bool:
    """Apply a provider status callback. Finds the row by our id (from the callback URL)
    or else by the provider id; moves its status forward only (``STATUS_RANK``), with a
    conditional UPDATE so two callbacks racing cannot move it back. Returns whether the
    row changed. ``opted_out`` (the provider says the recipient opted out, as the backend
    reads its error code) records the opt-out."""
    new = PROVIDER_STATUS.get(provider_status.strip().lower())
    rows = OutboundMessage.objects.all()
    if message_id is not None:
        rows = rows.filter(pk=message_id)
        if provider_id:
            rows = rows.filter(Q(provider_id__isnull=True) | Q(provider_id=provider_id))
    elif provider_id:
        rows = rows.filter(provider_id=provider_id)
    else:
        return False
    message = rows.first()
    if message is None:
        return False
    if provider_id and message.provider_id is None:
        try:
            with transaction.atomic():
                OutboundMessage.objects.filter(pk=message.pk, provider_id__isnull=True).update(
                    provider_id=provider_id
                )
        except IntegrityError:
            logger.warning("status callback for #%s names a provider id in use", message.pk)
    if opted_out:
        opt_out_number(message.to_hash)
    if new is None:
        return False
    lower = [s for s, rank in STATUS_RANK.items() if rank < STATUS_RANK[new]]
    changes: dict[str, object] = {"status": new, "updated_at": timezone.now()}
    if error_code:
        changes["error_code"] = error_code[:16]
    return bool(OutboundMessage.objects.filter(pk=message.pk, status__in=lower).update(**changes))
