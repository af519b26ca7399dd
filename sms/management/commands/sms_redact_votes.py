from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand

from sms.services import VOTE_TEXT_RETENTION, inbound_redact_votes


class Command(BaseCommand):
    help = (
        "Blank the stored text and reply of SMS votes and receipt checks older than the "
        "retention (default 48 hours): they tie a number to its choices. Run daily."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--hours",
            type=float,
            default=VOTE_TEXT_RETENTION.total_seconds() / 3600,
            help="Keep texts younger than this many hours.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        n = inbound_redact_votes(older_than=timedelta(hours=options["hours"]))
        if options["verbosity"] > 0:
            self.stdout.write(f"Redacted {n} SMS vote text(s).")
