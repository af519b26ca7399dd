"""The ballot rules of a process, checked once for every channel.

``ballot_problems`` is pure: given the process's limits, one pot and the choices, it
returns every problem found (not only the first), each as a structured
``BallotProblem`` that the web, SMS and API layers render in the resident's language.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from budgets.ballot_limits import ballot_limits
from budgets.models import Pot, Project
from core.l10n import money
from core.models import BallotType, Process


@dataclass(frozen=True)
class Choice:
    """One line of a ballot: a project (by id) and its points. For ranked ballots the
    order of the choices is the ranking, most preferred first."""

    project_id: int
    points: int = 1


# Message templates keyed by problem code. Params are filled at render time, in the
# language active then, so one problem renders in English on the web and in Spanish
# in an SMS reply.
_MESSAGES: dict[str, Any] = {
    "voting_closed": _("Voting is closed."),
    "voting_not_open": _("Voting has not started yet."),
    "empty": _("Choose at least one project."),
    "unknown_project": _("There is no project {codes} on this ballot."),
    "duplicate_project": _("Project {codes} is chosen more than once."),
    "wrong_neighbourhood": _("Project {codes} belongs to another neighbourhood's ballot ({pot})."),
    "voted_in_other_neighbourhood": _(
        "You already voted on the {pot} neighbourhood ballot; one neighbourhood ballot per "
        "resident."
    ),
    "neighbourhood_needed": _(
        "Project {codes} is on a neighbourhood ballot: tell us your neighbourhood first."
    ),
    "over_budget": _(
        "Your choices cost {total}, which is {over} over the limit of {cap}. "
        "Remove a project to fit."
    ),
    "under_min_cost": _("Your choices cost {total}; spend at least {minimum}."),
    "points_per_project": _("Project {codes}: at most {maximum} points per project."),
    "points_total": _("You gave {total} points; the most you can give is {maximum}."),
    "points_invalid": _("Points must be whole numbers of at least 1 (project {codes})."),
    "paper_is_final": _(
        "You voted on paper at a poll site on {when}; a paper ballot is final and cannot be "
        "changed online."
    ),
}


@dataclass(frozen=True)
class BallotProblem:
    """One broken rule. ``pot_id``: the pot it concerns, when it concerns one;
    ``project_ids``: the projects it names. Channels point at these (the web form links
    the message to that pot or project) instead of reading the message."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)
    pot_id: int | None = None
    project_ids: tuple[int, ...] = ()

    def message(self) -> str:
        if self.code == "too_few":
            n = int(self.params["minimum"])
            return ngettext(
                "Choose at least %(n)d project.", "Choose at least %(n)d projects.", n
            ) % {"n": n}
        if self.code == "too_many":
            n = int(self.params["maximum"])
            return ngettext(
                "Choose at most %(n)d project (you chose %(chosen)d).",
                "Choose at most %(n)d projects (you chose %(chosen)d).",
                n,
            ) % {"n": n, "chosen": int(self.params["chosen"])}
        return str(_MESSAGES[self.code]).format(**self.params)

    def __str__(self) -> str:
        return self.message()


def _codes(projects: Sequence[Project]) -> str:
    return ", ".join(str(p.short_code) for p in projects)


def ballot_problems(
    *, process: Process, pot: Pot, chosen: Sequence[tuple[Project, int]]
) -> list[BallotProblem]:
    """Every rule broken by ``chosen`` (project, points) for one pot of ``process``,
    each problem tagged with that pot (and the projects it names)."""
    limits = ballot_limits(process, pot)
    problems: list[BallotProblem] = []

    def problem(code: str, params: dict[str, Any], projects: Sequence[Project] = ()) -> None:
        problems.append(
            BallotProblem(code, params, pot_id=pot.pk, project_ids=tuple(p.pk for p in projects))
        )

    n = len(chosen)
    if n < limits.min_projects:
        if n:
            problem("too_few", {"minimum": limits.min_projects})
        else:
            problem("empty", {})
    if limits.max_projects is not None and n > limits.max_projects:
        problem("too_many", {"maximum": limits.max_projects, "chosen": n})

    total = sum((p.cost for p, _ in chosen), Decimal(0))
    if limits.spending_cap is not None and limits.over_budget(total):
        cap = limits.spending_cap
        problem(
            "over_budget",
            {
                "total": money(total, process.currency),
                "cap": money(cap, process.currency),
                "over": money(total - cap, process.currency),
            },
        )
    if limits.min_total_cost is not None and total < limits.min_total_cost:
        problem(
            "under_min_cost",
            {
                "total": money(total, process.currency),
                "minimum": money(limits.min_total_cost, process.currency),
            },
        )
    if process.ballot_type == BallotType.CUMULATIVE:
        bad = [p for p, points in chosen if points < 1]
        if bad:
            problem("points_invalid", {"codes": _codes(bad)}, bad)
        if limits.max_points_per_project is not None:
            over = [p for p, points in chosen if points > limits.max_points_per_project]
            if over:
                problem(
                    "points_per_project",
                    {"codes": _codes(over), "maximum": limits.max_points_per_project},
                    over,
                )
        total_points = sum(points for _, points in chosen)
        if limits.max_total_points is not None and total_points > limits.max_total_points:
            problem("points_total", {"total": total_points, "maximum": limits.max_total_points})
    return problems
