"""The public figures of a process's pages, kept for ``PAGE_CACHE_SECONDS`` in the
worker that built them (micro-caching, as a proxy in front of a busy site would).

What is kept is the same for every visitor: the projects, the map, the ideas list and
the turnout of a process, per language. What belongs to one request (the resident,
their ballot, the CSRF token, the CSP nonce) is never kept: pages render around these
parts for each request. The turnout was the heaviest read of the process page (a pass
over every vote of the process, per view: 3.8 ms of PostgreSQL per page under
``python -m bench.load``); a live page gets the newer count over its websocket anyway.

Production keeps parts 2 s (a new idea or project shows on the page at most 2 s late;
every rule, such as the voting window, is checked on each write, never from here);
development and tests 0, which builds every part for every request.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.utils import translation

# (process id, part, language) -> (monotonic expiry, value). Bounded by the processes,
# the few parts and the configured languages; an entry is replaced when it expires.
_parts: dict[tuple[int, str, str], tuple[float, Any]] = {}


def page_part[T](process_id: int, part: str, build: Callable[[], T]) -> T:
    """``build()``, or what it gave in this worker less than ``PAGE_CACHE_SECONDS`` ago
    for the same process, part and language. Two threads that find it expired at once
    both build it (a few queries, not a stampede: threads per worker are few)."""
    seconds = settings.PAGE_CACHE_SECONDS
    if seconds <= 0:
        return build()
    key = (process_id, part, translation.get_language() or "")
    now = time.monotonic()
    kept = _parts.get(key)
    if kept is not None and kept[0] > now:
        value: T = kept[1]
        return value
    value = build()
    _parts[key] = (now + seconds, value)
    return value


def page_parts_forget() -> None:
    _parts.clear()


def _forget_all(**kwargs: object) -> None:
    page_parts_forget()


setting_changed.connect(_forget_all, dispatch_uid="frontend.page_cache")
