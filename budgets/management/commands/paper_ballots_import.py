from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from budgets.services.paper import (
    LineProblem,
    PaperImportRejected,
    PaperLine,
    paper_ballots_import,
    paper_marks,
)
from core.command_lookups import process_from_arg, staff_from_arg
from core.models import Process

HEADER = ["voter_code", "projects"]


class Command(BaseCommand):
    help = (
        "Import paper ballots from a CSV file with the header voter_code,projects "
        "(projects: space-separated short codes; code:points on cumulative ballots; rank "
        "order on ranked ones). All or nothing: any bad line rejects the whole file."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("process", help="Process slug")
        parser.add_argument("file", help="CSV file")
        parser.add_argument("--user", help="Staff username to audit and authorise as")

    def handle(self, *args: Any, **options: Any) -> None:
        process = process_from_arg(options["process"])
        actor = staff_from_arg(options["user"])
        path = options["file"]
        with translation.override(settings.LANGUAGE_CODE):
            try:
                with open(path, encoding="utf-8-sig", newline="") as stream:
                    lines = list(self._lines(process, stream))
                summary = paper_ballots_import(process=process, lines=lines, actor=actor)
            except FileNotFoundError:
                raise CommandError(f"{path}: no such file") from None
            except UnicodeDecodeError as exc:
                raise CommandError(f"{path}: not UTF-8 text (byte {exc.start})") from None
            except csv.Error as exc:
                raise CommandError(f"{path}: not a CSV file ({exc})") from None
            except PermissionDenied as exc:
                raise CommandError(str(exc)) from None
            except PaperImportRejected as exc:
                for problem in exc.problems:
                    self.stderr.write(f"{path}: line {problem.line}: {problem.message}")
                raise CommandError(
                    f"{path}: rejected, nothing imported ({len(exc.problems)} bad line"
                    f"{'s' if len(exc.problems) != 1 else ''})"
                ) from None
        replaced = (
            f" ({summary.replaced_online} replaced an earlier web or SMS ballot)"
            if summary.replaced_online
            else ""
        )
        noun = "paper ballot" if summary.imported == 1 else "paper ballots"
        self.stdout.write(f"Imported {summary.imported} {noun} into {process.slug}{replaced}")

    def _lines(self, process: Process, stream: Any) -> Iterator[PaperLine]:
        reader = csv.reader(stream)
        header = next(reader, None)
        if header is None or [cell.strip().lower() for cell in header] != HEADER:
            raise PaperImportRejected([LineProblem(1, "the header must be voter_code,projects")])
        for row in reader:
            number = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != 2:
                yield PaperLine(
                    number,
                    row[0] if row else "",
                    unreadable=f"expected 2 cells (voter_code,projects), got {len(row)}",
                )
                continue
            code, projects = row[0].strip(), row[1]
            try:
                marks = paper_marks(process, projects)
            except ValueError as exc:
                yield PaperLine(number, code, unreadable=str(exc))
                continue
            yield PaperLine(number, code, marks=marks)
