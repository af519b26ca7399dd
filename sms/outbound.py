"""The outbound queue: every text we send on our own initiative (sign-in codes, notices,
broadcasts) is an ``OutboundMessage`` row first, then sent by a task.

Life of a row (``OutboundStatus``)::

    queued ──claim──► sending ──ok──► sent ──callback──► delivered / undelivered / failed
      ▲                  │
      └── transient ─────┤ (attempts < MAX_ATTEMPTS: next_attempt_at = now + backoff)
                         └── permanent, or attempts used up ──► failed
    queued ──(recipient opted out)──► cancelled

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
import time
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from participation.identity import phone_hash, phone_normalise
from participation.models import Resident
from sms.backends import get_backend
from sms.backends.base import SmsSendError
from sms.message import SmsMessage
from sms.models import OutboundMessage, OutboundPurpose, OutboundStatus
from sms.phone_display import mask_phone
from sms.rate_limits import rate_slot_reserve
from sms.segments import MAX_BODY, sms_text

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_MAX = timedelta(hours=1)
# A sender sleeps for its rate-limit slot only this long; beyond, the row is deferred.
MAX_SLOT_WAIT = 2.0
# A row left in "sending" this long was interrupted (worker killed mid-send).
STALE_SENDING = timedelta(minutes=15)
# Texts we start (not replies) per number per hour: stops anyone using sign-in codes
# to flood a stranger's phone. Broadcasts are exempt (staff send them on purpose).
PER_NUMBER_PER_HOUR = 10
OPTED_OUT_CODE = "opted_out"
RATE_LIMITED_CODE = "rate_limited"
OPT_OUT_PROVIDER_CODES = frozenset({"21610"})

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


# --- enqueue -------------------------------------------------------------------------------


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
    if status == OutboundStatus.QUEUED:
        schedule_send(message.pk)
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


def schedule_send(message_id: int, *, run_after: datetime | None = None) -> None:
    """After commit, hand the row to the task backend (deferred to ``run_after`` where
    the backend can defer; otherwise ``manage.py sms_send_due`` picks it up)."""
    transaction.on_commit(lambda: _enqueue_task(message_id, run_after))


def schedule_sends(message_ids: Iterable[int]) -> None:
    ids = list(message_ids)

    def enqueue_all() -> None:
        for pk in ids:
            _enqueue_task(pk, None)

    transaction.on_commit(enqueue_all)


def _enqueue_task(message_id: int, run_after: datetime | None) -> None:
    from sms.tasks import send_outbound  # the task module imports this one

    task = send_outbound
    if run_after is not None:
        if not task.get_backend().supports_defer:
            # The Immediate backend cannot wait: the sweeper sends it when due.
            return
        task = task.using(run_after=run_after)
    try:
        task.enqueue(message_id=message_id)
    except Exception:
        # The row is safely queued; the sweeper sends it. Never fail the caller's write.
        logger.exception("sms #%s could not be handed to the task backend", message_id)


# --- send ----------------------------------------------------------------------------------


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


def outbound_send(*, message_id: int) -> str:
    """Send one queued row now (the body of the ``send_outbound`` task).

    Returns what happened: ``sent``, ``retry`` (transient error, rescheduled with
    backoff), ``failed`` (permanent error or attempts used up), ``cancelled`` (opted
    out), ``deferred`` (rate limit; not an attempt) or ``skipped`` (not queued or not due:
    another worker has it, it was sent, or a provider callback settled it). Never raises
    for a send error; the row records it.
    """
    if not outbound_claim(message_id):
        return "skipped"
    message = OutboundMessage.objects.get(pk=message_id)
    if is_opted_out(message.to_hash):
        _settle(message_id, OutboundStatus.CANCELLED, code=OPTED_OUT_CODE, message="")
        return "cancelled"
    slot = rate_slot_reserve(per_second=sends_per_second(), max_wait=MAX_SLOT_WAIT)
    if not slot.reserved:
        run_after = timezone.now() + timedelta(seconds=slot.wait)
        OutboundMessage.objects.filter(pk=message_id, status=OutboundStatus.SENDING).update(
            status=OutboundStatus.QUEUED,
            attempts=F("attempts") - 1,
            next_attempt_at=run_after,
            updated_at=timezone.now(),
        )
        schedule_send(message_id, run_after=run_after)
        return "deferred"
    if slot.wait > 0:
        time.sleep(slot.wait)

    sms = SmsMessage(to=message.to_e164, body=message.body)
    callback = status_callback_url(message.pk)
    if callback:
        sms.extra["status_callback"] = callback
    try:
        get_backend().send_messages([sms])
    except SmsSendError as exc:
        return _failed_attempt(message, code=exc.code, text=str(exc), permanent=exc.permanent)
    except Exception as exc:
        # A backend bug or an unexpected network error: retried like a transient one,
        # and logged in full because it should not happen.
        logger.exception("sms #%s: backend raised %s", message_id, type(exc).__name__)
        return _failed_attempt(message, code="error", text=type(exc).__name__, permanent=False)

    now = timezone.now()
    if sms.provider_id:
        try:
            with transaction.atomic():
                OutboundMessage.objects.filter(pk=message_id, provider_id__isnull=True).update(
                    provider_id=sms.provider_id
                )
        except IntegrityError:
            logger.error("sms #%s: provider id already recorded on another row", message_id)
    OutboundMessage.objects.filter(pk=message_id, status=OutboundStatus.SENDING).update(
        status=OutboundStatus.SENT, error_code="", error_message="", updated_at=now
    )
    logger.info("sms #%s sent to %s", message_id, mask_phone(message.to_e164))
    return "sent"


def _failed_attempt(message: OutboundMessage, *, code: str, text: str, permanent: bool) -> str:
    attempts = message.attempts  # already counts this attempt (claimed)
    if permanent or attempts >= MAX_ATTEMPTS:
        _settle(message.pk, OutboundStatus.FAILED, code=code, message=text)
        if code in OPT_OUT_PROVIDER_CODES:
            _opt_out_number(message.to_hash)
        logger.warning(
            "sms #%s to %s failed for good after %d attempt(s): %s",
            message.pk,
            mask_phone(message.to_e164),
            attempts,
            code,
        )
        return "failed"
    now = timezone.now()
    run_after = now + backoff(attempts)
    OutboundMessage.objects.filter(pk=message.pk, status=OutboundStatus.SENDING).update(
        status=OutboundStatus.QUEUED,
        next_attempt_at=run_after,
        error_code=code[:16],
        error_message=text[:500],
        updated_at=now,
    )
    schedule_send(message.pk, run_after=run_after)
    logger.info(
        "sms #%s attempt %d failed (%s); retry at %s", message.pk, attempts, code, run_after
    )
    return "retry"


def _settle(message_id: int, status: str, *, code: str, message: str) -> None:
    OutboundMessage.objects.filter(pk=message_id, status=OutboundStatus.SENDING).update(
        status=status, error_code=code[:16], error_message=message[:500], updated_at=timezone.now()
    )


def _opt_out_number(to_hash: str) -> None:
    """The provider says this number opted out (e.g. STOP sent to Twilio directly):
    record it as if they had texted us STOP."""
    # Imported here: participation.services sends sign-in codes through sms.sending,
    # which imports this module.
    from participation.services import resident_sms_opt_out

    resident = Resident.objects.filter(phone_hash=to_hash).first()
    if resident is not None:
        resident_sms_opt_out(resident=resident)
    OutboundMessage.objects.filter(to_hash=to_hash, status=OutboundStatus.QUEUED).update(
        status=OutboundStatus.CANCELLED, error_code=OPTED_OUT_CODE, updated_at=timezone.now()
    )


def outbound_requeue(*, message_ids: Iterable[int]) -> int:
    """Staff: put failed or cancelled rows back in the queue with fresh attempts (after
    fixing credentials, say). Opt-outs are checked again when each is sent. Returns how
    many rows were requeued."""
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
    schedule_sends(ids)
    return count


def outbound_send_due(*, limit: int = 500) -> int:
    """The sweeper (``manage.py sms_send_due``; the staff queue page's button): put rows
    interrupted mid-send back in the queue, then send every due row, oldest first.
    Returns how many were sent. Safe to run beside task workers (claims decide)."""
    now = timezone.now()
    OutboundMessage.objects.filter(
        status=OutboundStatus.SENDING, updated_at__lt=now - STALE_SENDING
    ).update(status=OutboundStatus.QUEUED, next_attempt_at=now, updated_at=now)
    due = list(
        OutboundMessage.objects.filter(status=OutboundStatus.QUEUED)
        .filter(_due(now))
        .order_by("next_attempt_at", "created_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for pk in due if outbound_send(message_id=pk) == "sent")


# --- provider callbacks --------------------------------------------------------------------


def outbound_status_record(
    *, message_id: int | None, provider_id: str, provider_status: str, error_code: str = ""
) -> bool:
    """Apply a provider status callback. Finds the row by our id (from the callback URL)
    or else by the provider id; moves its status forward only (``STATUS_RANK``), with a
    conditional UPDATE so two callbacks racing cannot move it back. Returns whether the
    row changed. An opt-out error code records the opt-out."""
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
    if error_code in OPT_OUT_PROVIDER_CODES:
        _opt_out_number(message.to_hash)
    if new is None:
        return False
    lower = [s for s, rank in STATUS_RANK.items() if rank < STATUS_RANK[new]]
    changes: dict[str, object] = {"status": new, "updated_at": timezone.now()}
    if error_code:
        changes["error_code"] = error_code[:16]
    return bool(OutboundMessage.objects.filter(pk=message.pk, status__in=lower).update(**changes))
