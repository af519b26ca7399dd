"""Outbound through the REAL twilio Client against a fake Twilio API on loopback:
success, server errors, timeouts and opt-outs, with retries, backoff and permanent
failures; then status callbacks, out of order."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from participation.models import Resident
from sms.backends.base import SmsSendError
from sms.message import SmsMessage
from sms.models import OutboundMessage, OutboundStatus
from sms.outbound import MAX_ATTEMPTS
from sms.sending import send_sms
from sms.tasks import outbound_send
from tests.sms import fake_twilio
from tests.sms.conftest import PUBLIC_BASE_URL, STATUS_PATH, sign

pytestmark = pytest.mark.django_db


@pytest.fixture
def twilio(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[fake_twilio.FakeTwilio]:
    fake = fake_twilio.start(fake_twilio.FakeTwilio())
    monkeypatch.setattr(fake_twilio.LoopbackTwilioBackend, "base_url", fake.base_url)
    settings.SMS_BACKEND = "tests.sms.fake_twilio.LoopbackTwilioBackend"
    yield fake
    fake_twilio.stop(fake)


def make_due(message: OutboundMessage) -> None:
    """Skip the backoff wait (as if time had passed)."""
    OutboundMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())


def queued(body: str = "Your code is 123456", to: str = "+14155550123") -> OutboundMessage:
    # Queued outside a transaction callback: the test drives outbound_send itself.
    return OutboundMessage.objects.create(
        to_e164=to, to_hash=f"hash-{to}", body=body, purpose="sign_in"
    )


def test_backend_sends_through_the_real_client(twilio: fake_twilio.FakeTwilio) -> None:
    backend = fake_twilio.LoopbackTwilioBackend()
    message = SmsMessage(to="+14155550123", body="Hola, ¿qué tal?")
    message.extra["status_callback"] = "https://pb.example.org/sms/twilio/status/?m=1"
    assert backend.send_messages([message]) == 1
    assert message.provider_id and message.provider_id.startswith("SM")
    request = twilio.requests[0]
    assert request["path"] == f"/2010-04-01/Accounts/{fake_twilio.ACCOUNT_SID}/Messages.json"
    assert request["form"] == {
        "To": "+14155550123",
        "From": "+15005550006",
        "Body": "Hola, ¿qué tal?",
        "StatusCallback": "https://pb.example.org/sms/twilio/status/?m=1",
    }
    assert request["auth"].startswith("Basic ")


@pytest.mark.parametrize(
    ("behaviour", "permanent", "code"),
    [
        ("500", False, "500"),
        ("timeout", False, "unknown"),
        ("timeout-lost", False, "unknown"),
        ("21610", True, "21610"),
        ("21211", True, "21211"),
    ],
)
def test_backend_classifies_errors(
    twilio: fake_twilio.FakeTwilio, behaviour: str, permanent: bool, code: str
) -> None:
    twilio.script.append(behaviour)
    with pytest.raises(SmsSendError) as raised:
        fake_twilio.LoopbackTwilioBackend().send_messages([SmsMessage(to="+14155550123", body="x")])
    assert raised.value.permanent is permanent
    assert raised.value.code == code


@pytest.mark.parametrize("accepted", ["201", "202"])
def test_queue_success_records_provider_id_and_callback_url(
    twilio: fake_twilio.FakeTwilio, django_capture_on_commit_callbacks: Any, accepted: str
) -> None:
    twilio.script.append(accepted)
    with django_capture_on_commit_callbacks(execute=True):
        message = send_sms(to="+14155550123", body="Your code is 123456", purpose="sign_in")
    message.refresh_from_db()
    assert message.status == OutboundStatus.SENT
    assert message.provider_id and message.provider_id.startswith("SM")
    assert twilio.requests[0]["form"]["StatusCallback"] == (
        f"{PUBLIC_BASE_URL}{STATUS_PATH}?m={message.pk}"
    )


def test_transient_errors_are_retried_with_backoff_then_sent(
    twilio: fake_twilio.FakeTwilio,
) -> None:
    twilio.script.extend(["500", "timeout", "201"])
    message = queued()

    before = timezone.now()
    assert outbound_send(message_id=message.pk) == "retry"
    message.refresh_from_db()
    assert (message.status, message.attempts, message.error_code) == ("queued", 1, "500")
    assert 30 <= (message.next_attempt_at - before).total_seconds() <= 37  # type: ignore[operator]
    # Not due yet: nobody may send it early.
    assert outbound_send(message_id=message.pk) == "skipped"

    make_due(message)
    before = timezone.now()
    assert outbound_send(message_id=message.pk) == "retry"
    message.refresh_from_db()
    assert (message.status, message.attempts, message.error_code) == ("queued", 2, "unknown")
    assert message.unsure_since is not None
    assert 60 <= (message.next_attempt_at - before).total_seconds() <= 73  # type: ignore[operator]

    # Twilio accepted the timed-out text: the next attempt finds it and sends nothing.
    make_due(message)
    assert outbound_send(message_id=message.pk) == "sent"
    message.refresh_from_db()
    assert (message.status, message.attempts, message.error_code) == ("sent", 3, "")
    assert message.provider_id == twilio.accepted[0]["sid"]
    assert [r["behaviour"] for r in twilio.requests] == ["500", "timeout", "list"]
    assert len(twilio.accepted) == 1


def test_transient_errors_give_up_after_max_attempts(twilio: fake_twilio.FakeTwilio) -> None:
    twilio.script.extend(["500"] * MAX_ATTEMPTS)
    message = queued()
    results = []
    for _ in range(MAX_ATTEMPTS):
        results.append(outbound_send(message_id=message.pk))
        make_due(message)
    assert results == ["retry"] * (MAX_ATTEMPTS - 1) + ["failed"]
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("failed", MAX_ATTEMPTS)
    assert outbound_send(message_id=message.pk) == "skipped"
    assert len(twilio.requests) == MAX_ATTEMPTS


def test_opted_out_recipient_fails_permanently_and_is_never_tried_again(
    twilio: fake_twilio.FakeTwilio, resident_factory: Any
) -> None:
    resident = resident_factory(phone_e164="+14155550123")
    twilio.script.append("21610")
    message = queued(to=resident.phone_e164)
    message.to_hash = resident.phone_hash
    message.save()
    assert outbound_send(message_id=message.pk) == "failed"
    message.refresh_from_db()
    assert (message.status, message.attempts, message.error_code) == ("failed", 1, "21610")
    assert message.next_attempt_at is None
    # Twilio says they opted out: we record it, and never try this number again.
    assert Resident.objects.get(pk=resident.pk).sms_opted_out_at is not None
    later = send_sms(to=resident.phone_e164, body="notice")
    assert later.status == OutboundStatus.CANCELLED
    assert len(twilio.requests) == 1


def test_invalid_number_fails_permanently(twilio: fake_twilio.FakeTwilio) -> None:
    twilio.script.append("21211")
    message = queued()
    assert outbound_send(message_id=message.pk) == "failed"
    make_due(message)
    assert outbound_send(message_id=message.pk) == "skipped"
    assert len(twilio.requests) == 1


# --- status callbacks ---------------------------------------------------------------------------


def post_status(
    client: Client, message: OutboundMessage | None, sid: str, status: str, **extra: str
) -> int:
    path = STATUS_PATH + (f"?m={message.pk}" if message else "")
    data = {
        "SmsSid": sid,
        "SmsStatus": status,
        "MessageStatus": status,
        "To": "+14155550123",
        "MessageSid": sid,
        "AccountSid": fake_twilio.ACCOUNT_SID,
        "From": "+15005550006",
        "ApiVersion": "2010-04-01",
        **extra,
    }
    response = client.post(path, data, HTTP_X_TWILIO_SIGNATURE=sign(path, data))
    return response.status_code


def test_status_callbacks_out_of_order_only_move_forward(
    client: Client, twilio: fake_twilio.FakeTwilio
) -> None:
    message = queued()
    assert outbound_send(message_id=message.pk) == "sent"
    message.refresh_from_db()
    sid = str(message.provider_id)
    # Delivered arrives first, the earlier states after it.
    for status in ["delivered", "sent", "queued", "sending"]:
        assert post_status(client, message, sid, status) == 204
        message.refresh_from_db()
        assert message.status == OutboundStatus.DELIVERED
    # Without our id in the URL the provider id finds it too.
    assert post_status(client, None, sid, "sent") == 204
    message.refresh_from_db()
    assert message.status == OutboundStatus.DELIVERED


def test_callback_before_the_provider_id_is_stored_still_lands(client: Client) -> None:
    message = queued()
    OutboundMessage.objects.filter(pk=message.pk).update(status=OutboundStatus.SENDING)
    assert post_status(client, message, "SM" + "e" * 32, "sent") == 204
    message.refresh_from_db()
    assert (message.status, message.provider_id) == ("sent", "SM" + "e" * 32)


def test_callback_settles_a_send_we_thought_had_failed(client: Client) -> None:
    """A timeout after Twilio accepted: the row waits for a retry, the callback shows it
    went out, and the retry then finds nothing to send (no duplicate text)."""
    message = queued()
    OutboundMessage.objects.filter(pk=message.pk).update(attempts=1, next_attempt_at=timezone.now())
    assert post_status(client, message, "SM" + "f" * 32, "delivered") == 204
    assert outbound_send(message_id=message.pk) == "skipped"
    message.refresh_from_db()
    assert message.status == OutboundStatus.DELIVERED


def test_undelivered_with_opt_out_code_records_the_opt_out(
    client: Client, resident_factory: Any
) -> None:
    resident = resident_factory(phone_e164="+14155550123")
    message = queued()
    OutboundMessage.objects.filter(pk=message.pk).update(
        status=OutboundStatus.SENT, to_hash=resident.phone_hash
    )
    assert post_status(client, message, "SM" + "1" * 32, "undelivered", ErrorCode="21610") == 204
    message.refresh_from_db()
    assert (message.status, message.error_code) == ("undelivered", "21610")
    assert Resident.objects.get(pk=resident.pk).sms_opted_out_at is not None


def test_status_callback_signature_and_input_checked(client: Client) -> None:
    message = queued()
    data = {"MessageSid": "SM" + "2" * 32, "MessageStatus": "delivered"}
    path = f"{STATUS_PATH}?m={message.pk}"
    assert client.post(path, data, HTTP_X_TWILIO_SIGNATURE="forged").status_code == 403
    assert client.post(path, data).status_code == 403
    message.refresh_from_db()
    assert message.status == OutboundStatus.QUEUED
    bad = f"{STATUS_PATH}?m=abc"
    assert client.post(bad, data, HTTP_X_TWILIO_SIGNATURE=sign(bad, data)).status_code == 400
    empty: dict[str, str] = {}
    assert (
        client.post(
            STATUS_PATH, empty, HTTP_X_TWILIO_SIGNATURE=sign(STATUS_PATH, empty)
        ).status_code
        == 400
    )
    assert post_status(client, None, "SM" + "9" * 32, "delivered") == 204  # unknown: no-op
