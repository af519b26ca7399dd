"""The sign-in services' contract, called directly (the web flow is in
tests/frontend/test_sign_in.py): limits and their windows, tries, expiry at the
instant, single use, opted-out numbers, the language of the text, hashes only."""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Callable, Iterable
from typing import Any

import pytest
from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from accounts.models import SignInCode, SignInFailure
from accounts.services import (
    SIGN_IN_CODE_TRIES,
    SIGN_IN_CODE_TTL,
    SignInCodeSent,
    sign_in_code_send,
    sign_in_code_verify,
    sign_in_ip_hash,
    sign_in_voter_code_verify,
)
from participation.errors import ParticipationError
from participation.identity import phone_hash
from participation.models import Resident
from participation.services.residents import (
    resident_for_phone,
    resident_sms_opt_in,
    resident_sms_opt_out,
)
from participation.services.voter_codes import voter_codes_issue
from sms import outbox
from sms.sending import send_sms

pytestmark = pytest.mark.django_db

PHONE = "+14155550123"
OTHER_PHONE = "+14155550199"
IP = "203.0.113.7"
Capture = Callable[..., Any]
Send = Callable[..., SignInCodeSent]


@pytest.fixture
def send(django_capture_on_commit_callbacks: Capture) -> Send:
    """sign_in_code_send in a transaction that commits, so the text reaches the outbox."""

    def run(e164: str = PHONE, ip: str = IP, language: str = "en") -> SignInCodeSent:
        with django_capture_on_commit_callbacks(execute=True):
            return sign_in_code_send(e164=e164, ip=ip, language=language)

    return run


def code_sent_to(e164: str = PHONE) -> str:
    [message, *_] = [m for m in reversed(outbox.messages) if m.to == e164]
    match = re.search(r"\b(\d{6})\b", message.body)
    assert match, message.body
    return match.group(1)


def is_phone(resident: Resident, e164: str = PHONE) -> bool:
    """``resident`` is the one of that number (as every channel finds them)."""
    return resident.phone_hash == phone_hash(e164)


def wrong(code: str) -> str:
    return "000000" if code != "000000" else "111111"


def refusal(call: Callable[[], object]) -> ParticipationError:
    with pytest.raises(ParticipationError) as excinfo:
        call()
    return excinfo.value


def log_sends(*, ages: Iterable[dt.timedelta], e164: str | None = None, ip: str = IP) -> None:
    """Past sends, as the rows the limits count (each to its own number unless given)."""
    now = timezone.now()
    SignInCode.objects.bulk_create(
        SignInCode(
            phone_hash=phone_hash(e164 or f"+1415556{i:04d}"),
            ip_hash=sign_in_ip_hash(ip),
            code_hash="0" * 64,
            created_at=now - age,
            expires_at=now - age + SIGN_IN_CODE_TTL,
        )
        for i, age in enumerate(ages)
    )


def log_failures(count: int, *, ip: str = IP, method: str = "sms_code", age: float = 0) -> None:
    when = timezone.now() - dt.timedelta(minutes=age)
    SignInFailure.objects.bulk_create(
        SignInFailure(ip_hash=sign_in_ip_hash(ip), method=method, created_at=when)
        for _ in range(count)
    )


def minutes(*values: float) -> list[dt.timedelta]:
    return [dt.timedelta(minutes=v) for v in values]


# --- sign_in_code_send --------------------------------------------------------------------


