from __future__ import annotations

import uuid
from collections.abc import Sequence

from sms import outbox
from sms.backends.base import BaseSmsBackend
from sms.message import SmsMessage


class SmsBackend(BaseSmsBackend):
    """Keeps messages in ``sms.outbox.messages`` for tests (like Django's locmem mail)."""

    def send_messages(self, messages: Sequence[SmsMessage]) -> int:
        for message in messages:
            message.provider_id = f"locmem-{uuid.uuid4().hex}"
            outbox.messages.append(message)
        return len(messages)
