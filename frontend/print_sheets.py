"""The paper ballot of a process, print-ready: the projects, their numbers and costs,
and the rules in words. It holds no secret: it is a public page too. (Voter letters
and code sheets are ``accounts.voter_letters``, which the staff pages print too.)
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.voter_letters import voting_how_to
from budgets.ballot_limits import BallotLimits, ballot_limits
from budgets.models import Pot, Project
from budgets.selectors import projects_on_ballot
from core.l10n import money
from core.models import BallotType, Process
from maps.models import Neighbourhood


@dataclass(frozen=True)
class BallotSection:
    pot: Pot
    rules: list[str]
    projects: list[Project]
    mark: str  # what to write in the box: "x", "points" or "rank"


def rules_in_words(process: Process, limits: BallotLimits) -> list[str]:
    """A pot's ballot rules as sentences (the one reading of them: ballot_limits)."""
    currency = process.currency
    rules: list[str] = []
    if limits.ballot_type == BallotType.APPROVAL and limits.spending_cap is not None:
        rules.append(
            _("Choose projects whose costs add up to at most %(cap)s.")
            % {"cap": money(limits.spending_cap, currency)}
        )
        if limits.min_total_cost:
            rules.append(
                _("Spend at least %(minimum)s.")
                % {"minimum": money(limits.min_total_cost, currency)}
            )
    if limits.ballot_type == BallotType.CUMULATIVE:
        if limits.max_total_points:
            rules.append(
                ngettext(
                    "Share out at most %(n)d point among the projects.",
                    "Share out at most %(n)d points among the projects.",
                    limits.max_total_points,
                )
                % {"n": limits.max_total_points}
            )
        if limits.max_points_per_project:
            rules.append(
                ngettext(
                    "Give a project at most %(n)d point.",
                    "Give a project at most %(n)d points.",
                    limits.max_points_per_project,
                )
                % {"n": limits.max_points_per_project}
            )
        rules.append(_("Write the points in the box of each project you support."))
    elif limits.ballot_type == BallotType.RANKED:
        rules.append(_("Write 1 in the box of your first choice, 2 for your second, and so on."))
    else:
        rules.append(_("Mark the box of each project you choose with an X."))
    if limits.max_projects:
        rules.append(
            ngettext(
                "Choose at most %(n)d project.",
                "Choose at most %(n)d projects.",
                limits.max_projects,
            )
            % {"n": limits.max_projects}
        )
    if limits.min_projects > 1:
        rules.append(
            ngettext(
                "Choose at least %(n)d project.",
                "Choose at least %(n)d projects.",
                limits.min_projects,
            )
            % {"n": limits.min_projects}
        )
    return rules


def ballot_sections(
    process: Process, neighbourhood: Neighbourhood | None = None
) -> list[BallotSection]:
    """The ballot's sections: the city-wide pot first, then neighbourhood pots (only
    ``neighbourhood``'s when given)."""
    projects = list(projects_on_ballot(process))
    pots = sorted(
        {p.pot_id: p.pot for p in projects}.values(),
        key=lambda pot: (pot.neighbourhood_id is not None, pot.name),
    )
    if neighbourhood is not None:
        pots = [p for p in pots if p.neighbourhood_id in (None, neighbourhood.pk)]
    mark = {BallotType.CUMULATIVE: "points", BallotType.RANKED: "rank"}.get(
        BallotType(process.ballot_type), "x"
    )
    return [
        BallotSection(
            pot=pot,
            rules=rules_in_words(process, ballot_limits(process, pot)),
            projects=[p for p in projects if p.pot_id == pot.pk],
            mark=mark,
        )
        for pot in pots
    ]


def paper_ballot_context(
    process: Process, language: str, neighbourhood: Neighbourhood | None = None
) -> dict[str, object]:
    return {
        "process": process,
        "sections": ballot_sections(process, neighbourhood),
        "neighbourhood": neighbourhood,
        "city": settings.CITY_NAME,
        "language": language,
        **voting_how_to(process, language),
    }
