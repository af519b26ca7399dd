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

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from budgets.models import OutcomeOverride, OverrideKind, Pot, Project, TallyRun
from core.l10n import money, number_text
from core.models import BallotType, Process, TallyRule


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
    # "12 votes", "12 supporters, 40 points", "ranked by 12, 40 rank points": the
    # count in the words of the ballot type (never "votes" for points or ranks).
    count_text: str = ""

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
    currency: str = ""

    @property
    def summary(self) -> str:
        if self.kind == OverrideKind.BUDGET:
            amount = money(self.budget, self.currency) if self.budget is not None else ""
            return _("The budget was raised to %(amount)s and counted again.") % {"amount": amount}
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
    # Sentences about the whole pot: nobody voted in it; Add1 raised the equal share.
    notes: tuple[str, ...] = ()
    # The column heading for ``ProjectResult.count_text``.
    count_heading: str = ""

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


def _points(text: Any) -> str:
    """A score as residents read it: whole points without decimals."""
    value = _number(text)
    return number_text(value)


def count_text(explanation: dict[str, Any], ballot_type: str) -> str:
    """How many chose the project, in the ballot type's words."""
    votes = int(explanation.get("votes") or 0)
    points = _points(explanation.get("score"))
    if ballot_type == BallotType.CUMULATIVE:
        return ngettext(
            "%(n)d supporter, %(points)s points",
            "%(n)d supporters, %(points)s points",
            votes,
        ) % {"n": votes, "points": points}
    if ballot_type == BallotType.RANKED:
        return ngettext(
            "ranked by %(n)d resident, %(points)s rank points",
            "ranked by %(n)d residents, %(points)s rank points",
            votes,
        ) % {"n": votes, "points": points}
    return ngettext("%(n)d vote", "%(n)d votes", votes) % {"n": votes}


def count_heading(ballot_type: str) -> str:
    if ballot_type == BallotType.CUMULATIVE:
        return _("Points")
    if ballot_type == BallotType.RANKED:
        return _("Rank")
    return _("Votes")


def explanation_sentence(
    explanation: dict[str, Any],
    currency: str,
    *,
    ballot_type: str = BallotType.APPROVAL,
    details: dict[str, Any] | None = None,
) -> str:
    """One sentence, in the active language, saying why a project was (not) funded.

    ``ballot_type`` chooses the words for the count (votes, points, rank);
    ``details`` (the outcome's) lets an Equal Shares price above the stated share be
    explained: Add1 raised the share, and the sentence says from what to what."""
    code = explanation.get("reason", "")
    votes = int(explanation.get("votes") or 0)
    cost = money(_number(explanation.get("cost")), currency)
    counted = count_text(explanation, ballot_type)
    if code == "funded":
        stage = explanation.get("stage")
        if stage == "mes":
            payers = int(explanation.get("supporters_paying_full") or 0) + int(
                explanation.get("supporters_paying_all_left") or 0
            )
            price = money(_number(explanation.get("price_per_supporter")), currency)
            sentence = ngettext(
                "Funded by equal shares: %(n)d supporter paid up to %(price)s.",
                "Funded by equal shares: %(n)d supporters paid up to %(price)s each.",
                payers,
            ) % {"n": payers, "price": price}
            raised = add1_raise(details or {})
            if raised is not None and _number(explanation.get("price_per_supporter")) > (raised[0]):
                sentence += " " + _(
                    "That is more than the stated share of %(stated)s because the shares "
                    "were raised to %(raised)s each (see above)."
                ) % {"stated": money(raised[0], currency), "raised": money(raised[1], currency)}
            return sentence
        left = money(_number(explanation.get("remaining_budget")), currency)
        if stage == "completion":
            return _(
                "Funded with money left over after equal shares (completion), by its "
                "number of supporters (%(count)s); %(left)s left after it."
            ) % {"count": counted, "left": left}
        return _("Funded in order of %(what)s (%(count)s); %(left)s left after it.") % {
            "what": _order_word(ballot_type),
            "count": counted,
            "left": left,
        }
    if code == "did_not_fit":
        left = money(_number(explanation.get("remaining_budget")), currency)
        return _("Did not fit: %(left)s left when its turn came, and it costs %(cost)s.") % {
            "left": left,
            "cost": cost,
        }
    if code == "below_threshold":
        if ballot_type in (BallotType.CUMULATIVE, BallotType.RANKED):
            return _("Not eligible: below the minimum score (%(count)s).") % {"count": counted}
        return _("Not eligible: below the minimum number of votes (%(count)s).") % {
            "count": counted
        }
    if code == "unaffordable":
        left = money(_number(explanation.get("supporters_money_left")), currency)
        return ngettext(
            "Not funded: its %(votes)d supporter had %(left)s left of an equal share; "
            "it costs %(cost)s.",
            "Not funded: its %(votes)d supporters had %(left)s left of their equal shares; "
            "it costs %(cost)s.",
            votes,
        ) % {"votes": votes, "left": left, "cost": cost}
    if code == "no_ballots":
        return _("Not funded: no ballots were cast in this budget, so nothing is funded.")
    if code == "no_supporters":
        if ballot_type == BallotType.RANKED:
            return _("Not funded: nobody ranked it. A project needs at least one supporter.")
        return _("Not funded: nobody chose it. A project needs at least one supporter.")
    if code == "too_few_supporters":
        need = int((details or {}).get("min_supporters") or 0)
        return ngettext(
            "Not funded: %(n)d supporter, fewer than the %(need)d a project needs.",
            "Not funded: %(n)d supporters, fewer than the %(need)d a project needs.",
            votes,
        ) % {"n": votes, "need": need}
    return _("Not funded.")


