from __future__ import annotations

import sys
import threading
import uuid
from collections import deque
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TextIO

from django.utils import timezone

from sms.backends.base import BaseSmsBackend
from sms.message import SmsMessage
from sms.phone_display import mask_phone


class SmsBackend(BaseSmsBackend):
    """Writes messages to a stream (stdout): the local default, so `make run` needs no
    gateway. The number is masked as in every log line."""

    _lock = threading.Lock()
    # What this process printed lately (to, body, when, id): the provider's record that
    # ``find_sent`` asks, as a gateway's message log would be asked.
    _printed: deque[tuple[str, str, datetime, str]] = deque(maxlen=1000)

    def __init__(self, *args: Any, stream: TextIO | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stream = stream or sys.stdout

    def send_messages(self, messages: Sequence[SmsMessage]) -> int:
        with self._lock:
            for message in messages:
                message.provider_id = f"console-{uuid.uuid4().hex}"
                self._printed.append(
                    (message.to, message.body, timezone.now(), message.provider_id)
                )
                self.stream.write(f"--- SMS to {mask_phone(message.to)} ---\n{message.body}\n")
            self.stream.flush()
        return len(messages)

    def find_sent(self, *, to: str, body: str, since: datetime) -> str | None:
        with self._lock:
            for sent_to, sent_body, at, provider_id in reversed(self._printed):
                if sent_to == to and sent_body == body and at >= since:
                    return provider_id
        return None
