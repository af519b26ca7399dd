from __future__ import annotations

import sys
import threading
import uuid
from collections.abc import Sequence
from typing import Any, TextIO

from sms.backends.base import BaseSmsBackend
from sms.message import SmsMessage
from sms.phone_display import mask_phone


class SmsBackend(BaseSmsBackend):
    """Writes messages to a stream (stdout): the local default, so `make run` needs no
    gateway. The number is masked as in every log line."""

    _lock = threading.Lock()

    def __init__(self, *args: Any, stream: TextIO | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stream = stream or sys.stdout

    def send_messages(self, messages: Sequence[SmsMessage]) -> int:
        with self._lock:
            for message in messages:
                message.provider_id = f"console-{uuid.uuid4().hex}"
                self.stream.write(f"--- SMS to {mask_phone(message.to)} ---\n{message.body}\n")
            self.stream.flush()
        return len(messages)
