"""The review step before publishing, for staff only: each pot's counted outcome (the
process's rule, with any overrides) beside what greedy-by-votes and the Method of
Equal Shares would have funded from the same ballots, computed with the same tally
engine. A pure read: nothing here is stored or public."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from budgets.models import Pot, Project, TallyRun
from budgets.results import OverrideNote, pot_latest_run, pot_result_from_run
from budgets.rules import run_rule
from budgets.tally import decimal_from_fraction, election_for_pot
from core.models import Process, TallyRule

# The two reference rules every review shows, whatever the process counts with.
GREEDY = TallyRule.GREEDY.value
MES = TallyRule.MES.value


@dataclass(frozen=True)
class ReviewRow:
    project: Project
    votes: int
    by_rule: bool  # counted under the process's rule (before overrides)
    by_greedy: bool
    by_mes: bool
    final: bool  # what would be published (overrides included)


@dataclass(frozen=True)
class PotReview:
    pot: Pot
    run: TallyRun | None  # the count under review; None before counting
    ballots: int
    budget: Decimal
    spent_rule: Decimal | None
    spent_greedy: Decimal
    spent_mes: Decimal
    final_budget: Decimal | None
    final_spent: Decimal | None
    overrides: tuple[OverrideNote, ...]
    rows: list[ReviewRow]


def process_review(process: Process) -> list[PotReview]:
    reviews = []
    for pot in process.pots.select_related("neighbourhood").order_by("neighbourhood__name", "pk"):
        election, projects = election_for_pot(process, pot)
        greedy = run_rule(GREEDY, election)
        mes = run_rule(MES, election)
        run = pot_latest_run(pot)
        result = (
            pot_result_from_run(run, process.currency, process.ballot_type)
            if run is not None
            else None
        )
        counted = {r.project.pk: r for r in result.projects} if result else {}
        rows = []
        for rule_id, project in projects.items():
            explanation = greedy.explanations.get(rule_id)
            row = counted.get(project.pk)
            rows.append(
                ReviewRow(
                    project=project,
                    votes=explanation.votes if explanation else 0,
                    by_rule=bool(row and row.computed_funded),
                    by_greedy=rule_id in greedy.selected_set,
                    by_mes=rule_id in mes.selected_set,
                    final=bool(row and row.funded),
                )
            )
        rows.sort(key=lambda r: (-r.votes, r.project.short_code))
        reviews.append(
            PotReview(
                pot=pot,
                run=run,
                ballots=election.num_voters,
                budget=pot.amount,
                spent_rule=run.spent if run else None,
                spent_greedy=decimal_from_fraction(greedy.spent),
                spent_mes=decimal_from_fraction(mes.spent),
                final_budget=result.budget if result else None,
                final_spent=result.spent if result else None,
                overrides=result.overrides if result else (),
                rows=rows,
            )
        )
    return reviews
