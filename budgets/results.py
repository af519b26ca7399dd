"""Published results, as pages, the API and SMS show them.

Results are read from the frozen ``TallyRun`` rows written by ``results_count`` /
``results_publish``; before publication this module returns nothing, so no page, API or
export can show a count early. Each project's *why* is a translated sentence built from
the rules engine's explanation (reason code and figures).

Staff overrides (``OutcomeOverride``, each with a public reason) apply on top of the
computed outcome in one place, ``run_outcome``: pages, the API, the open-data files and
delivery all read the funded list from it, and the results page shows the computed
outcome and the reasons beside it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from budgets.ballot_validation import money
from budgets.models import OutcomeOverride, OverrideKind, Pot, Project, TallyRun
from core.models import Process, TallyRule


@dataclass(frozen=True)
class ProjectResult:
    project: Project
    votes: int
    score: Decimal
    funded: bool
    reason_code: str
    reason: str
    share_of_votes: float  # 0..1 of the pot's ballots, for the bar chart
    # What the counting rule decided, before any staff override.
    computed_funded: bool = False

    @property
    def overridden(self) -> bool:
        return self.funded != self.computed_funded


@dataclass(frozen=True)
class OverrideNote:
    """One staff override as the public sees it: what changed and the written reason."""

    kind: str
    project: Project | None
    budget: Decimal | None
    reason: str
    created_at: datetime

    @property
    def summary(self) -> str:
        if self.kind == OverrideKind.BUDGET:
            return _("The budget was raised to %(amount)s and counted again.") % {
                "amount": self.budget
            }
        assert self.project is not None
        if self.kind == OverrideKind.ADD:
            return _("Project %(code)d was funded although the count did not fund it.") % {
                "code": self.project.short_code
            }
        return _("Project %(code)d was not funded although the count funded it.") % {
            "code": self.project.short_code
        }


@dataclass(frozen=True)
class PotResult:
    pot: Pot
    rule: str
    rule_label: str
    budget: Decimal
    spent: Decimal
    ballots: int
    computed_at: datetime
    projects: list[ProjectResult]
    # The computed outcome's budget and spending when staff overrode it; the reasons.
    computed_budget: Decimal | None = None
    computed_spent: Decimal | None = None
    overrides: tuple[OverrideNote, ...] = ()

    @property
    def funded(self) -> list[ProjectResult]:
        return [p for p in self.projects if p.funded]


def _number(text: Any) -> Decimal:
    """Exact strings from the rules engine ("12", "2.5", "1/3") to cents."""
    if text is None:
        return Decimal(0)
    value = Fraction(str(text))
    cents = Decimal(value.numerator) / Decimal(value.denominator)
    return cents.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def explanation_sentence(explanation: dict[str, Any], currency: str) -> str:
    """One sentence, in the active language, saying why a project was (not) funded."""
    code = explanation.get("reason", "")
    votes = int(explanation.get("votes") or 0)
    cost = money(_number(explanation.get("cost")), currency)
    if code == "funded":
        stage = explanation.get("stage")
        if stage == "mes":
            payers = int(explanation.get("supporters_paying_full") or 0) + int(
                explanation.get("supporters_paying_all_left") or 0
            )
            price = money(_number(explanation.get("price_per_supporter")), currency)
            return ngettext(
                "Funded: %(n)d supporter paid up to %(price)s from an equal share.",
                "Funded: %(n)d supporters paid up to %(price)s each from their equal shares.",
                payers,
            ) % {"n": payers, "price": price}
        left = money(_number(explanation.get("remaining_budget")), currency)
        if stage == "completion":
            return _("Funded with the money left over (completion); %(left)s left after it.") % {
                "left": left
            }
        return ngettext(
            "Funded: %(votes)d vote; %(left)s left after it.",
            "Funded: %(votes)d votes; %(left)s left after it.",
            votes,
        ) % {"votes": votes, "left": left}
    if code == "did_not_fit":
        left = money(_number(explanation.get("remaining_budget")), currency)
        return _("Did not fit: %(left)s left when its turn came, and it costs %(cost)s.") % {
            "left": left,
            "cost": cost,
        }
    if code == "below_threshold":
        return _("Not eligible: below the minimum number of votes.")
    if code == "unaffordable":
        left = money(_number(explanation.get("supporters_money_left")), currency)
        return ngettext(
            "Not funded: its %(votes)d supporter had %(left)s left of an equal share; "
            "it costs %(cost)s.",
            "Not funded: its %(votes)d supporters had %(left)s left of their equal shares; "
            "it costs %(cost)s.",
            votes,
        ) % {"votes": votes, "left": left, "cost": cost}
    if code == "no_supporters":
        return _("Not funded: no votes.")
    return _("Not funded.")


@dataclass(frozen=True)
class RunOutcome:
    """A counted outcome after staff overrides: the funded project ids (in order), the
    budget and the spending. Without overrides these are the run's own."""

    selected: list[int]
    budget: Decimal
    spent: Decimal
    overrides: list[OutcomeOverride]


