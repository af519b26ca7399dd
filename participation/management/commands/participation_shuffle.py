from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from participation.services.participation_record import participation_shuffle


class Command(BaseCommand):
    help = (
        "Rewrite the participation record in random key order, so the order of its rows "
        "no longer follows the order of the acts (and cannot be lined up with ballots). "
        "Locks the table while it runs: schedule it off-peak, e.g. nightly."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            rows = participation_shuffle()
        self.stdout.write(f"participation record rewritten: {rows} rows")
