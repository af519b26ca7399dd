from __future__ import annotations

import csv
import os
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from core.command_lookups import process_from_arg, staff_from_arg
from maps.command_lookups import neighbourhood_from_arg
from participation.errors import ParticipationError
from participation.services.voter_codes import voter_codes_issue


class Command(BaseCommand):
    help = (
        "Issue N fresh printed voter codes for a process and write them to a CSV file "
        "(one code per line under a voter_code header). Only keyed hashes are stored; "
        "the file is the one copy of the codes: print the letters, then delete it."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("process", help="Process slug")
        parser.add_argument("--count", type=int, required=True, help="How many codes")
        parser.add_argument("--out", required=True, help="CSV file to create (not overwritten)")
        parser.add_argument(
            "--neighbourhood", help="Neighbourhood slug: the holders vote in its pot"
        )
        parser.add_argument("--language", default="en", help="Language of the letters")
        parser.add_argument("--user", help="Staff username to audit and authorise as")

    def handle(self, *args: Any, **options: Any) -> None:
        process = process_from_arg(options["process"])
        neighbourhood = neighbourhood_from_arg(options["neighbourhood"])
        actor = staff_from_arg(options["user"])
        path = options["out"]
        try:
            # Created exclusively and readable by the owner only: it holds live codes.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise CommandError(f"{path} exists already; choose a new file") from None
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror}") from None
        try:
            codes = voter_codes_issue(
                count=options["count"],
                process=process,
                neighbourhood=neighbourhood,
                language=options["language"],
                actor=actor,
            )
        except (ParticipationError, PermissionDenied) as exc:
            os.close(fd)
            os.unlink(path)
            raise CommandError(str(exc)) from None
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as stream:
            writer = csv.writer(stream)
            writer.writerow(["voter_code"])
            writer.writerows([code] for code in codes)
        where = f", neighbourhood {neighbourhood.name}" if neighbourhood else ""
        # The count and the file, never a code.
        self.stdout.write(f"Issued {len(codes)} voter codes for {process.slug}{where}: {path}")
