"""Which SMS backends reach phones: one answer for the production settings check, the
simulator and the process page."""

from __future__ import annotations

from typing import Any

import pytest

from sms.backends import sms_is_demo_backend
from sms.backends.kinds import DEMO_BACKEND, TEST_BACKEND, delivers_texts, is_demo_backend

TWILIO = "sms.backends.twilio.SmsBackend"


def test_only_the_console_backend_is_the_demo() -> None:
    assert is_demo_backend(DEMO_BACKEND)
    assert not is_demo_backend(TEST_BACKEND)
    assert not is_demo_backend(TWILIO)


def test_neither_the_demo_nor_the_test_backend_delivers() -> None:
    assert not delivers_texts(DEMO_BACKEND)
    assert not delivers_texts(TEST_BACKEND)
    assert delivers_texts(TWILIO)


@pytest.mark.parametrize(("backend", "demo"), [(DEMO_BACKEND, True), (TWILIO, False)])
def test_the_configured_backend_decides(settings: Any, backend: str, demo: bool) -> None:
    settings.SMS_BACKEND = backend
    assert sms_is_demo_backend() is demo


@pytest.mark.django_db
@pytest.mark.parametrize(("backend", "shown"), [(DEMO_BACKEND, True), (TWILIO, False)])
def test_the_process_page_links_the_simulator_only_with_the_demo_backend(
    settings: Any, client: Any, phase: Any, backend: str, shown: bool
) -> None:
    settings.SMS_BACKEND = backend
    process = phase.process  # a voting phase open now
    page = client.get(f"/processes/{process.slug}/").content.decode()
    assert ("/sms/simulator/" in page) is shown
