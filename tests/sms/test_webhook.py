"""The Twilio inbound webhook: signatures, exactly-once processing, hostile input,
opt-out, flood control."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
import uuid
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from budgets.models import Ballot, CastLog, Selection
from core.l10n import time_text
from participation.identity import phone_hash
from participation.models import Resident
from sms.backends.twilio import compute_signature, signature_valid
from sms.models import InboundMessage, InboundStatus
from sms.segments import sms_text
from tests.conftest import shared_path
from tests.sms.conftest import (
    AUTH_TOKEN,
    INBOUND_PATH,
    PUBLIC_BASE_URL,
    City,
    Phone,
    inbound_form,
    sign,
    twiml_messages,
)


def voted_codes() -> list[list[int]]:
    """Short codes of every counted ballot's selections."""
    return [
        sorted(Selection.objects.filter(ballot=b).values_list("project__short_code", flat=True))
        for b in Ballot.objects.order_by("pk")
    ]


# --- signatures ------------------------------------------------------------------------------


def test_twilio_signature_vector_from_the_shared_reference() -> None:
    readme = shared_path("twilio", "README.md").read_text()
    assert "RSOYDt4T1cUTdK1PDd93/VVr8B8=" in readme  # the vector we test is the one shared
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    params = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+14158675309",
        "Digits": "1234",
        "From": "+14158675309",
        "To": "+18005551212",
    }
    assert compute_signature(auth_token="12345", url=url, params=params) == (
        "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    )
    assert signature_valid(
        auth_token="12345", url=url, params=params, signature="RSOYDt4T1cUTdK1PDd93/VVr8B8="
    )
    assert not signature_valid(
        auth_token="12346", url=url, params=params, signature="RSOYDt4T1cUTdK1PDd93/VVr8B8="
    )


def test_shared_inbound_fixture_is_accepted(client: Client, city: City) -> None:
    data = json.loads(shared_path("twilio", "inbound-sms.json").read_text())
    response = client.post(INBOUND_PATH, data, HTTP_X_TWILIO_SIGNATURE=sign(INBOUND_PATH, data))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    assert InboundMessage.objects.get().message_sid == data["MessageSid"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "case", ["missing", "forged", "wrong_token", "tampered_body", "tampered_url", "added_field"]
)
def test_bad_signatures_are_refused_and_nothing_is_stored(client: Client, case: str) -> None:
    data = inbound_form("VOTE 1 2")
    signature = sign(INBOUND_PATH, data)
    headers: dict[str, str] = {"HTTP_X_TWILIO_SIGNATURE": signature}
    path = INBOUND_PATH
    if case == "missing":
        headers = {}
    elif case == "forged":
        headers = {"HTTP_X_TWILIO_SIGNATURE": "RSOYDt4T1cUTdK1PDd93/VVr8B8="}
    elif case == "wrong_token":
        headers = {"HTTP_X_TWILIO_SIGNATURE": sign(INBOUND_PATH, data, token="other-token")}
    elif case == "tampered_body":
        data = {**data, "Body": "VOTE 3"}
    elif case == "tampered_url":
        path = INBOUND_PATH + "?x=1"
    elif case == "added_field":
        data = {**data, "Extra": "1"}
    response = client.post(path, data, **headers)
    assert response.status_code == 403
    assert InboundMessage.objects.count() == 0
    assert Resident.objects.count() == 0


@pytest.mark.django_db
def test_no_auth_token_configured_refuses_everything(client: Client, settings: Any) -> None:
    data = inbound_form("HELP")
    signature = sign(INBOUND_PATH, data)
    settings.TWILIO_AUTH_TOKEN = ""
    assert client.post(INBOUND_PATH, data, HTTP_X_TWILIO_SIGNATURE=signature).status_code == 403


def test_signature_is_checked_against_the_public_url_behind_a_proxy(
    client: Client, city: City
) -> None:
    # The request reaches Django as http://testserver/...?...; Twilio signed the public
    # https URL with the query string: PUBLIC_BASE_URL + path + query must validate.
    path = INBOUND_PATH + "?tenant=riverbend"
    data = inbound_form("HELP")
    response = client.post(
        path,
        data,
        HTTP_X_TWILIO_SIGNATURE=compute_signature(
            auth_token=AUTH_TOKEN, url=PUBLIC_BASE_URL + path, params=data
        ),
        HTTP_X_FORWARDED_PROTO="https",
    )
    assert response.status_code == 200


@pytest.mark.django_db
def test_get_is_not_allowed(client: Client) -> None:
    assert client.get(INBOUND_PATH).status_code == 405


# --- exactly once ------------------------------------------------------------------------------


def test_replayed_message_sid_changes_nothing_and_gets_the_same_reply(
    client: Client, city: City
) -> None:
    data = inbound_form("VOTE 1 2", sid="SM" + "a" * 32)
    headers = {"HTTP_X_TWILIO_SIGNATURE": sign(INBOUND_PATH, data)}
    first = client.post(INBOUND_PATH, data, **headers)
    ballot = Ballot.objects.get()
    again = client.post(INBOUND_PATH, data, **headers)
    assert again.status_code == 200
    assert again.content == first.content
    assert InboundMessage.objects.count() == 1
    assert Ballot.objects.get().receipt == ballot.receipt  # not re-cast
    assert CastLog.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_same_message_sid_delivered_twice_concurrently_has_one_effect(
    city: City, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Twilio's retry and the fallback URL can deliver one text twice at once. The
    second blocks on the unique MessageSid until the first commits, then answers from
    the record: one ballot, one cast, the same reply."""
    import sms.services

    real_dispatch = sms.services.dispatch

    def slow_dispatch(*args: Any, **kwargs: Any) -> Any:
        time.sleep(0.3)  # hold the first transaction open while the second arrives
        return real_dispatch(*args, **kwargs)

    monkeypatch.setattr(sms.services, "dispatch", slow_dispatch)
    data = inbound_form("VOTE 1 2", sid="SM" + "c" * 32)
    signature = sign(INBOUND_PATH, data)
    barrier = threading.Barrier(2)
    results: list[tuple[int, bytes]] = []
    errors: list[BaseException] = []

    def deliver() -> None:
        try:
            barrier.wait()
            response = Client().post(INBOUND_PATH, data, HTTP_X_TWILIO_SIGNATURE=signature)
            results.append((response.status_code, response.content))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors
    assert [status for status, _ in results] == [200, 200]
    assert results[0][1] == results[1][1]
    assert InboundMessage.objects.count() == 1
    assert Ballot.objects.count() == 1
    assert CastLog.objects.count() == 1
    assert voted_codes() == [[1, 2]]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_votes_from_one_number_leave_one_counted_ballot(city: City) -> None:
    """Texts with different MessageSids from one number at once: each VOTE casts under
    the webhook's lock of the sender (ballot_cast takes none of its own), so they are
    serialised and each one replaces the one before: one ballot, every cast logged."""
    Phone(Client(), "+14155550123").send("HELLO")  # the resident exists before the race
    bodies = ["VOTE 1", "VOTE 2", "VOTE 3", "VOTE 1 2", "VOTE 2 3", "VOTE 4"]
    barrier = threading.Barrier(len(bodies))
    statuses: list[int] = []
    errors: list[BaseException] = []

    def deliver(i: int) -> None:
        data = inbound_form(bodies[i], sid=f"SM{i:032x}")
        try:
            barrier.wait()
            response = Client().post(
                INBOUND_PATH, data, HTTP_X_TWILIO_SIGNATURE=sign(INBOUND_PATH, data)
            )
            statuses.append(response.status_code)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver, args=(i,)) for i in range(len(bodies))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    assert statuses == [200] * len(bodies)
    assert InboundMessage.objects.filter(command="vote").count() == len(bodies)
    assert Ballot.objects.count() == 1
    assert CastLog.objects.count() == len(bodies)
    # The counted ballot is the last one cast, whichever that was.
    ballot = Ballot.objects.get()
    assert CastLog.objects.order_by("-pk").first().receipt == ballot.receipt  # type: ignore[union-attr]
    assert voted_codes()[0] in ([1], [2], [3], [1, 2], [2, 3], [4])


def test_a_failure_while_answering_never_loses_the_accepted_ballot(
    client: Client, city: City, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The vote commits before the TwiML is rendered. If rendering dies (500), Twilio
    retries the same MessageSid and gets the stored reply; the ballot stays."""
    import sms.views

    real_twiml = sms.views.twiml
    calls = {"n": 0}

    def broken_once(replies: Any) -> str:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("renderer crashed")
        return real_twiml(replies)

    monkeypatch.setattr(sms.views, "twiml", broken_once)
    client.raise_request_exception = False
    data = inbound_form("VOTE 1 2", sid="SM" + "d" * 32)
    headers = {"HTTP_X_TWILIO_SIGNATURE": sign(INBOUND_PATH, data)}
    assert client.post(INBOUND_PATH, data, **headers).status_code == 500
    assert voted_codes() == [[1, 2]]
    retry = client.post(INBOUND_PATH, data, **headers)
    assert retry.status_code == 200
    assert "Receipt" in twiml_messages(retry.content.decode())[0]
    assert Ballot.objects.count() == 1


def test_confirmation_that_cannot_render_falls_back_and_keeps_the_vote(
    phone: Phone, city: City, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sms.commands import replies

    def broken(**kwargs: Any) -> str:
        raise KeyError("bad translation")

    monkeypatch.setattr(replies, "vote_recorded_text", broken)
    reply = phone.send("VOTE 1 2")[0]
    receipt = Ballot.objects.get().receipt
    assert reply.startswith("Vote recorded. Receipt")
    assert receipt[:5] in reply


def test_unexpected_error_is_recorded_with_an_apology_and_no_half_effects(
    phone: Phone, city: City, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sms.commands.dispatcher

    def explode(**kwargs: Any) -> Any:
        raise RuntimeError("database on fire")

    monkeypatch.setattr(sms.commands.dispatcher, "ballot_cast", explode)
    replies = phone.send("VOTE 1 2")
    assert replies == ["Sorry, something went wrong. Please try again in a few minutes."]
    message = InboundMessage.objects.get()
    assert message.status == InboundStatus.FAILED
    assert Ballot.objects.count() == 0


# --- bad input ----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("MessageSid", ""),
        ("From", "not a number"),
        ("From", ""),
        ("From", "+1"),
        ("From", "x" * 500),
    ],
)
def test_malformed_requests_get_400_not_500(client: Client, field: str, value: str) -> None:
    data = inbound_form("HELP")
    data[field] = value
    if field == "MessageSid":
        data["SmsMessageSid"] = ""
    response = client.post(INBOUND_PATH, data, HTTP_X_TWILIO_SIGNATURE=sign(INBOUND_PATH, data))
    assert response.status_code == 400
    assert InboundMessage.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("VOTE " + "1 " * 800, None),  # 1,600 characters: over 50 numbers, unreadable
        ("x" * 1600, None),
        ("🗳️ VOTE 1 2", None),  # emoji first: not a keyword
        ("VOTE 1 2 🎉", None),  # an emoji is not a project number
        ("صوت ١ ٢", None),  # Arabic "vote": not a keyword, never a vote
        ("VOTE \u200f1 \u200f2", [1, 2]),  # right-to-left marks are invisible
        ("VOTE\u200b 1 2", [1, 2]),  # zero-width space after the keyword
        ("VOTE 1\u200b2", None),  # reads as the 12 on screen: no project 12
        ("\ufeffVOTE 1 2", [1, 2]),  # byte order mark
        ("ＶＯＴＥ　１　２", [1, 2]),  # full-width
        ("vote 1,2", [1, 2]),
        ("VOTE 1 2.5", None),
        ("VOTE 99999999999999999999", None),  # no overflow reaches the database
        ("VOTE -1", None),
        ("VOTE 0", None),
        ("1 2", None),  # numbers without VOTE
        ("<Response><Message>pwn</Message></Response>", None),
        ("VOTE 1 2'; DROP TABLE budgets_ballot; --", None),
        ("VOTE 1\x00 2", None),  # NUL: PostgreSQL text cannot store it; never a 500
        ("\x00", None),
    ],
)
def test_hostile_bodies_never_500_and_never_vote_for_the_wrong_project(
    phone: Phone, city: City, body: str, expected: list[int] | None
) -> None:
    replies = phone.send(body)  # asserts 200
    assert replies  # always a helpful answer
    assert voted_codes() == ([expected] if expected else [])


