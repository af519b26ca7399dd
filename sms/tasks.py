"""Background work of the SMS app: one send attempt of a queued row, the task that runs
it (``django.tasks``: the Immediate backend locally, django-tasks-db's DatabaseBackend
and ``manage.py db_worker`` in production) and the scheduling of that task. Retries and
rate-limit deferrals re-enqueue the task for the row's next attempt."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.tasks import task
from django.utils import timezone

from sms.backends import get_backend
from sms.backends.base import BaseSmsBackend, SmsSendError
from sms.message import SmsMessage
from sms.models import OutboundMessage, OutboundStatus
from sms.outbound import (
    MAX_ATTEMPTS,
    MAX_SLOT_WAIT,
    OPTED_OUT_CODE,
    RECONCILE_SLACK,
    backoff,
    is_opted_out,
    opt_out_number,
    outbound_claim,
    outbound_settle,
    sends_per_second,
    status_callback_url,
)
from sms.phone_display import mask_phone
from sms.rate_limits import rate_slot_reserve

logger = logging.getLogger(__name__)


@task()
def send_outbound(message_id: int) -> str:
    """Send one queued OutboundMessage; see ``outbound_send``. Safe to run twice or
    late: the row is claimed with a conditional update."""
    return outbound_send(message_id=message_id)


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


def outbound_send(*, message_id: int) -> str:
    """Send one queued row now (the body of the ``send_outbound`` task).

    Returns what happened: ``sent``, ``retry`` (transient error, rescheduled with
    backoff), ``failed`` (permanent error or attempts used up: not delivered),
    ``cancelled`` (opted out), ``deferred`` (rate limit; not an attempt) or ``skipped``
    (not queued or not due: another worker has it, it was sent, or a provider callback
    settled it). Never raises for a send error; the row records it.

    Exactly once: a row whose earlier attempt may have reached the provider
    (``unsure_since``) is reconciled first (``find_sent``), and sent again only if the
    provider has no such text.
    """
    started = timezone.now()
    if not outbound_claim(message_id, now=started):
        return "skipped"
    message = OutboundMessage.objects.get(pk=message_id)
    if is_opted_out(message.to_hash):
        outbound_settle(message_id, OutboundStatus.CANCELLED, code=OPTED_OUT_CODE, message="")
        return "cancelled"
    backend = get_backend()
    if message.unsure_since is not None:
        verdict = _reconcile(message, backend)
        if verdict is not None:
            return verdict
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
        backend.send_messages([sms])
    except SmsSendError as exc:
        return _failed_attempt(
            message,
            code=exc.code,
            text=str(exc),
            permanent=exc.permanent,
            opted_out=exc.opted_out,
            unsure_since=started if exc.outcome_unknown else None,
        )
    except Exception as exc:
        # A backend bug or an unexpected network error: the request may have gone out,
        # so it is reconciled like a timeout, and logged in full (it should not happen).
        logger.exception("sms #%s: backend raised %s", message_id, type(exc).__name__)
        return _failed_attempt(
            message, code="error", text=type(exc).__name__, permanent=False, unsure_since=started
        )
    return _mark_sent(message, sms.provider_id)


def _mark_sent(message: OutboundMessage, provider_id: str | None) -> str:
    now = timezone.now()
    if provider_id:
        try:
            with transaction.atomic():
                OutboundMessage.objects.filter(pk=message.pk, provider_id__isnull=True).update(
                    provider_id=provider_id
                )
        except IntegrityError:
            logger.error("sms #%s: provider id already recorded on another row", message.pk)
    OutboundMessage.objects.filter(pk=message.pk, status=OutboundStatus.SENDING).update(
        status=OutboundStatus.SENT,
        error_code="",
        error_message="",
        unsure_since=None,
        updated_at=now,
    )
    logger.info("sms #%s sent to %s", message.pk, mask_phone(message.to_e164))
    return "sent"


def _reconcile(message: OutboundMessage, backend: BaseSmsBackend) -> str | None:
    """Ask the provider whether an earlier attempt of ``message`` got through. Returns
    ``sent`` (it did: recorded, nothing sent), ``retry`` (the provider cannot be asked
    now: nothing is sent blind), ``failed`` (it did not, and no attempts are left: so
    it was not delivered), or None: it did not, send it now."""
    assert message.unsure_since is not None
    try:
        provider_id = backend.find_sent(
            to=message.to_e164, body=message.body, since=message.unsure_since - RECONCILE_SLACK
        )
    except SmsSendError as exc:
        return _failed_attempt(
            message,
            code=exc.code or "lookup",
            text=f"reconciling: {exc}",
            permanent=False,
            unsure_since=message.unsure_since,
        )
    except NotImplementedError:
        logger.warning("sms #%s: %s cannot look up sent texts; sending again", message.pk, backend)
        provider_id = None
    if provider_id:
        logger.info("sms #%s: the provider had it (%s); not sent again", message.pk, provider_id)
        return _mark_sent(message, provider_id)
    OutboundMessage.objects.filter(pk=message.pk).update(unsure_since=None)
    message.unsure_since = None
    if message.attempts > MAX_ATTEMPTS:
        outbound_settle(
            message.pk,
            OutboundStatus.FAILED,
            code=message.error_code,
            message=message.error_message,
        )
        logger.warning("sms #%s: not delivered after %d attempt(s)", message.pk, MAX_ATTEMPTS)
        return "failed"
    return None


def _failed_attempt(
    message: OutboundMessage,
    *,
    code: str,
    text: str,
    permanent: bool,
    opted_out: bool = False,
    unsure_since: datetime | None = None,
) -> str:
    """Record a failed attempt. ``unsure_since``: the text may have reached the provider
    (since then); it is requeued whatever the attempts, for reconciliation, never
    marked failed unasked."""
    attempts = message.attempts  # already counts this attempt (claimed)
    if unsure_since is None and (permanent or attempts >= MAX_ATTEMPTS):
        outbound_settle(message.pk, OutboundStatus.FAILED, code=code, message=text)
        if opted_out:
            opt_out_number(message.to_hash)
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
        unsure_since=unsure_since,
        updated_at=now,
    )
    schedule_send(message.pk, run_after=run_after)
    logger.info(
        "sms #%s attempt %d failed (%s%s); retry at %s",
        message.pk,
        attempts,
        code,
        ", outcome unknown" if unsure_since else "",
        run_after,
    )
    return "retry"
