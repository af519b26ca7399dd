from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from budgets.pabulib.db_import import PbImportError, process_import_pabulib
from budgets.pabulib.pb_file import PbFormatError, read_pb
from budgets.services.results import results_publish
from core.models import TallyRule


class Command(BaseCommand):
    help = (
        "Import a Pabulib .pb file as a past process (projects and anonymous ballots, "
        "voting closed) and publish its results under --rule (default: the file's own "
        "rule, else greedy), unless --unpublished. A bad file imports nothing."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")
        parser.add_argument("--slug", help="Slug of the new process (default: from META)")
        parser.add_argument(
            "--rule", choices=TallyRule.values, help="Tally rule (default: META rule)"
        )
        parser.add_argument(
            "--unpublished",
            action="store_true",
            help="Leave the results unpublished (count them later with the staff pages)",
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
        published = ""
        if not options["unpublished"]:
            # The election is over: its results are what it is imported for. The same
            # service as staff publication (counted under the rule, frozen, audited).
            results_publish(process=summary.process, actor=None)
            published = f"; results published ({summary.process.get_rule_display()})"
        self.stdout.write(
            f"Imported {summary.process.slug}: {summary.projects} projects, "
            f"{summary.ballots} ballots"
            + (f" ({summary.warnings} warnings in the file)" if summary.warnings else "")
            + published
        )
