from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from budgets.pabulib.pb_file import PbFormatError, load_election
from budgets.rules import RULES, run_rule
from budgets.rules.election import fraction_str


class Command(BaseCommand):
    help = "Tally a Pabulib .pb file with one rule and print the outcome."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")
        parser.add_argument("--rule", required=True, help=f"One of: {', '.join(sorted(RULES))}")
        parser.add_argument("--json", action="store_true", help="Print one JSON object")
        parser.add_argument("--explain", action="store_true", help="Include per-project reasons")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["rule"] not in RULES:
            raise CommandError(
                f"unknown rule {options['rule']!r}; one of {', '.join(sorted(RULES))}"
            )
        try:
            _pb, election = load_election(options["file"])
        except FileNotFoundError:
            raise CommandError(f"{options['file']}: no such file") from None
        except PbFormatError as exc:
            raise CommandError(f"{options['file']}: {exc}") from None
        outcome = run_rule(options["rule"], election)
        selected = sorted(outcome.selected)
        if options["json"]:
            payload: dict[str, Any] = {
                "rule": options["rule"],
                "selected": selected,
                "spent": fraction_str(outcome.spent),
            }
            if options["explain"]:
                payload["explanations"] = outcome.to_json()["explanations"]
            self.stdout.write(json.dumps(payload))
            return
        self.stdout.write(
            f"{options['rule']}: {len(selected)} projects, spent {fraction_str(outcome.spent)}"
        )
        for pid in outcome.selected:
            self.stdout.write(f"  {pid}: {outcome.explanations[pid].message}")