def test_reply_text_is_escaped_in_twiml(phone: Phone, city: City) -> None:
    replies = phone.send("VOTE <b>")
    assert "<b>" in replies[0]  # quoted back, escaped in the XML and parsed back intact


# --- opt-out ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "word",
    ["STOP", "stop", "Unsubscribe", "CANCEL", "END", "QUIT", "STOPALL", "ALTO", "ARRÊT", "arret"],
)
def test_stop_is_recorded_never_counted_as_a_vote_and_confirmed_once(
    phone: Phone, city: City, word: str, settings: Any
) -> None:
    # Another provider (or Twilio without Advanced Opt-Out): we confirm, once.
    settings.SMS_PROVIDER_HANDLES_OPT_OUT = False
    (confirmation,) = phone.send(word)
    assert "Just City" in confirmation
    resident = Resident.objects.get()
    assert resident.sms_opted_out_at is not None
    assert InboundMessage.objects.get().command == "stop"
    assert Ballot.objects.count() == 0


@pytest.mark.parametrize(
    ("word", "silent"),
    [("STOP", True), ("Unsubscribe", True), ("QUIT", True), ("ALTO", False), ("ARRÊT", False)],
)
def test_stop_gets_no_second_reply_when_the_provider_answers_it(
    phone: Phone, city: City, word: str, silent: bool, settings: Any
) -> None:
    """Twilio Advanced Opt-Out answers its own words (STOP, QUIT, ...): a reply from us
    would be a second one (and is not delivered after STOP). Our Spanish and French
    words Twilio does not know: those we confirm ourselves."""
    settings.SMS_PROVIDER_HANDLES_OPT_OUT = True
    answer = phone.send(word)
    assert (answer == []) is silent
    assert Resident.objects.get().sms_opted_out_at is not None


