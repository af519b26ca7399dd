"""Rate limits of the SMS channel, shared by every process through the database.

- Inbound, per number: at most ``inbound_per_minute()`` acted-upon texts from one number
  in any 60 seconds (counted from InboundMessage rows, so it holds across app servers).
  Further texts are recorded but not acted upon (sms/services.py).
- Outbound, global: sends are spaced at least ``1 / SMS_SENDS_PER_SECOND`` apart. Each
  sender reserves the next free slot of the ``SmsRateSlot`` row under a row lock (a
  generic cell rate algorithm), then sleeps until its slot; no burst beyond one message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from core.sql_rows import quoted
from sms.models import InboundMessage, SmsRateSlot

OUTBOUND_KEY = "outbound"
THROTTLED = "throttled"


def inbound_per_minute() -> int:
    return int(settings.SMS_INBOUND_PER_MINUTE)


def inbound_recent_count_sql() -> str:
    """Texts from a number since a moment that were acted upon (not throttled), as a
    scalar subquery for a hand-written SELECT list (``core.sql_rows``): the webhook reads
    it in the same statement that locks the sender. Parameters:
    ``inbound_recent_count_params``."""
    # Only our own table and column names are formatted in; values are parameters.
    return (
        f"(SELECT COUNT(*) FROM {quoted(InboundMessage._meta.db_table)} rt "  # noqa: S608
        "WHERE rt.from_hash = %s AND rt.received_at >= %s AND rt.command <> %s)"
    )


def inbound_recent_count_params(
    connection: BaseDatabaseWrapper, *, from_hash: str, since: datetime
) -> list[Any]:
    return [from_hash, connection.ops.adapt_datetimefield_value(since), THROTTLED]


def inbound_slow_down_sent(*, from_hash: str, since: datetime) -> bool:
    """Whether this number already got its one "slow down" reply in the window."""
    return (
        InboundMessage.objects.filter(
            from_hash=from_hash, received_at__gte=since, command=THROTTLED
        )
        .exclude(reply="")
        .exists()
    )


def inbound_window_reopens_at(*, from_hash: str, since: datetime) -> datetime:
    """When this number may text again: the oldest acted-upon text of the window
    leaves it one minute after it came."""
    oldest = (
        InboundMessage.objects.filter(from_hash=from_hash, received_at__gte=since)
        .exclude(command=THROTTLED)
        .order_by("received_at")
        .values_list("received_at", flat=True)
        .first()
    )
    return (oldest or timezone.now()) + timedelta(minutes=1)


@dataclass(frozen=True)
class SlotReservation:
    reserved: bool
    wait: float  # seconds until the slot (reserved) or until one would be free (not)


def rate_slot_reserve(
    *, key: str = OUTBOUND_KEY, per_second: float, max_wait: float
) -> SlotReservation:
    """Reserve the next sending slot of ``key`` if it starts within ``max_wait`` seconds.

    Holds the slot row's lock only for this short transaction; the caller sleeps
    ``wait`` seconds after it, outside any transaction. A non-positive rate means no
    limit. Not reserving leaves the row unchanged, so a deferred sender costs nobody.
    """
    if per_second <= 0:
        return SlotReservation(True, 0.0)
    interval = timedelta(seconds=1 / per_second)
    with transaction.atomic():
        row = SmsRateSlot.objects.select_for_update().filter(key=key).first()
        now = timezone.now()
        if row is None:
            try:
                with transaction.atomic():
                    SmsRateSlot.objects.create(key=key, next_free_at=now + interval)
                return SlotReservation(True, 0.0)
            except IntegrityError:
                # Another sender created the row first: queue behind it like any other.
                row = SmsRateSlot.objects.select_for_update().get(key=key)
                now = timezone.now()
        slot = max(row.next_free_at, now)
        wait = (slot - now).total_seconds()
        if wait > max_wait:
            return SlotReservation(False, wait)
        row.next_free_at = slot + interval
        row.save(update_fields=["next_free_at"])
    return SlotReservation(True, wait)
