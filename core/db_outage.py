"""What a database outage looks like, and how long to wait before trying again.

One home for the question "is this error the database being unavailable?", asked by
the web (a 503 instead of a 500, ``justcity.unavailable``), the SMS webhook (a 503 so
Twilio calls the fallback URL, never a stored apology) and the long-running workers
(``manage.py db_worker``, ``manage.py sms_send_due --loop``), which wait and retry
instead of exiting.

A restart, a failover, a full connection pool (psycopg_pool's PoolTimeout reaches us as
Django's OperationalError), a lock or statement timeout: all are OperationalError or
InterfaceError, all pass, and none says anything about the request itself.
"""

from __future__ import annotations

import contextlib
import random
from dataclasses import dataclass

from django.db import InterfaceError, OperationalError, connections

DATABASE_UNAVAILABLE: tuple[type[Exception], ...] = (OperationalError, InterfaceError)


def database_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` (or what it was raised from) means the database could not serve
    us for now, rather than a bug or bad input."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, DATABASE_UNAVAILABLE):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


@dataclass
class Backoff:
    """Capped exponential backoff with jitter: ``base`` seconds, doubled per failure up to
    ``cap``, each wait between half and all of that (so workers that lost the database
    together do not come back in one burst). ``reset`` after a success."""

    base: float = 0.5
    cap: float = 30.0
    failures: int = 0

    def next_wait(self) -> float:
        self.failures += 1
        ceiling = min(self.cap, self.base * 2 ** (self.failures - 1))
        return ceiling * random.uniform(0.5, 1.0)

    def reset(self) -> None:
        self.failures = 0


def drop_connections() -> None:
    """Close this thread's database connections after an outage, so the next query
    opens a fresh one (or takes a fresh one from the pool) instead of reusing a
    broken socket."""
    for conn in connections.all(initialized_only=True):
        with contextlib.suppress(*DATABASE_UNAVAILABLE):
            conn.close()