def test_stop_with_numbers_is_still_only_a_stop(phone: Phone, city: City, settings: Any) -> None:
    settings.SMS_PROVIDER_HANDLES_OPT_OUT = True
    assert phone.send("STOP VOTE 1 2") == []
    assert Ballot.objects.count() == 0
    # Opted out: later texts are recorded but not acted on, and get no answer.
    assert phone.send("VOTE 1 2") == []
    assert Ballot.objects.count() == 0
    assert InboundMessage.objects.order_by("pk").last().command == "ignored"  # type: ignore[union-attr]
    # START opts back in (Twilio confirms START itself); then votes work again.
    assert phone.send("START") == []
    assert Resident.objects.get().sms_opted_out_at is None
    assert "Vote recorded" in phone.send("VOTE 1 2")[0]


@pytest.mark.parametrize(
    ("stop", "start", "confirmed"),
    [
        ("ALTO", "INICIO", "Volveras a recibir"),
        ("BAJA", "ALTA", "Volveras a recibir"),
        ("ARRET", "COMMENCER", "Vous recevrez à nouveau"),
        ("ARRÊTER", "DÉMARRER", "Vous recevrez à nouveau"),
    ],
)
def test_spanish_and_french_opt_in_words_work(
    client: Client, city: City, stop: str, start: str, confirmed: str, settings: Any
) -> None:
    settings.SMS_PROVIDER_HANDLES_OPT_OUT = True  # the provider does not know these words
    phone = Phone(client, "+14155550177")
    assert phone.send(stop) != []  # confirmed by us, in the word's language
    assert Resident.objects.get().sms_opted_out_at is not None
    (reply,) = phone.send(start)
    assert reply.startswith(confirmed)
    assert Resident.objects.get().sms_opted_out_at is None


