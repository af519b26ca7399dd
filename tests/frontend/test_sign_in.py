"""Sign-in without passwords: SMS code (expiry, tries, rate limits) and voter codes."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import SignInCode, SignInFailure
from participation.identity import phone_hash
from participation.models import Resident
from participation.services.residents import resident_for_phone
from participation.services.voter_codes import voter_codes_issue
from sms import outbox

pytestmark = pytest.mark.django_db

PHONE = "+14155550123"
Capture = Callable[..., Any]


def request_code(
    client: Client, capture: Capture, phone: str = PHONE, ip: str = "10.0.0.1", next_url: str = "/"
) -> Any:
    with capture(execute=True):
        return client.post("/sign-in/", {"phone": phone, "next": next_url}, REMOTE_ADDR=ip)


def last_code() -> str:
    match = re.search(r"\b(\d{6})\b", outbox.messages[-1].body)
    assert match, outbox.messages[-1].body
    return match.group(1)


def enter_code(client: Client, code: str, ip: str = "10.0.0.1", next_url: str = "/") -> Any:
    return client.post("/sign-in/code/", {"code": code, "next": next_url}, REMOTE_ADDR=ip)


def test_sign_in_by_sms_code_returns_to_next(
    client: Client, django_capture_on_commit_callbacks: Capture
) -> None:
    page = client.get("/sign-in/?next=/neighbourhoods/")
    assert page.status_code == 200
    assert 'id="phone"' in page.content.decode()

    response = request_code(client, django_capture_on_commit_callbacks, next_url="/neighbourhoods/")
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/code/")
    assert len(outbox.messages) == 1
    assert outbox.messages[0].to == PHONE

    code_page = client.get(response["Location"])
    assert code_page.status_code == 200
    assert PHONE not in code_page.content.decode()  # masked
    done = enter_code(client, last_code(), next_url="/neighbourhoods/")
    assert done.status_code == 302
    assert done["Location"] == "/neighbourhoods/"
    resident = Resident.objects.get(phone_hash=phone_hash(PHONE))
    assert client.session["resident_id"] == resident.pk
    assert 'id="sign-out-button"' in client.get("/").content.decode()


def test_code_is_stored_only_as_a_keyed_hash(
    client: Client, django_capture_on_commit_callbacks: Capture
) -> None:
    request_code(client, django_capture_on_commit_callbacks)
    code = last_code()
    row = SignInCode.objects.get()
    stored = " ".join(str(v) for v in row.__dict__.values())
    assert code not in stored
    assert PHONE not in stored
    assert len(row.code_hash) == 64


def test_a_code_is_single_use(client: Client, django_capture_on_commit_callbacks: Capture) -> None:
    request_code(client, django_capture_on_commit_callbacks)
    code = last_code()
    assert enter_code(client, code).status_code == 302
    other = Client()
    session = other.session
    session["sign_in_phone"] = PHONE
    session.save()
    again = enter_code(other, code)
    assert again.status_code == 400
    assert "expired" in again.content.decode()


def test_code_expires_after_ten_minutes(
    client: Client, django_capture_on_commit_callbacks: Capture
) -> None:
    request_code(client, django_capture_on_commit_callbacks)
    row = SignInCode.objects.get()
    assert (row.expires_at - row.created_at).total_seconds() == 600
    SignInCode.objects.update(expires_at=timezone.now() - timezone.timedelta(seconds=1))
    response = enter_code(client, last_code())
    assert response.status_code == 400
    assert "That code has expired. Ask for a new one." in response.content.decode()
    assert "resident_id" not in client.session


def test_five_wrong_tries_burn_the_code(
    client: Client, django_capture_on_commit_callbacks: Capture
) -> None:
    request_code(client, django_capture_on_commit_callbacks)
    code = last_code()
    wrong = "000000" if code != "000000" else "111111"
    first = enter_code(client, wrong)
    assert first.status_code == 400
    assert "You have 4 more tries." in first.content.decode()
    for _ in range(3):
        enter_code(client, wrong)
    fifth = enter_code(client, wrong)
    assert "Too many wrong tries for this code" in fifth.content.decode()
    # Even the right code is refused now.
    right = enter_code(client, code)
    assert right.status_code == 400
    assert "Too many wrong tries" in right.content.decode()
    assert SignInCode.objects.get().attempts == 5


def test_a_typo_does_not_use_a_try(
    client: Client, django_capture_on_commit_callbacks: Capture
) -> None:
    request_code(client, django_capture_on_commit_callbacks)
    response = enter_code(client, "12ab")
    assert response.status_code == 400
    assert "Enter the 6 digits" in response.content.decode()
    assert SignInCode.objects.get().attempts == 0


def test_rate_limit_per_number(client: Client, django_capture_on_commit_callbacks: Capture) -> None:
    for _ in range(3):
        assert request_code(client, django_capture_on_commit_callbacks).status_code == 302
    # A different client and address: the limit is per number, kept in the database.
    refused = request_code(Client(), django_capture_on_commit_callbacks, ip="10.9.9.9")
    assert refused.status_code == 429
    assert "Too many codes were sent to this number" in refused.content.decode()
    assert len(outbox.messages) == 3


def test_rate_limit_per_address(
    client: Client, django_capture_on_commit_callbacks: Capture
) -> None:
    for i in range(10):
        response = request_code(
            Client(), django_capture_on_commit_callbacks, phone=f"+1415555{i:04d}"
        )
        assert response.status_code == 302
    refused = request_code(client, django_capture_on_commit_callbacks, phone="+14155559999")
    assert refused.status_code == 429
    assert "Too many sign-in attempts from your connection" in refused.content.decode()
    # Another address is not affected.
    other = request_code(
        Client(), django_capture_on_commit_callbacks, phone="+14155559999", ip="10.0.0.2"
    )
    assert other.status_code == 302


def test_wrong_codes_are_limited_per_address(
    client: Client, django_capture_on_commit_callbacks: Capture
) -> None:
    SignInFailure.objects.bulk_create(
        SignInFailure(ip_hash=_ip("10.0.0.1"), method="sms_code", created_at=timezone.now())
        for _ in range(20)
    )
    request_code(client, django_capture_on_commit_callbacks)
    response = enter_code(client, last_code())
    assert response.status_code == 429
    assert "Too many wrong codes from your connection" in response.content.decode()


def _ip(ip: str) -> str:
    from accounts.services import sign_in_ip_hash

    return sign_in_ip_hash(ip)


def test_web_and_sms_are_the_same_resident(
    client: Client, django_capture_on_commit_callbacks: Capture
) -> None:
    by_sms, _ = resident_for_phone(e164=PHONE, channel="sms")
    request_code(client, django_capture_on_commit_callbacks, phone="(415) 555-0123")
    enter_code(client, last_code())
    assert client.session["resident_id"] == by_sms.pk
    assert Resident.objects.count() == 1


def test_invalid_phone_is_a_form_error(client: Client) -> None:
    response = client.post("/sign-in/", {"phone": "not a phone"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="error-summary"' in html
    assert 'href="#phone"' in html
    assert 'aria-invalid="true"' in html


def test_code_page_without_a_pending_number_goes_back(client: Client) -> None:
    response = client.get("/sign-in/code/")
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")


def test_voter_code_sign_in(client: Client) -> None:
    [code] = voter_codes_issue(count=1)
    resident = Resident.objects.get(voter_code_hash__isnull=False)
    assert client.get("/sign-in/voter-code/").status_code == 200
    response = client.post("/sign-in/voter-code/", {"code": code.lower(), "next": "/receipt/"})
    assert response.status_code == 302
    assert response["Location"] == "/receipt/"
    assert client.session["resident_id"] == resident.pk


def test_unknown_voter_code_is_refused_in_words(client: Client) -> None:
    response = client.post("/sign-in/voter-code/", {"code": "AAAA-BBBB-CCCC"})
    assert response.status_code == 400
    assert "We do not know that voter code" in response.content.decode()
    assert SignInFailure.objects.filter(method="voter_code").count() == 1


def test_sign_out_needs_a_post(client: Client, resident: Resident) -> None:
    from tests.frontend.conftest import sign_in

    sign_in(client, resident)
    page = client.get("/sign-out/")
    assert page.status_code == 200
    assert client.session.get("resident_id") == resident.pk
    response = client.post("/sign-out/")
    assert response.status_code == 302
    assert "resident_id" not in client.session


def test_next_cannot_leave_the_site(
    client: Client, django_capture_on_commit_callbacks: Capture
) -> None:
    request_code(client, django_capture_on_commit_callbacks, next_url="https://evil.example/")
    response = enter_code(client, last_code(), next_url="https://evil.example/")
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_pages_needing_a_resident_send_to_sign_in_with_next(client: Client, city: Any) -> None:
    response = client.get(f"/processes/{city.slug}/ballot/")
    assert response.status_code == 302
    assert response["Location"] == f"/sign-in/?next=%2Fprocesses%2F{city.slug}%2Fballot%2F"


def test_send_a_new_code_uses_the_number_in_the_session(
    client: Client, django_capture_on_commit_callbacks: Capture
) -> None:
    request_code(client, django_capture_on_commit_callbacks)
    first = last_code()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/sign-in/code/", {"resend": "1"}, REMOTE_ADDR="10.0.0.1")
    assert response.status_code == 302
    assert len(outbox.messages) == 2
    assert outbox.messages[-1].to == PHONE
    second = last_code()
    if first != second:
        # Only the latest code counts.
        assert enter_code(client, first).status_code == 400
    assert enter_code(client, second).status_code == 302