@dataclass(frozen=True)
class RunOutcome:
    """A counted outcome after staff overrides: the funded project ids (in order), the
    budget and the spending. Without overrides these are the run's own."""

    selected: list[int]
    budget: Decimal
    spent: Decimal
    overrides: list[OutcomeOverride]


def _overrides_prefetch() -> Prefetch[Any]:
    return Prefetch(
        "overrides",
        queryset=OutcomeOverride.objects.select_related("project").order_by("created_at", "pk"),
    )


def run_outcome(run: TallyRun) -> RunOutcome:
    """The one place overrides apply (see ``OutcomeOverride`` for the order). Reads
    the run's overrides, or uses them when the caller prefetched them
    (``_overrides_prefetch``, as ``process_funded_ids`` does for every pot at once)."""
    if "overrides" in getattr(run, "_prefetched_objects_cache", {}):
        overrides = list(run.overrides.all())
    else:
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


def process_funded_ids(process: Process) -> list[int] | None:
    """Every project the published outcome of ``process`` funds, overrides included
    (``run_outcome`` of each pot's latest run), in id order; None before publication.
    Two queries whatever the number of pots (runs, then their overrides), plus the
    costs of an overridden pot's list."""
    if process.results_published_at is None:
        return None
    latest: dict[int, TallyRun] = {}
    runs = (
        TallyRun.objects.filter(pot__process=process)
        .defer("outcome")
        .order_by("computed_at", "pk")
        .prefetch_related(_overrides_prefetch())
    )
    for run in runs:
        latest[run.pot_id] = run  # the last one per pot, as ``pot_latest_run``
    return sorted({int(pk) for run in latest.values() for pk in run_outcome(run).selected})


def project_funded(project: Project) -> bool:
    """Whether the published outcome (overrides included) funds ``project``."""
    if project.process.results_published_at is None:
        return False
    run = pot_latest_run(project.pot)
    return run is not None and project.pk in run_outcome(run).selected


def _order_word(ballot_type: str) -> str:
    if ballot_type == BallotType.CUMULATIVE:
        return _("points")
    if ballot_type == BallotType.RANKED:
        return _("rank points")
    return _("votes")


def add1_raise(details: dict[str, Any]) -> tuple[Decimal, Decimal] | None:
    """``(stated share, raised share)`` per voter when Add1 raised the equal share."""
    initial, reached = details.get("initial_per_voter_budget"), details.get("per_voter_budget")
    if initial is None or reached is None:
        return None
    stated, raised = _number(initial), _number(reached)
    return (stated, raised) if raised > stated else None


def pot_notes(details: dict[str, Any], ballots: int, currency: str) -> tuple[str, ...]:
    """What a reader must know about the pot as a whole, before the per-project reasons."""
    notes = []
    if ballots == 0:
        notes.append(_("No ballots were cast in this budget, so no project is funded."))
    raised = add1_raise(details)
    if raised is not None:
        notes.append(
            _(
                "Equal shares: the budget divided by the %(n)d voters gave each a share of "
                "%(stated)s. At that share money would have been left unspent, so the "
                "shares were raised (Add1) by %(step)s to %(raised)s each, the most that "
                "still fits the budget. A supporter may therefore pay more than %(stated)s."
            )
            % {
                "n": int(details.get("voters") or ballots),
                "stated": money(raised[0], currency),
                "step": money(raised[1] - raised[0], currency),
                "raised": money(raised[1], currency),
            }
        )
    return tuple(notes)


def pot_result_from_run(
    run: TallyRun, currency: str, ballot_type: str = BallotType.APPROVAL
) -> PotResult:
    outcome = run.outcome
    details = outcome.get("details", {}) or {}
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
                reason=explanation_sentence(
                    explanation, currency, ballot_type=ballot_type, details=details
                ),
                share_of_votes=votes / run.ballots_counted if run.ballots_counted else 0.0,
                computed_funded=bool(explanation.get("funded")),
                count_text=count_text(explanation, ballot_type),
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
            currency=currency,
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
        notes=pot_notes(details, run.ballots_counted, currency),
        count_heading=count_heading(ballot_type),
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
    results = [
        pot_result_from_run(run, process.currency, process.ballot_type) for run in runs.values()
    ]
    results.sort(key=lambda r: (r.pot.neighbourhood_id is not None, r.pot.name))
    return results
