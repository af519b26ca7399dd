from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sms.message import SmsMessage


class SmsSendError(Exception):
    """A send failed. ``permanent`` errors (invalid number, opted out) are never retried."""

    def __init__(self, message: str, *, code: str = "", permanent: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.permanent = permanent


class BaseSmsBackend:
    """Contract: ``send_messages`` sends each message, sets ``provider_id`` on the ones
    that were accepted, and returns how many were accepted. With ``fail_silently`` false
    the first failure raises SmsSendError (used by the queue to decide on retries)."""

    def __init__(self, fail_silently: bool = False, **kwargs: Any) -> None:
        self.fail_silently = fail_silently

    def send_messages(self, messages: Sequence[SmsMessage]) -> int:
        raise NotImplementedError("SMS backends must implement send_messages()")
