"""Outbound SMS sent exactly once through the REAL twilio Client and a fake Twilio on
loopback that times out after accepting: an unknown outcome is reconciled with the
provider before any resend, a row orphaned by a dead worker is reclaimed after the
lease and reconciled too, and a row marked failed was not delivered."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from sms import outbox
from sms.backends import get_backend
from sms.message import SmsMessage
from sms.models import OutboundMessage, OutboundStatus
from sms.outbound import MAX_ATTEMPTS, outbound_claim
from sms.sending import outbound_send_due
from sms.tasks import outbound_send
from tests.sms import fake_twilio

pytestmark = pytest.mark.django_db

BODY = "Your Just City code is 481516"


@pytest.fixture
def twilio(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[fake_twilio.FakeTwilio]:
    fake = fake_twilio.start(fake_twilio.FakeTwilio())
    monkeypatch.setattr(fake_twilio.LoopbackTwilioBackend, "base_url", fake.base_url)
    settings.SMS_BACKEND = "tests.sms.fake_twilio.LoopbackTwilioBackend"
    yield fake
    fake_twilio.stop(fake)


def queued(to: str = "+14155550123") -> OutboundMessage:
    return OutboundMessage.objects.create(to_e164=to, to_hash=f"hash-{to}", body=BODY)


def make_due(message: OutboundMessage) -> None:
    OutboundMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())


def test_timeout_after_acceptance_is_found_and_not_sent_again(
    twilio: fake_twilio.FakeTwilio,
) -> None:
    twilio.script.append("timeout")
    message = queued()
    assert outbound_send(message_id=message.pk) == "retry"
    make_due(message)
    assert outbound_send(message_id=message.pk) == "sent"
    message.refresh_from_db()
    assert message.status == OutboundStatus.SENT
    assert message.unsure_since is None
    assert [m["body"] for m in twilio.accepted] == [BODY]
    assert message.provider_id == twilio.accepted[0]["sid"]


def test_timeout_without_acceptance_is_sent_again_once(twilio: fake_twilio.FakeTwilio) -> None:
    twilio.script.append("timeout-lost")
    message = queued()
    assert outbound_send(message_id=message.pk) == "retry"
    make_due(message)
    assert outbound_send(message_id=message.pk) == "sent"
    assert [r["behaviour"] for r in twilio.requests] == ["timeout-lost", "list", "201"]
    assert [m["body"] for m in twilio.accepted] == [BODY]


def test_an_earlier_text_with_the_same_body_is_not_mistaken_for_this_one(
    twilio: fake_twilio.FakeTwilio,
) -> None:
    """Only texts accepted since the unsure attempt began count (with a minute's slack
    for clocks): yesterday's identical text to the same number does not."""
    twilio.accepted.append(
        {"sid": "SMold", "to": "+14155550123", "from": "+15005550006", "body": BODY,
         "date_created": "Mon, 30 Nov 2026 08:00:00 GMT", "date_sent": None}
    )  # fmt: skip
    twilio.script.append("timeout-lost")
    message = queued()
    assert outbound_send(message_id=message.pk) == "retry"
    make_due(message)
    assert outbound_send(message_id=message.pk) == "sent"
    message.refresh_from_db()
    assert message.provider_id != "SMold"
    assert len(twilio.accepted) == 2


def test_unknown_outcome_on_the_last_attempt_is_never_marked_failed_unasked(
    twilio: fake_twilio.FakeTwilio,
) -> None:
    twilio.script.extend(["500"] * (MAX_ATTEMPTS - 1) + ["timeout-lost"])
    message = queued()
    results = []
    for _ in range(MAX_ATTEMPTS):
        results.append(outbound_send(message_id=message.pk))
        make_due(message)
    assert results == ["retry"] * MAX_ATTEMPTS
    # The reconciling attempt finds nothing and has no attempts left: not delivered.
    assert outbound_send(message_id=message.pk) == "failed"
    message.refresh_from_db()
    assert message.status == OutboundStatus.FAILED
    assert twilio.accepted == []
    assert sum(1 for r in twilio.requests if r["behaviour"] != "list") == MAX_ATTEMPTS


def test_a_text_sent_by_a_worker_that_died_is_reclaimed_after_the_lease_without_a_duplicate(
    twilio: fake_twilio.FakeTwilio, settings: Any
) -> None:
    message = queued()
    # The worker claims the row, hands the text to Twilio, and dies before recording it.
    assert outbound_claim(message.pk)
    get_backend().send_messages([SmsMessage(to=message.to_e164, body=message.body)])
    # Within the lease nobody touches it...
    assert outbound_send_due() == 0
    assert OutboundMessage.objects.get(pk=message.pk).status == OutboundStatus.SENDING
    # ...after the lease (60 s by default) the sweeper reclaims and reconciles it.
    assert settings.SMS_SEND_LEASE == 60.0
    OutboundMessage.objects.filter(pk=message.pk).update(
        updated_at=timezone.now() - timedelta(seconds=61)
    )
    assert outbound_send_due() == 1
    message.refresh_from_db()
    assert message.status == OutboundStatus.SENT
    assert message.provider_id == twilio.accepted[0]["sid"]
    assert len(twilio.accepted) == 1


def test_a_row_orphaned_before_sending_is_sent_once_after_the_lease(
    twilio: fake_twilio.FakeTwilio,
) -> None:
    message = queued()
    assert outbound_claim(message.pk)  # the worker died right after claiming
    OutboundMessage.objects.filter(pk=message.pk).update(
        updated_at=timezone.now() - timedelta(seconds=61)
    )
    assert outbound_send_due() == 1
    assert [m["body"] for m in twilio.accepted] == [BODY]


def test_locmem_backend_finds_what_it_accepted() -> None:
    since = timezone.now()
    backend = get_backend("sms.backends.locmem.SmsBackend")
    assert backend.find_sent(to="+14155550123", body=BODY, since=since) is None
    backend.send_messages([SmsMessage(to="+14155550123", body=BODY)])
    assert backend.find_sent(to="+14155550123", body=BODY, since=since) == (
        outbox.messages[-1].provider_id
    )
    assert backend.find_sent(to="+14155550123", body="other", since=since) is None
    later = timezone.now() + timedelta(seconds=1)
    assert backend.find_sent(to="+14155550123", body=BODY, since=later) is None


def test_console_backend_finds_what_it_printed() -> None:
    import io

    since = timezone.now()
    backend = get_backend("sms.backends.console.SmsBackend", stream=io.StringIO())
    message = SmsMessage(to="+14155550199", body=BODY)
    backend.send_messages([message])
    assert backend.find_sent(to="+14155550199", body=BODY, since=since) == message.provider_id