def test_the_code_leaves_only_when_the_transaction_commits(
    django_capture_on_commit_callbacks: Capture,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        sent = sign_in_code_send(e164=PHONE, ip=IP, language="en")
        assert outbox.messages == []
    assert [m.to for m in outbox.messages] == [PHONE]
    assert sent.e164 == PHONE
    assert sent.expires_at == SignInCode.objects.get().expires_at


def test_a_send_rolled_back_by_the_caller_leaves_no_code_and_no_text(
    django_capture_on_commit_callbacks: Capture,
) -> None:
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        sign_in_code_send(e164=PHONE, ip=IP, language="en")
        raise RuntimeError("the caller fails after asking for the code")
    assert not SignInCode.objects.exists()
    assert outbox.messages == []


def test_the_text_is_in_the_known_residents_language_not_the_pages(
    send: Send, resident_factory: Any
) -> None:
    resident_factory(phone_e164=PHONE, phone_hash=phone_hash(PHONE), language="es")
    send(language="fr")
    # Folded to GSM-7 for the SMS (sms.segments): "código" goes out as "codigo".
    assert outbox.messages[-1].body.startswith("Tu codigo para entrar en Just City es ")


def test_a_new_number_gets_the_text_in_the_pages_language(send: Send) -> None:
    send(language="fr")
    assert outbox.messages[-1].body.startswith("Votre code de connexion Just City est ")


def test_an_unknown_page_language_falls_back_to_the_site_language(send: Send) -> None:
    send(language="de")
    assert outbox.messages[-1].body.startswith("Your Just City sign-in code is ")


def test_only_keyed_hashes_of_the_number_the_code_and_the_address_are_stored(
    send: Send,
) -> None:
    send()
    row = SignInCode.objects.values().get()
    stored = " ".join(str(value) for value in row.values())
    for secret in (code_sent_to(), PHONE, PHONE.lstrip("+"), IP):
        assert secret not in stored
    assert row["phone_hash"] == phone_hash(PHONE)
    assert row["ip_hash"] == sign_in_ip_hash(IP)


def test_a_code_is_bound_to_the_number_it_was_sent_to(send: Send) -> None:
    send(e164=PHONE)
    send(e164=OTHER_PHONE)
    mine = code_sent_to(PHONE)
    if code_sent_to(OTHER_PHONE) == mine:  # one chance in a million: ask again
        send(e164=OTHER_PHONE)
    assert code_sent_to(OTHER_PHONE) != mine
    error = refusal(lambda: sign_in_code_verify(e164=OTHER_PHONE, code=mine, ip=IP))
    assert error.code == "code_wrong"
    assert is_phone(sign_in_code_verify(e164=PHONE, code=mine, ip=IP))


def test_three_codes_in_fifteen_minutes_then_the_number_waits(send: Send) -> None:
    log_sends(e164=PHONE, ages=minutes(1, 5, 14))
    error = refusal(lambda: send(ip="198.51.100.1"))
    assert error.code == "rate_limited_number"
    assert SignInCode.objects.count() == 3
    assert outbox.messages == []


def test_sends_older_than_fifteen_minutes_leave_the_burst_window(send: Send) -> None:
    log_sends(e164=PHONE, ages=minutes(16, 20, 30))
    send()
    assert [m.to for m in outbox.messages] == [PHONE]


def test_ten_codes_a_day_then_the_number_waits(send: Send) -> None:
    log_sends(e164=PHONE, ages=[dt.timedelta(hours=h) for h in range(1, 11)])
    error = refusal(lambda: send())
    assert error.code == "rate_limited_number"
    assert outbox.messages == []


def test_sends_older_than_a_day_leave_the_daily_count(send: Send) -> None:
    log_sends(e164=PHONE, ages=[dt.timedelta(hours=h) for h in range(1, 10)])
    log_sends(e164=PHONE, ages=[dt.timedelta(hours=25)])
    send()
    assert len(outbox.messages) == 1


def test_ten_codes_an_hour_from_one_address_then_it_waits(send: Send) -> None:
    log_sends(ages=minutes(*range(5, 55, 5)))  # ten numbers, one address
    error = refusal(lambda: send(e164=OTHER_PHONE))
    assert error.code == "rate_limited_ip"
    assert outbox.messages == []
    send(e164=OTHER_PHONE, ip="198.51.100.1")
    assert len(outbox.messages) == 1


def test_sends_older_than_an_hour_leave_the_address_count(send: Send) -> None:
    log_sends(ages=minutes(*range(61, 71)))
    send()
    assert len(outbox.messages) == 1


def test_an_opted_out_number_is_refused_in_words_and_nothing_is_kept(
    send: Send, resident_factory: Any
) -> None:
    resident = resident_factory(phone_e164=PHONE, phone_hash=phone_hash(PHONE))
    resident_sms_opt_out(resident=resident)
    error = refusal(lambda: send())
    assert error.code == "sms_opted_out"
    assert "STOP" in str(error)
    assert not SignInCode.objects.exists()
    assert outbox.messages == []
    # Refusals are not counted as sends: after START the number signs in at once.
    resident_sms_opt_in(resident=resident)
    send()
    assert len(outbox.messages) == 1


def test_a_number_that_had_too_many_texts_this_hour_gets_no_code(
    django_capture_on_commit_callbacks: Capture, send: Send
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(10):
            send_sms(to=PHONE, body=f"Notice {i}")
    outbox.messages.clear()
    error = refusal(lambda: send())
    assert error.code == "rate_limited_number"
    assert not SignInCode.objects.exists()
    assert outbox.messages == []


# --- sign_in_code_verify ------------------------------------------------------------------


def test_the_right_code_signs_in_a_new_resident_in_the_given_language(send: Send) -> None:
    send()
    resident = sign_in_code_verify(e164=PHONE, code=code_sent_to(), ip=IP, language="fr")
    stored = Resident.objects.get()
    assert resident.pk == stored.pk
    assert (stored.phone_hash, stored.first_channel, stored.language) == (
        phone_hash(PHONE),
        "web",
        "fr",
    )
    assert SignInCode.objects.get().used_at is not None


def test_signing_in_does_not_change_a_known_residents_language(send: Send) -> None:
    known, _ = resident_for_phone(e164=PHONE, channel="sms", language="es")
    send()
    resident = sign_in_code_verify(e164=PHONE, code=code_sent_to(), ip=IP, language="fr")
    assert resident.pk == known.pk
    known.refresh_from_db()
    assert (known.language, known.first_channel) == ("es", "sms")


@pytest.mark.parametrize(
    "typed",
    [lambda c: f"{c[:3]} {c[3:]}", lambda c: f"{c[:2]}-{c[2:4]}-{c[4:]}", lambda c: f" {c} "],
    ids=["space", "dashes", "padded"],
)
def test_spaces_and_dashes_in_the_code_are_ignored(send: Send, typed: Any) -> None:
    send()
    assert is_phone(sign_in_code_verify(e164=PHONE, code=typed(code_sent_to()), ip=IP))


@pytest.mark.parametrize("typed", ["12345", "1234567", "", None, "1 2 3 4 5 6 . . . . . . ."])
def test_a_malformed_code_is_a_typo_that_uses_no_try(send: Send, typed: str | None) -> None:
    send()
    error = refusal(lambda: sign_in_code_verify(e164=PHONE, code=typed, ip=IP))  # type: ignore[arg-type]
    assert error.code == "code_format"
    assert SignInCode.objects.get().attempts == 0
    assert not SignInFailure.objects.exists()


def test_wrong_tries_count_down_to_the_last_one_then_burn_the_code(send: Send) -> None:
    send()
    code = code_sent_to()
    messages = []
    for _ in range(SIGN_IN_CODE_TRIES - 1):
        error = refusal(lambda: sign_in_code_verify(e164=PHONE, code=wrong(code), ip=IP))
        assert error.code == "code_wrong"
        messages.append(str(error))
    assert messages == [
        "That code is not right. You have 4 more tries.",
        "That code is not right. You have 3 more tries.",
        "That code is not right. You have 2 more tries.",
        "That code is not right. You have 1 more try.",
    ]
    last = refusal(lambda: sign_in_code_verify(e164=PHONE, code=wrong(code), ip=IP))
    assert last.code == "too_many_tries"
    after = refusal(lambda: sign_in_code_verify(e164=PHONE, code=code, ip=IP))
    assert after.code == "too_many_tries"
    assert SignInCode.objects.get().attempts == SIGN_IN_CODE_TRIES
    # Every wrong guess is logged against the address; the refused right one is not.
    assert SignInFailure.objects.filter(method="sms_code").count() == SIGN_IN_CODE_TRIES
    assert not Resident.objects.exists()


def test_the_right_code_on_the_last_try_still_signs_in(send: Send) -> None:
    send()
    code = code_sent_to()
    for _ in range(SIGN_IN_CODE_TRIES - 1):
        refusal(lambda: sign_in_code_verify(e164=PHONE, code=wrong(code), ip=IP))
    assert is_phone(sign_in_code_verify(e164=PHONE, code=code, ip=IP))


def test_a_code_is_refused_from_the_instant_it_expires(send: Send, monkeypatch: Any) -> None:
    send()
    expires_at = SignInCode.objects.get().expires_at
    monkeypatch.setattr(timezone, "now", lambda: expires_at)
    error = refusal(lambda: sign_in_code_verify(e164=PHONE, code=code_sent_to(), ip=IP))
    assert error.code == "code_expired"
    # Expiry is not a guess: no try used, nothing logged against the address.
    assert SignInCode.objects.get().attempts == 0
    assert not SignInFailure.objects.exists()


def test_a_code_works_until_just_before_it_expires(send: Send, monkeypatch: Any) -> None:
    send()
    expires_at = SignInCode.objects.get().expires_at
    monkeypatch.setattr(timezone, "now", lambda: expires_at - dt.timedelta(microseconds=1))
    assert is_phone(sign_in_code_verify(e164=PHONE, code=code_sent_to(), ip=IP))


def test_no_code_sent_reads_as_expired() -> None:
    error = refusal(lambda: sign_in_code_verify(e164=PHONE, code="123456", ip=IP))
    assert error.code == "code_expired"
    assert not SignInFailure.objects.exists()


def test_a_used_code_is_refused_without_counting_a_try(send: Send) -> None:
    send()
    code = code_sent_to()
    sign_in_code_verify(e164=PHONE, code=code, ip=IP)
    error = refusal(lambda: sign_in_code_verify(e164=PHONE, code=code, ip="198.51.100.1"))
    assert error.code == "code_expired"
    assert SignInCode.objects.get().attempts == 1
    assert not SignInFailure.objects.exists()


def test_twenty_wrong_codes_an_hour_from_an_address_refuse_even_a_right_one(
    send: Send,
) -> None:
    send()
    log_failures(20)
    error = refusal(lambda: sign_in_code_verify(e164=PHONE, code=code_sent_to(), ip=IP))
    assert error.code == "rate_limited_ip"
    assert SignInCode.objects.get().attempts == 0  # refused before any try
    # Another address is not affected.
    assert is_phone(sign_in_code_verify(e164=PHONE, code=code_sent_to(), ip="198.51.100.1"))


def test_wrong_sms_codes_and_unknown_voter_codes_share_the_address_limit(send: Send) -> None:
    send()
    log_failures(19, method="sms_code")
    log_failures(1, method="voter_code")
    error = refusal(lambda: sign_in_code_verify(e164=PHONE, code=code_sent_to(), ip=IP))
    assert error.code == "rate_limited_ip"


def test_wrong_codes_older_than_an_hour_are_forgiven(send: Send) -> None:
    send()
    log_failures(20, age=61)
    assert is_phone(sign_in_code_verify(e164=PHONE, code=code_sent_to(), ip=IP))


def test_failures_store_the_address_only_as_a_keyed_hash(send: Send) -> None:
    send()
    refusal(lambda: sign_in_code_verify(e164=PHONE, code=wrong(code_sent_to()), ip=IP))
    refusal(lambda: sign_in_voter_code_verify(code="2222-3333-4444", ip=IP))
    rows = list(SignInFailure.objects.values("ip_hash", "method"))
    assert sorted(r["method"] for r in rows) == ["sms_code", "voter_code"]
    assert {r["ip_hash"] for r in rows} == {sign_in_ip_hash(IP)}
    assert IP not in " ".join(str(v) for row in rows for v in row.values())


# --- sign_in_voter_code_verify ------------------------------------------------------------


def test_a_voter_code_signs_in_its_resident() -> None:
    [code] = voter_codes_issue(count=1)
    resident = sign_in_voter_code_verify(code=code.replace("-", " ").lower(), ip=IP)
    assert resident.pk == Resident.objects.get().pk
    assert not SignInFailure.objects.exists()


def test_an_address_that_guessed_too_often_is_refused_even_a_real_voter_code() -> None:
    [code] = voter_codes_issue(count=1)
    log_failures(19, method="voter_code")
    error = refusal(lambda: sign_in_voter_code_verify(code="2222-3333-4444", ip=IP))
    assert error.code == "voter_code_unknown"
    refused = refusal(lambda: sign_in_voter_code_verify(code=code, ip=IP))
    assert refused.code == "rate_limited_ip"
    assert sign_in_voter_code_verify(code=code, ip="198.51.100.1").pk == Resident.objects.get().pk


# --- races (PostgreSQL) -------------------------------------------------------------------


def run_parallel(n: int, work: Callable[[int], object]) -> list[object]:
    barrier = threading.Barrier(n)
    results: list[object] = [None] * n

    def runner(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as exc:
            results[i] = exc
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_wrong_guesses_cannot_exceed_the_tries() -> None:
    sign_in_code_send(e164=PHONE, ip=IP, language="en")  # autocommit: sent at once
    guess = wrong(code_sent_to())
    results = run_parallel(
        12, lambda i: sign_in_code_verify(e164=PHONE, code=guess, ip=f"198.51.100.{i}")
    )
    assert all(isinstance(r, ParticipationError) for r in results)
    assert SignInCode.objects.get().attempts == SIGN_IN_CODE_TRIES
    assert SignInFailure.objects.count() == SIGN_IN_CODE_TRIES


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_right_tries_sign_in_once() -> None:
    sign_in_code_send(e164=PHONE, ip=IP, language="en")
    code = code_sent_to()
    results = run_parallel(
        5, lambda i: sign_in_code_verify(e164=PHONE, code=code, ip=f"198.51.100.{i}")
    )
    signed_in = [r for r in results if isinstance(r, Resident)]
    refused = [r for r in results if isinstance(r, ParticipationError)]
    assert len(signed_in) == 1
    assert len(refused) == 4
    assert Resident.objects.count() == 1
    assert SignInCode.objects.get().used_at is not None


def test_a_right_try_that_loses_to_a_concurrent_right_try_is_told_the_code_was_used(
    send: Send,
) -> None:
    """A double-clicked submit: the other request uses the code between this one's read
    and its claim. The loser hears "expired", not "too many tries"."""
    send()
    code = code_sent_to()
    won: list[bool] = []

    def concurrent_winner(
        execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        result = execute(sql, params, many, context)
        if not won and sql.lstrip().startswith("SELECT") and "participation_signincode" in sql:
            won.append(True)
            SignInCode.objects.update(used_at=timezone.now(), attempts=1)
        return result

    with connection.execute_wrapper(concurrent_winner):
        error = refusal(lambda: sign_in_code_verify(e164=PHONE, code=code, ip=IP))
    assert won
    assert error.code == "code_expired", (error.code, str(error))
