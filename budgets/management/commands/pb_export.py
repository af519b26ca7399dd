from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from budgets.pabulib.db_export import PbExportRefused, pot_export_pabulib
from core.models import Process


class Command(BaseCommand):
    help = "Export one pot of a process as a Pabulib .pb file with anonymous ballots."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("process", help="Process slug (or id)")
        parser.add_argument("--pot", type=int, help="Pot id (needed when the process has several)")
        parser.add_argument("--output", "-o", help="File to write (default: standard output)")

    def handle(self, *args: Any, **options: Any) -> None:
        ref = options["process"]
        process = Process.objects.filter(slug=ref).first()
        if process is None and ref.isdigit():
            process = Process.objects.filter(pk=int(ref)).first()
        if process is None:
            raise CommandError(f"no process {ref!r}")
        pots = process.pots.order_by("pk")
        if options["pot"] is not None:
            pots = pots.filter(pk=options["pot"])
        if not pots.exists():
            raise CommandError(f"process {process.slug} has no pot {options['pot'] or ''}".strip())
        if pots.count() > 1:
            listing = ", ".join(f"{p.pk} ({p.name})" for p in pots)
            raise CommandError(f"process {process.slug} has several pots; pass --pot: {listing}")
        pot = pots.get()
        try:
            if options["output"]:
                with open(options["output"], "w", encoding="utf-8", newline="") as stream:
                    count = pot_export_pabulib(process, pot, stream)
            else:
                count = pot_export_pabulib(process, pot, sys.stdout)
        except PbExportRefused as exc:
            raise CommandError(str(exc)) from None
        self.stderr.write(f"Exported {count} ballots of {process.slug} / {pot.name}")
