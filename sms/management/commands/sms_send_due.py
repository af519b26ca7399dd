from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from sms.sending import outbound_send_due


class Command(BaseCommand):
    help = (
        "Send every queued SMS that is due (retries after backoff, rate-limited rows, rows "
        "a crashed worker left in 'sending'). Needed with the Immediate task backend, "
        "which cannot defer retries; harmless beside db_worker (rows are claimed)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--loop", action="store_true", help="Keep running.")
        parser.add_argument("--interval", type=float, default=10.0, help="Seconds between sweeps.")

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            sent = outbound_send_due()
            if options["verbosity"] > 0 and (sent or not options["loop"]):
                self.stdout.write(f"Sent {sent} due SMS.")
            if not options["loop"]:
                return
            time.sleep(max(options["interval"], 0.5))
