"""The refusal every participation service raises, with a message fit to show the
resident (translatable) and a stable ``code`` for callers to branch on."""

from __future__ import annotations

from typing import Any


class ParticipationError(Exception):
    """A refused action, with a message fit to show the resident (translatable)."""

    def __init__(self, code: str, message: Any) -> None:
        super().__init__(str(message))
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return str(self.message)
