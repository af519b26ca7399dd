"""Staff sign in with a password and a TOTP code; guessing is throttled by account and
by address; a deactivated account's sessions end at once."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.staff_mfa import staff_totp_issue
from participation import roles
from participation.models import AuditLog
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/?next=/staff/"
PASSWORD = "correct-horse-battery"


@pytest.fixture
def staff(db: Any) -> Any:
    user = UserFactory(username="clerk")
    user.groups.add(Group.objects.get(name=roles.ADMIN))
    return user


def code_for(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def _after_the_throttle(device: TOTPDevice) -> None:
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - dt.timedelta(minutes=1)
    )


def sign_in(client: Client, username: str, password: str, token: str = "", ip: str = "10.0.0.1"):  # type: ignore[no-untyped-def]
    return client.post(
        LOGIN,
        {"username": username, "password": password, "otp_token": token},
        REMOTE_ADDR=ip,
    )


def test_an_account_with_an_authenticator_needs_its_code(staff: Any) -> None:
    device = staff_totp_issue(user=staff)
    client = Client()
    response = sign_in(client, "clerk", PASSWORD)
    assert response.status_code == 200
    assert "six-digit code" in response.content.decode()
    wrong = f"{(int(code_for(device)) + 1) % 1_000_000:06d}"
    assert sign_in(client, "clerk", PASSWORD, wrong).status_code == 200
    assert client.get("/staff/").status_code == 302
    # django-otp refuses every code for a second after a wrong one; a person takes
    # longer than that to type again.
    _after_the_throttle(device)
    response = sign_in(client, "clerk", PASSWORD, code_for(device))
    assert response.status_code == 302 and response["Location"] == "/staff/"
    assert client.get("/staff/").status_code == 200
    assert client.get("/admin/").status_code == 200


def test_mfa_required_refuses_a_password_alone(staff: Any, settings: Any) -> None:
    settings.STAFF_MFA_REQUIRED = True
    client = Client()
    response = sign_in(client, "clerk", PASSWORD)
    assert "no authenticator yet" in response.content.decode()
    assert client.get("/staff/").status_code == 302
    # A session signed in without the second factor (e.g. before the rule was on) is
    # anonymous everywhere while the rule holds.
    client.force_login(staff)
    assert client.get("/staff/").status_code == 302
    assert client.get("/admin/").status_code == 302
    device = staff_totp_issue(user=staff)
    fresh = Client()
    assert sign_in(fresh, "clerk", PASSWORD, code_for(device)).status_code == 302
    assert fresh.get("/staff/").status_code == 200


def test_production_refuses_to_start_without_mfa() -> None:
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "DJANGO_ENV": "production",
        "STAFF_MFA_REQUIRED": "false",
        "DJANGO_SETTINGS_MODULE": "justcity.settings",
    }
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "STAFF_MFA_REQUIRED must be on in production" in result.stderr


def test_enrol_from_the_staff_page(staff: Any) -> None:
    client = Client()
    client.force_login(staff)
    page = client.post("/staff/mfa/", {"step": "start"}).content.decode()
    uri = re.search(r'<code id="mfa-uri">([^<]+)</code>', page)
    assert uri and uri.group(1).startswith("otpauth://totp/")
    assert 'id="mfa-qr"' in page
    device = TOTPDevice.objects.get(user=staff, confirmed=False)
    bad = client.post("/staff/mfa/", {"device": device.pk, "token": "000000x"})
    assert bad.status_code == 400
    huge = client.post("/staff/mfa/", {"device": str(2**70), "token": "123456"})
    assert huge.status_code == 400
    ok = client.post("/staff/mfa/", {"device": device.pk, "token": code_for(device)})
    assert ok.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert AuditLog.objects.filter(action="staff.mfa_enrol", object_id=str(staff.pk)).exists()
    # From now on the password alone is not enough.
    assert "six-digit code" in sign_in(Client(), "clerk", PASSWORD).content.decode()


def test_wrong_passwords_lock_the_account_from_any_address(staff: Any, settings: Any) -> None:
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        sign_in(Client(), "clerk", "wrong", ip=f"10.0.1.{attempt}")
    locked = sign_in(Client(), "clerk", PASSWORD, ip="10.0.9.9")
    assert locked.status_code == 429
    assert "Sign-in locked" in locked.content.decode()


def test_wrong_passwords_lock_the_address_for_every_account(staff: Any, settings: Any) -> None:
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        sign_in(Client(), f"someone{attempt}", "wrong", ip="10.0.2.2")
    assert sign_in(Client(), "clerk", PASSWORD, ip="10.0.2.2").status_code == 429
    assert sign_in(Client(), "clerk", PASSWORD, ip="10.0.3.3").status_code == 302


def test_wrong_codes_count_as_failures(staff: Any, settings: Any) -> None:
    device = staff_totp_issue(user=staff)
    wrong = f"{(int(code_for(device)) + 1) % 1_000_000:06d}"
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        sign_in(Client(), "clerk", PASSWORD, wrong, ip=f"10.0.4.{attempt}")
    assert sign_in(Client(), "clerk", PASSWORD, code_for(device)).status_code == 429


def test_forwarded_for_does_not_dodge_the_address_lock(staff: Any, settings: Any) -> None:
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        Client().post(
            LOGIN,
            {"username": f"u{attempt}", "password": "wrong"},
            REMOTE_ADDR="10.0.5.5",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{attempt}",
        )
    response = Client().post(
        LOGIN,
        {"username": "clerk", "password": PASSWORD},
        REMOTE_ADDR="10.0.5.5",
        HTTP_X_FORWARDED_FOR="192.0.2.200",
    )
    assert response.status_code == 429


def test_deactivating_an_account_ends_its_sessions_at_once(staff: Any) -> None:
    from django.contrib.sessions.models import Session

    browser, phone = Client(), Client()
    assert sign_in(browser, "clerk", PASSWORD).status_code == 302
    assert sign_in(phone, "clerk", PASSWORD, ip="10.0.0.2").status_code == 302
    assert browser.get("/staff/").status_code == 200
    admin = UserFactory(username="boss", is_superuser=True)
    boss = Client()
    boss.force_login(admin)
    sessions_before = Session.objects.count()
    staff.is_active = False
    staff.save()
    assert Session.objects.count() == sessions_before - 2
    for client in (browser, phone):
        response = client.get("/staff/")
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    assert boss.get("/staff/").status_code == 200  # other accounts keep theirs
