from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class SmsMessage:
    """One text to one number, as handed to a backend (like Django's EmailMessage)."""

    to: str  # E.164
    body: str
    # Filled in by the backend: the provider's id for status callbacks.
    provider_id: str | None = None
    extra: dict[str, str] = field(default_factory=dict)
