"""The locmem backend's outbox: a plain list tests read and clear."""

from __future__ import annotations

from sms.message import SmsMessage

messages: list[SmsMessage] = []
