from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from budgets.pabulib.db_import import PbImportError, process_import_pabulib
from budgets.pabulib.pb_file import PbFormatError, read_pb
from core.models import TallyRule


class Command(BaseCommand):
    help = (
        "Import a Pabulib .pb file as a closed process (projects and anonymous ballots) "
        "for what-if simulation and demos. A bad file imports nothing."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")
        parser.add_argument("--slug", help="Slug of the new process (default: from META)")
        parser.add_argument(
            "--rule", choices=TallyRule.values, help="Tally rule (default: META rule)"
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["file"]
        try:
            total = int(read_pb(path, keep_votes=False).meta["num_votes"])
        except FileNotFoundError:
            raise CommandError(f"{path}: no such file") from None
        except UnicodeDecodeError as exc:
            raise CommandError(
                f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})"
            ) from None
        except PbFormatError as exc:
            raise CommandError(f"{path}: {exc}") from None
        bar = tqdm(
            total=total, unit="ballot", desc="Importing", disable=options["no_progress"] or None
        )
        try:
            summary = process_import_pabulib(
                path, slug=options["slug"], rule=options["rule"], progress=bar.update
            )
        except (PbFormatError, PbImportError) as exc:
            raise CommandError(f"{path}: {exc}") from None
        finally:
            bar.close()
        self.stdout.write(
            f"Imported {summary.process.slug}: {summary.projects} projects, "
            f"{summary.ballots} ballots"
            + (f" ({summary.warnings} warnings in the file)" if summary.warnings else "")
        )
