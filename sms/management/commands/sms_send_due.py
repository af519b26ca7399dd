from __future__ import annotations

import logging
import time
from typing import Any

from django.core.management.base import BaseCommand

from core.db_outage import Backoff, database_unavailable, drop_connections
from sms.sending import outbound_send_due

logger = logging.getLogger(__name__)

# The longest wait between two sweeps while the database is away.
RETRY_CAP_S = 30.0


class Command(BaseCommand):
    help = (
        "Send every queued SMS that is due (retries after backoff, rate-limited rows, rows "
        "a crashed worker left in 'sending' past their lease). Needed with the Immediate "
        "task backend, which cannot defer retries; harmless beside db_worker (rows are "
        "claimed). With --loop it keeps running and survives database outages: it waits "
        "with capped backoff and sweeps again."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--loop", action="store_true", help="Keep running.")
        parser.add_argument("--interval", type=float, default=10.0, help="Seconds between sweeps.")
        parser.add_argument(
            "--max-sweeps",
            type=int,
            default=0,
            help="With --loop: stop after this many sweeps, failed ones included (0: never).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        backoff = Backoff(base=0.5, cap=RETRY_CAP_S)
        sweeps = 0
        while True:
            sweeps += 1
            wait = max(options["interval"], 0.5)
            try:
                sent = outbound_send_due()
            except Exception as exc:
                if not (options["loop"] and database_unavailable(exc)):
                    raise
                wait = backoff.next_wait()
                logger.warning(
                    "sms sweep: database unavailable (%s); next sweep in %.1f s",
                    type(exc).__name__,
                    wait,
                )
                drop_connections()
            else:
                backoff.reset()
                if options["verbosity"] > 0 and (sent or not options["loop"]):
                    self.stdout.write(f"Sent {sent} due SMS.")
            if not options["loop"] or sweeps == options["max_sweeps"]:
                return
            time.sleep(wait)
