from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo.riverbend import PROCESS_SLUG, STAFF_USERNAME, demo_city_load


class Command(BaseCommand):
    help = "Load (or refresh) the synthetic demo city Riverbend. Idempotent."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Load even with DJANGO_ENV=production (it creates a known staff login).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION and not options["allow_production"]:
            raise CommandError(
                "Refusing to load the demo city in production: it creates a staff account "
                "with a published password. Pass --allow-production to insist."
            )
        process = demo_city_load()
        if options["verbosity"] > 0:
            self.stdout.write(
                f"Demo city ready: {process.projects.count()} projects, "
                f"{process.pots.count()} pots; process /processes/{PROCESS_SLUG}/; "
                f"staff logins: {STAFF_USERNAME} and one per role (manage.py demo_logins)."
            )
