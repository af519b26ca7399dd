"""The outbound queue with the locmem backend: commit-only enqueue, claims, opt-outs,
rate limits, the sweeper."""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone

from participation.models import Resident
from sms import outbox
from sms.models import OutboundMessage, OutboundStatus
from sms.outbound import PER_NUMBER_PER_HOUR, backoff, outbound_claim
from sms.sending import outbound_enqueue, outbound_requeue, outbound_send_due, send_sms
from sms.tasks import outbound_send

pytestmark = pytest.mark.django_db


def test_nothing_is_sent_when_the_transaction_rolls_back(
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                send_sms(to="+14155550123", body="never")
                raise RuntimeError("the caller's write failed")
        except RuntimeError:
            pass
    assert callbacks == []
    assert outbox.messages == []
    assert OutboundMessage.objects.count() == 0


def test_send_sms_keeps_its_signature_and_returns_the_row(
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        message = send_sms(to="+1 (415) 555-0123", body="Notice", language="es")
    assert isinstance(message, OutboundMessage)
    assert message.to_e164 == "+14155550123"
    assert message.purpose == "notice"
    assert message.language == "es"
    message.refresh_from_db()
    assert message.status == OutboundStatus.SENT
    assert message.attempts == 1


def test_bodies_are_smart_encoded_and_validated() -> None:
    message = send_sms(to="+14155550123", body="Votación abierta: envía VOTAR")
    assert message.body == "Votacion abierta: envia VOTAR"
    with pytest.raises(ValueError):
        send_sms(to="+14155550123", body="   ")
    with pytest.raises(ValueError):
        send_sms(to="+14155550123", body="x" * 1601)
    with pytest.raises(ValueError):
        send_sms(to="not a number", body="hi")


def test_never_sent_to_an_opted_out_resident(
    resident_factory: Any, django_capture_on_commit_callbacks: Any
) -> None:
    resident = resident_factory(phone_e164="+14155550123", sms_opted_out_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        message = send_sms(to=resident.phone_e164, body="hello")
    assert message.status == OutboundStatus.CANCELLED
    assert message.error_code == "opted_out"
    assert outbox.messages == []


def test_opt_out_between_queueing_and_sending_cancels(
    resident_factory: Any,
) -> None:
    resident = resident_factory(phone_e164="+14155550123")
    message = send_sms(to=resident.phone_e164, body="hello")  # callbacks not run yet
    Resident.objects.filter(pk=resident.pk).update(sms_opted_out_at=timezone.now())
    assert outbound_send(message_id=message.pk) == "cancelled"
    message.refresh_from_db()
    assert message.status == OutboundStatus.CANCELLED
    assert outbox.messages == []


def test_a_row_is_claimed_once() -> None:
    message = send_sms(to="+14155550123", body="once")
    assert outbound_claim(message.pk)
    assert not outbound_claim(message.pk)
    assert outbound_send(message_id=message.pk) == "skipped"
    assert outbox.messages == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_workers_send_a_message_once() -> None:
    """A retry task, the sweeper and a second worker may all pick up one row: the
    conditional UPDATE lets exactly one of them send it."""
    message = OutboundMessage.objects.create(
        to_e164="+14155550123", to_hash="h", body="race", status=OutboundStatus.QUEUED
    )
    barrier = threading.Barrier(6)
    results: list[str] = []

    def work() -> None:
        try:
            barrier.wait()
            results.append(outbound_send(message_id=message.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(results) == ["sent"] + ["skipped"] * 5
    assert [m.body for m in outbox.messages] == ["race"]


def test_per_number_cap_stops_flooding_a_stranger() -> None:
    for _ in range(PER_NUMBER_PER_HOUR):
        assert send_sms(to="+14155550123", body="code").status == OutboundStatus.QUEUED
    extra = send_sms(to="+14155550123", body="code")
    assert extra.status == OutboundStatus.CANCELLED
    assert extra.error_code == "rate_limited"
    assert send_sms(to="+14155550124", body="code").status == OutboundStatus.QUEUED


def test_sends_are_rate_limited(settings: Any) -> None:
    settings.SMS_SENDS_PER_SECOND = 20.0
    ids = [outbound_enqueue(to=f"+1415555{i:04d}", body="hi").pk for i in range(8)]
    started = time.perf_counter()
    for pk in ids:
        assert outbound_send(message_id=pk) == "sent"
    elapsed = time.perf_counter() - started
    assert elapsed >= 7 / 20 * 0.95  # eight sends, at least seven intervals apart
    assert len(outbox.messages) == 8


def test_a_send_that_would_wait_too_long_is_deferred_not_attempted(settings: Any) -> None:
    settings.SMS_SENDS_PER_SECOND = 0.1  # one every 10 s
    first = outbound_enqueue(to="+14155550101", body="one")
    second = outbound_enqueue(to="+14155550102", body="two")
    assert outbound_send(message_id=first.pk) == "sent"
    assert outbound_send(message_id=second.pk) == "deferred"
    second.refresh_from_db()
    assert second.status == OutboundStatus.QUEUED
    assert second.attempts == 0
    assert second.next_attempt_at is not None
    assert 8 <= (second.next_attempt_at - timezone.now()).total_seconds() <= 10.5
    assert [m.body for m in outbox.messages] == ["one"]


def test_backoff_doubles_with_jitter_and_is_capped() -> None:
    for attempt, base in [(1, 30), (2, 60), (3, 120), (4, 240)]:
        delay = backoff(attempt).total_seconds()
        assert base <= delay <= base * 1.2
    assert backoff(30) <= dt.timedelta(hours=1, minutes=12)


def test_sweeper_sends_due_rows_and_recovers_interrupted_ones() -> None:
    outbound_enqueue(to="+14155550101", body="due")
    later = outbound_enqueue(to="+14155550102", body="later")
    OutboundMessage.objects.filter(pk=later.pk).update(
        next_attempt_at=timezone.now() + dt.timedelta(minutes=5)
    )
    stuck = outbound_enqueue(to="+14155550103", body="stuck")
    OutboundMessage.objects.filter(pk=stuck.pk).update(status=OutboundStatus.SENDING, attempts=1)
    OutboundMessage.objects.filter(pk=stuck.pk).update(
        updated_at=timezone.now() - dt.timedelta(hours=1)
    )
    assert outbound_send_due() == 2
    assert sorted(m.body for m in outbox.messages) == ["due", "stuck"]
    later.refresh_from_db()
    assert later.status == OutboundStatus.QUEUED


def test_staff_can_requeue_failed_messages() -> None:
    failed = OutboundMessage.objects.create(
        to_e164="+14155550123",
        to_hash="h",
        body="retry me",
        status=OutboundStatus.FAILED,
        attempts=5,
        error_code="401",
    )
    sent = OutboundMessage.objects.create(
        to_e164="+14155550124", to_hash="h2", body="done", status=OutboundStatus.SENT
    )
    assert outbound_requeue(actor=None, message_ids=[failed.pk, sent.pk]) == 1
    failed.refresh_from_db()
    assert (failed.status, failed.attempts, failed.error_code) == ("queued", 0, "")
    assert outbound_send(message_id=failed.pk) == "sent"


def test_with_the_database_task_backend_sends_are_tasks_and_retries_are_deferred(
    settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """Production wiring (django-tasks-db): queueing writes a task row for a worker;
    a transient failure re-enqueues the task to run after the backoff."""
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        message = send_sms(to="+14155550123", body="queued for a worker")
    task = DBTaskResult.objects.get()
    assert task.task_path == "sms.tasks.send_outbound"
    assert task.args_kwargs == {"args": [], "kwargs": {"message_id": message.pk}}
    assert outbox.messages == []  # the worker sends it, not the request

    settings.SMS_BACKEND = "tests.sms.test_outbound.FailingBackend"
    with django_capture_on_commit_callbacks(execute=True):
        assert outbound_send(message_id=message.pk) == "retry"
    retry = DBTaskResult.objects.order_by("enqueued_at").last()
    assert retry is not None and retry.pk != task.pk
    message.refresh_from_db()
    assert retry.run_after == message.next_attempt_at


class FailingBackend:
    def __init__(self, **kwargs: Any) -> None:
        pass

    def send_messages(self, messages: Any) -> int:
        from sms.backends.base import SmsSendError

        raise SmsSendError("gateway down", code="503")


class OptedOutBackend:
    """A gateway other than Twilio, with its own code for "recipient opted out"."""

    def __init__(self, **kwargs: Any) -> None:
        pass

    def send_messages(self, messages: Any) -> int:
        from sms.backends.base import SmsSendError

        raise SmsSendError("recipient unsubscribed", code="E-STOP", opted_out=True)


def test_the_backend_says_what_an_error_means_not_the_queue(
    settings: Any, resident_factory: Any
) -> None:
    """The queue records an opt-out because the backend says so, whatever the code."""
    resident = resident_factory(phone_e164="+14155550123")
    settings.SMS_BACKEND = "tests.sms.test_outbound.OptedOutBackend"
    message = send_sms(to="+14155550123", body="hello")
    assert outbound_send(message_id=message.pk) == "failed"
    message.refresh_from_db()
    assert (message.status, message.error_code, message.attempts) == ("failed", "E-STOP", 1)
    resident.refresh_from_db()
    assert resident.sms_opted_out_at is not None
    assert send_sms(to="+14155550123", body="never").status == OutboundStatus.CANCELLED
