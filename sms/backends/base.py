from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sms.message import SmsMessage


class SmsSendError(Exception):
    """A send failed, as the backend reads its provider's answer: ``permanent`` errors
    (invalid number, opted out) are never retried; ``opted_out`` means the recipient
    told the provider to stop (the queue then records the opt-out). The queue never
    interprets provider codes itself."""

    def __init__(
        self,
        message: str,
        *,
        code: str = "",
        permanent: bool = False,
        opted_out: bool = False,
        outcome_unknown: bool = False,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.permanent = permanent or opted_out
        self.opted_out = opted_out
        # The request may have reached the provider (a timeout after it went out): the
        # text may have been accepted. The queue asks ``find_sent`` before any retry.
        self.outcome_unknown = outcome_unknown and not self.permanent


class BaseSmsBackend:
    """Contract: ``send_messages`` sends each message, sets ``provider_id`` on the ones
    that were accepted, and returns how many were accepted. With ``fail_silently`` false
    the first failure raises SmsSendError (used by the queue to decide on retries)."""

    def __init__(self, fail_silently: bool = False, **kwargs: Any) -> None:
        self.fail_silently = fail_silently

    def send_messages(self, messages: Sequence[SmsMessage]) -> int:
        raise NotImplementedError("SMS backends must implement send_messages()")

    def find_sent(self, *, to: str, body: str, since: datetime) -> str | None:
        """The provider id of a text to ``to`` with exactly ``body`` that the provider
        accepted at or after ``since``, or None when there is none. Raises SmsSendError
        when the provider cannot be asked now. What makes a retry after an unknown
        outcome safe: providers have no idempotency key."""
        raise NotImplementedError("SMS backends must implement find_sent()")
