"""The fake Twilio of the benchmarks and drills (bench/fake_twilio.py), driven by the
real ``twilio.rest.Client`` through the loopback HTTP client and by our Twilio backend,
as the stack drives it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from bench.fake_twilio import FakeTwilio, serve
from bench.twilio_loopback import LoopbackHttpClient, SmsBackend
from sms.backends.base import SmsSendError
from sms.message import SmsMessage

SID = "AC" + "1" * 32
TOKEN = "bench-token"


@pytest.fixture
def fake() -> Iterator[tuple[FakeTwilio, str]]:
    state = FakeTwilio(account_sid=SID, auth_token=TOKEN, hang_seconds=1.5)
    server, _thread = serve(state)
    try:
        yield state, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def backend(fake: tuple[FakeTwilio, str], settings, monkeypatch) -> SmsBackend:  # type: ignore[no-untyped-def]
    _state, url = fake
    monkeypatch.setenv("BENCH_TWILIO_URL", url)
    settings.TWILIO_ACCOUNT_SID = SID
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.TWILIO_FROM_NUMBER = "+15005550006"
    settings.SMS_HTTP_TIMEOUT = 0.5
    return SmsBackend()


def test_creates_are_stored_and_listed_by_recipient_and_time(fake) -> None:  # type: ignore[no-untyped-def]
    from twilio.rest import Client

    state, url = fake
    client = Client(SID, TOKEN, http_client=LoopbackHttpClient(url, timeout=2))
    since = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5)

    created = client.messages.create(to="+16285550101", from_="+15005550006", body="Hello")
    client.messages.create(to="+16285550102", from_="+15005550006", body="Other")

    found = client.messages.list(to="+16285550101", date_sent_after=since)
    assert [m.sid for m in found] == [created.sid]
    assert found[0].body == "Hello"
    assert (
        client.messages.list(to="+16285550101", date_sent_after=since + dt.timedelta(hours=1)) == []
    )
    assert client.messages(created.sid).fetch().to == "+16285550101"
    assert state.stats["creates"] == 2


def test_wrong_credentials_are_refused(fake) -> None:  # type: ignore[no-untyped-def]
    from twilio.base.exceptions import TwilioRestException
    from twilio.rest import Client

    state, url = fake
    client = Client(SID, "wrong", http_client=LoopbackHttpClient(url, timeout=2))

    with pytest.raises(TwilioRestException) as refused:
        client.messages.create(to="+16285550101", from_="+15005550006", body="Hello")
    assert refused.value.status == 401
    assert state.messages == []


def test_backend_sends_through_the_fake(backend: SmsBackend, fake) -> None:  # type: ignore[no-untyped-def]
    state, _url = fake
    message = SmsMessage(to="+16285550103", body="Your code is 123456")

    assert backend.send_messages([message]) == 1

    assert message.provider_id == state.messages[0].sid
    assert (state.messages[0].to, state.messages[0].body) == ("+16285550103", "Your code is 123456")


def test_error_mode_is_a_transient_failure_and_stores_nothing(backend: SmsBackend, fake) -> None:  # type: ignore[no-untyped-def]
    state, _url = fake
    state.set_mode("error", 30)

    with pytest.raises(SmsSendError) as failed:
        backend.send_messages([SmsMessage(to="+16285550104", body="Hi")])

    assert not failed.value.permanent
    assert state.messages == []
    assert state.stats["refused"] == 1


def test_accept_hang_keeps_the_text_while_the_client_times_out(backend: SmsBackend, fake) -> None:  # type: ignore[no-untyped-def]
    state, _url = fake
    state.set_mode("accept_hang", 30)

    with pytest.raises(SmsSendError) as failed:
        backend.send_messages([SmsMessage(to="+16285550105", body="Hi")])

    assert failed.value.outcome_unknown  # a read timeout: the request went out
    # Twilio has it although we never heard: the case a blind retry would send twice.
    assert [m.to for m in state.messages] == ["+16285550105"]
    state.set_mode("ok", 0)
    backend.send_messages([SmsMessage(to="+16285550105", body="Hi")])
    assert state.duplicates() == 1


def test_modes_end_after_their_time() -> None:
    state = FakeTwilio(account_sid=SID, auth_token=TOKEN)
    state.set_mode("error", 0)
    assert state.mode() == "ok"
    with pytest.raises(ValueError):
        state.set_mode("explode", 1)


def test_the_loopback_backend_refuses_a_non_loopback_url(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("BENCH_TWILIO_URL", "https://api.twilio.com")
    with pytest.raises(RuntimeError):
        SmsBackend()
