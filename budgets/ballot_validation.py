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

from budgets.models import Pot, Project
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
}


@dataclass(frozen=True)
class BallotProblem:
    code: str
    params: Mapping[str, Any] = field(default_factory=dict)

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


def money(amount: Decimal, currency: str) -> str:
    text = f"{amount:,.2f}".removesuffix(".00")
    return f"{text} {currency}"


def ballot_problems(
    *, process: Process, pot: Pot, chosen: Sequence[tuple[Project, int]]
) -> list[BallotProblem]:
    """Every rule broken by ``chosen`` (project, points) for one pot of ``process``."""
    problems: list[BallotProblem] = []
    n = len(chosen)
    if n < max(process.min_projects, 1):
        problems.append(
            BallotProblem("too_few", {"minimum": max(process.min_projects, 1)})
            if n
            else BallotProblem("empty")
        )
    if process.max_projects is not None and n > process.max_projects:
        problems.append(BallotProblem("too_many", {"maximum": process.max_projects, "chosen": n}))

    if process.ballot_type == BallotType.APPROVAL:
        total = sum((p.cost for p, _ in chosen), Decimal(0))
        cap = process.max_total_cost if process.max_total_cost is not None else pot.amount
        cap = min(cap, pot.amount)
        if total > cap:
            problems.append(
                BallotProblem(
                    "over_budget",
                    {
                        "total": money(total, process.currency),
                        "cap": money(cap, process.currency),
                        "over": money(total - cap, process.currency),
                    },
                )
            )
        if process.min_total_cost is not None and total < process.min_total_cost:
            problems.append(
                BallotProblem(
                    "under_min_cost",
                    {
                        "total": money(total, process.currency),
                        "minimum": money(process.min_total_cost, process.currency),
                    },
                )
            )
    elif process.ballot_type == BallotType.CUMULATIVE:
        bad = [p for p, points in chosen if points < 1]
        if bad:
            problems.append(BallotProblem("points_invalid", {"codes": _codes(bad)}))
        if process.max_points_per_project is not None:
            over = [p for p, points in chosen if points > process.max_points_per_project]
            if over:
                problems.append(
                    BallotProblem(
                        "points_per_project",
                        {"codes": _codes(over), "maximum": process.max_points_per_project},
                    )
                )
        total_points = sum(points for _, points in chosen)
        if process.max_total_points is not None and total_points > process.max_total_points:
            problems.append(
                BallotProblem(
                    "points_total", {"total": total_points, "maximum": process.max_total_points}
                )
            )
    return problems
