from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sms.message import SmsMessage


class SmsSendError(Exception):
    """A send failed, as the backend reads its provider's answer: ``permanent`` errors
    (invalid number, opted out) are never retried; ``opted_out`` means the recipient
    told the provider to stop (the queue then records the opt-out). The queue never
    interprets provider codes itself."""

    def __init__(
        self, message: str, *, code: str = "", permanent: bool = False, opted_out: bool = False
    ) -> None:
        super().__init__(message)
        self.code = code
        self.permanent = permanent or opted_out
        self.opted_out = opted_out


class BaseSmsBackend:
    """Contract: ``send_messages`` sends each message, sets ``provider_id`` on the ones
    that were accepted, and returns how many were accepted. With ``fail_silently`` false
    the first failure raises SmsSendError (used by the queue to decide on retries)."""

    def __init__(self, fail_silently: bool = False, **kwargs: Any) -> None:
        self.fail_silently = fail_silently

    def send_messages(self, messages: Sequence[SmsMessage]) -> int:
        raise NotImplementedError("SMS backends must implement send_messages()")
