from __future__ import annotations

import io

import pytest

from sms import outbox
from sms.backends import get_backend
from sms.backends.console import SmsBackend as ConsoleBackend
from sms.backends.locmem import SmsBackend as LocmemBackend
from sms.message import SmsMessage
from sms.phone_display import mask_phone
from sms.sending import send_sms


def test_backend_chosen_by_setting(settings) -> None:  # type: ignore[no-untyped-def]
    settings.SMS_BACKEND = "sms.backends.console.SmsBackend"
    assert isinstance(get_backend(), ConsoleBackend)
    settings.SMS_BACKEND = "sms.backends.locmem.SmsBackend"
    assert isinstance(get_backend(), LocmemBackend)


def test_unknown_backend_path_fails_clearly(settings) -> None:  # type: ignore[no-untyped-def]
    settings.SMS_BACKEND = "sms.backends.nope.SmsBackend"
    with pytest.raises(ImportError):
        get_backend()


def test_locmem_collects_messages_with_provider_ids() -> None:
    sent = LocmemBackend().send_messages(
        [SmsMessage(to="+14155550101", body="one"), SmsMessage(to="+14155550102", body="two")]
    )
    assert sent == 2
    assert [m.body for m in outbox.messages] == ["one", "two"]
    assert all(m.provider_id and m.provider_id.startswith("locmem-") for m in outbox.messages)


def test_console_writes_body_and_masks_number() -> None:
    stream = io.StringIO()
    ConsoleBackend(stream=stream).send_messages([SmsMessage(to="+14155550123", body="Hola")])
    text = stream.getvalue()
    assert "Hola" in text
    assert "+14155550123" not in text
    assert mask_phone("+14155550123") in text


@pytest.mark.django_db
def test_send_sms_goes_through_the_queue_to_the_configured_backend(
    django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        message = send_sms(to="+14155550123", body="Your code is 123456", purpose="sign_in")
        assert outbox.messages == []  # nothing leaves before the commit
    assert [(m.to, m.body) for m in outbox.messages] == [("+14155550123", "Your code is 123456")]
    message.refresh_from_db()
    assert message.status == "sent"
    assert message.purpose == "sign_in"
    assert message.provider_id == outbox.messages[0].provider_id


@pytest.mark.parametrize(
    ("number", "masked"),
    [("+14155550123", "+1415•••••23"), ("+573001234567", "+5730••••••67"), ("+12", "•••")],
)
def test_mask_phone(number: str, masked: str) -> None:
    assert mask_phone(number) == masked
