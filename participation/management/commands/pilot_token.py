from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from participation.models import Pilot
from participation.services.pilots import pilot_token_rotate


class Command(BaseCommand):
    help = (
        "Issue a new API token for a pilot and print it once. Only its keyed hash is "
        "stored; the pilot's previous token stops working."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("pilot", help="Pilot slug")

    def handle(self, *args: Any, **options: Any) -> None:
        pilot = Pilot.objects.filter(slug=options["pilot"]).first()
        if pilot is None:
            raise CommandError(f"no pilot has the slug {options['pilot']!r}")
        token = pilot_token_rotate(pilot=pilot, actor=None)
        self.stdout.write(token)
