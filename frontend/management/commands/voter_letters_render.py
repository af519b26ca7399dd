from __future__ import annotations

import csv
import os
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.voter_letters import LAYOUTS, voter_letters_html
from core.command_lookups import process_from_arg
from maps.command_lookups import neighbourhood_from_arg


class Command(BaseCommand):
    help = (
        "Render print-ready voter letters (one per page) or a code sheet from the CSV "
        "written by voter_codes_issue, in one language."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("process", help="Process slug")
        parser.add_argument("codes", help="CSV with a voter_code header (voter_codes_issue)")
        parser.add_argument("--out", required=True, help="HTML file to create")
        parser.add_argument(
            "--language",
            default=settings.LANGUAGE_CODE,
            choices=[c for c, _n in settings.LANGUAGES],
        )
        parser.add_argument("--layout", default="letters", choices=LAYOUTS)
        parser.add_argument("--neighbourhood", help="Neighbourhood slug the codes were issued for")

    def handle(self, *args: Any, **options: Any) -> None:
        process = process_from_arg(options["process"])
        neighbourhood = neighbourhood_from_arg(options["neighbourhood"])
        try:
            with open(options["codes"], encoding="utf-8-sig", newline="") as stream:
                rows = list(csv.reader(stream))
        except OSError as exc:
            raise CommandError(f"{options['codes']}: {exc.strerror}") from None
        if not rows or [c.strip().lower() for c in rows[0]] != ["voter_code"]:
            raise CommandError(f"{options['codes']}: the header must be voter_code")
        codes = [row[0].strip() for row in rows[1:] if row and row[0].strip()]
        html = voter_letters_html(
            process=process,
            codes=codes,
            language=options["language"],
            layout=options["layout"],
            neighbourhood=neighbourhood,
        )
        try:
            fd = os.open(options["out"], os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise CommandError(f"{options['out']} exists already; choose a new file") from None
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(html)
        self.stdout.write(f"Rendered {len(codes)} {options['layout']} in {options['language']}")
