from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from demo.riverbend import DEMO_STAFF, demo_password


class Command(BaseCommand):
    help = "Print the demo staff logins, one per role (make run shows them)."

    def handle(self, *args: Any, **options: Any) -> None:
        width = max(len(name) for name, _role in DEMO_STAFF)
        for username, role in DEMO_STAFF:
            self.stdout.write(
                f"      {username:<{width}}  {demo_password(username):<{width + 9}}  {role}"
            )
