from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from budgets.models import ImplementationStatus, Project
from budgets.services.delivery import DeliveryError, Milestone
from core.command_lookups import staff_from_arg
from sms.project_updates import project_delivery_update


def _milestone(text: str) -> Milestone:
    """``TITLE|PLANNED[|DONE]`` with ISO dates."""
    parts = [p.strip() for p in text.split("|")]
    if len(parts) not in (2, 3):
        raise CommandError(f"milestone {text!r}: write TITLE|PLANNED[|DONE] (dates YYYY-MM-DD)")
    try:
        planned = dt.date.fromisoformat(parts[1])
        done = dt.date.fromisoformat(parts[2]) if len(parts) == 3 and parts[2] else None
    except ValueError:
        raise CommandError(f"milestone {text!r}: dates are YYYY-MM-DD") from None
    return Milestone(title=parts[0], planned_on=planned, done_on=done)


class Command(BaseCommand):
    help = (
        "Post a delivery update of a funded project (status, % complete, milestones, "
        "note per language, optional photo) and text its SMS followers."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("project", type=int, help="Project id")
        parser.add_argument("--status", required=True, choices=ImplementationStatus.values)
        parser.add_argument("--percent", type=int, required=True)
        for code, _name in settings.LANGUAGES:
            parser.add_argument(f"--note-{code}", default="", help=f"The note in {code}")
        parser.add_argument(
            "--milestone", action="append", default=None, help="TITLE|PLANNED[|DONE]"
        )
        parser.add_argument("--photo", help="JPEG, PNG or WebP file, at most 2 MB")
        parser.add_argument("--user", help="Staff username to audit and authorise as")

    def handle(self, *args: Any, **options: Any) -> None:
        project = Project.objects.select_related("process").filter(pk=options["project"]).first()
        if project is None:
            raise CommandError(f"no project {options['project']}")
        actor = staff_from_arg(options["user"])
        photo = None
        if options["photo"]:
            try:
                photo = Path(options["photo"]).read_bytes()
            except OSError as exc:
                raise CommandError(f"{options['photo']}: {exc.strerror}") from None
        milestones = (
            [_milestone(m) for m in options["milestone"]]
            if options["milestone"] is not None
            else None
        )
        notes = {code: options[f"note_{code}"] for code, _name in settings.LANGUAGES}
        try:
            update = project_delivery_update(
                project=project,
                actor=actor,
                status=options["status"],
                percent=options["percent"],
                notes=notes,
                milestones=milestones,
                photo=photo,
            )
        except (DeliveryError, PermissionDenied) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Posted update #{update.pk} of project {project.short_code}")
