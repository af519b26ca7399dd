from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from django.utils import timezone

from sms import outbox
from sms.backends.base import BaseSmsBackend
from sms.message import SmsMessage


class SmsBackend(BaseSmsBackend):
    """Keeps messages in ``sms.outbox.messages`` for tests (like Django's locmem mail),
    each stamped with when it was accepted (``extra["accepted_at"]``)."""

    def send_messages(self, messages: Sequence[SmsMessage]) -> int:
        for message in messages:
            message.provider_id = f"locmem-{uuid.uuid4().hex}"
            message.extra["accepted_at"] = timezone.now().isoformat()
            outbox.messages.append(message)
        return len(messages)

    def find_sent(self, *, to: str, body: str, since: datetime) -> str | None:
        for message in reversed(outbox.messages):
            accepted = message.extra.get("accepted_at")
            if (
                message.to == to
                and message.body == body
                and accepted
                and datetime.fromisoformat(accepted) >= since
            ):
                return message.provider_id
        return None