def run_outcome(run: TallyRun) -> RunOutcome:
    """The one place overrides apply (see ``OutcomeOverride`` for the order)."""
    overrides = list(run.overrides.select_related("project").order_by("created_at", "pk"))
    if not overrides:
        return RunOutcome(list(run.selected), run.budget, run.spent, [])
    selected = list(run.selected)
    budget = run.budget
    for override in overrides:
        if override.kind == OverrideKind.BUDGET:
            selected = list(override.selected)
            budget = override.budget if override.budget is not None else budget
        elif override.kind == OverrideKind.ADD and override.project_id not in selected:
            selected.append(override.project_id)
        elif override.kind == OverrideKind.REMOVE and override.project_id in selected:
            selected.remove(override.project_id)
    costs = dict(Project.objects.filter(pk__in=selected).values_list("pk", "cost"))
    spent = sum((costs.get(pk, Decimal(0)) for pk in selected), Decimal(0))
    return RunOutcome(selected, budget, spent, overrides)


def pot_latest_run(pot: Pot) -> TallyRun | None:
    """The pot's latest count: the published outcome while results are published (a
    new count is only possible after un-publishing), the one under review before."""
    return TallyRun.objects.filter(pot=pot).order_by("-computed_at", "-pk").first()


def project_funded(project: Project) -> bool:
    """Whether the published outcome (overrides included) funds ``project``."""
    if project.process.results_published_at is None:
        return False
    run = pot_latest_run(project.pot)
    return run is not None and project.pk in run_outcome(run).selected


def pot_result_from_run(run: TallyRun, currency: str) -> PotResult:
    outcome = run.outcome
    final = run_outcome(run)
    funded_ids = set(final.selected)
    projects = {
        p.pk: p for p in Project.objects.filter(pot_id=run.pot_id).select_related("neighbourhood")
    }
    by_rule_id = {str(pk): p for pk, p in projects.items()}
    by_rule_id.update({f"{p.short_code:06d}": p for p in projects.values()})
    rows = []
    for rule_id, explanation in outcome.get("explanations", {}).items():
        project = by_rule_id.get(rule_id)
        if project is None:
            continue
        votes = int(explanation.get("votes") or 0)
        rows.append(
            ProjectResult(
                project=project,
                votes=votes,
                score=_number(explanation.get("score")),
                funded=project.pk in funded_ids,
                reason_code=str(explanation.get("reason", "")),
                reason=explanation_sentence(explanation, currency),
                share_of_votes=votes / run.ballots_counted if run.ballots_counted else 0.0,
                computed_funded=bool(explanation.get("funded")),
            )
        )
    rows.sort(key=lambda r: (not r.funded, -r.score, r.project.short_code))
    notes = tuple(
        OverrideNote(
            kind=o.kind,
            project=o.project,
            budget=o.budget,
            reason=o.reason,
            created_at=o.created_at,
        )
        for o in final.overrides
    )
    return PotResult(
        pot=run.pot,
        rule=run.rule,
        rule_label=str(TallyRule(run.rule).label) if run.rule in TallyRule.values else run.rule,
        budget=final.budget,
        spent=final.spent,
        ballots=run.ballots_counted,
        computed_at=run.computed_at,
        projects=rows,
        computed_budget=run.budget if notes else None,
        computed_spent=run.spent if notes else None,
        overrides=notes,
    )


def process_results(process: Process) -> list[PotResult] | None:
    """Published results of every pot, city-wide first; None until publication."""
    if process.results_published_at is None:
        return None
    runs: dict[int, TallyRun] = {}
    for run in TallyRun.objects.filter(pot__process=process).select_related(
        "pot", "pot__neighbourhood"
    ):
        if run.pot_id not in runs or run.computed_at > runs[run.pot_id].computed_at:
            runs[run.pot_id] = run
    results = [pot_result_from_run(run, process.currency) for run in runs.values()]
    results.sort(key=lambda r: (r.pot.neighbourhood_id is not None, r.pot.name))
    return results