# --- flood control ------------------------------------------------------------------------------


def test_flood_from_one_number_is_throttled_without_affecting_others(
    client: Client, city: City, settings: Any
) -> None:
    settings.SMS_INBOUND_PER_MINUTE = 5
    settings.SMS_PROVIDER_HANDLES_OPT_OUT = True
    flooder = Phone(client, "+14155550111")
    answers = [flooder.send(f"INFO {i % 4 + 1}") for i in range(9)]
    assert all(len(a) == 1 and a[0].startswith(str(i % 4 + 1)) for i, a in enumerate(answers[:5]))
    (notice,) = answers[5]
    # Told once, and when: a minute after the first text of the window.
    first = InboundMessage.objects.filter(from_hash=phone_hash("+14155550111")).earliest("pk")
    again = sms_text(time_text(first.received_at + dt.timedelta(minutes=1)))
    assert (
        notice == f"Too many messages. You can text again from {again}; until then we read nothing."
    )
    assert answers[6:] == [[], [], []]  # then silence
    rows = InboundMessage.objects.filter(command="throttled")
    assert rows.count() == 4  # recorded, not acted upon
    # Not acted upon: a VOTE in the flood is not cast.
    assert flooder.send("VOTE 1 2") == []
    assert Ballot.objects.count() == 0
    # STOP is always honoured, even in a flood.
    assert flooder.send("STOP") == []
    # Another number is not slowed down.
    other = Phone(client, "+14155550122")
    assert other.send("INFO 1")[0].startswith("1 Solar bus shelters")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_flood_does_not_delay_another_number(city: City, settings: Any) -> None:
    settings.SMS_INBOUND_PER_MINUTE = 5
    stop = threading.Event()
    flood_count = {"n": 0}

    def flood() -> None:
        phone = Phone(Client(), "+14155550133")
        try:
            while not stop.is_set() and flood_count["n"] < 200:
                phone.send("LIST", sid=f"SM{uuid.uuid4().hex}")
                flood_count["n"] += 1
        finally:
            connection.close()

    flooders = [threading.Thread(target=flood) for _ in range(3)]
    for t in flooders:
        t.start()
    try:
        time.sleep(0.3)
        other = Phone(Client(), "+14155550144")
        started = time.perf_counter()
        reply = other.send("INFO 2")
        elapsed = time.perf_counter() - started
    finally:
        stop.set()
        for t in flooders:
            t.join(timeout=30)
        connection.close()
    assert reply[0].startswith("2 Free Wi-Fi")
    assert elapsed < 2.0
    assert flood_count["n"] > 5
    throttled = InboundMessage.objects.filter(command="throttled").count()
    acted = InboundMessage.objects.exclude(command="throttled").count() - 1  # minus INFO 2
    assert acted <= 5 + 3  # the limit, plus at most one race per flooding thread
    assert throttled >= flood_count["n"] - acted
