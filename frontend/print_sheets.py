"""Print-ready pages: voter letters and code sheets (from codes just issued, shown
once), and the paper ballot of a process. Plain HTML with print CSS (A4/Letter, one
letter per page), rendered in the language asked for.

Letters are rendered from the codes ``voter_codes_issue`` returned, by the staff page
or ``manage.py voter_letters_render`` (from the CSV the issue command wrote); the
codes are never stored readable, so a letter cannot be printed twice from the
database. The ballot holds no secret: it is a public page too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from budgets.ballot_limits import BallotLimits, ballot_limits
from budgets.models import Pot, Project
from budgets.selectors import projects_on_ballot
from core.l10n import money
from core.models import BallotType, PhaseKind, Process
from core.selectors import process_phase
from maps.models import Neighbourhood
from sms.commands.keywords import Kind, display

PRINT_CSS = Path(__file__).parent / "static" / "frontend" / "print.css"
LAYOUTS = ("letters", "sheet")


def short_url() -> str:
    """What a letter prints for the web: the site and the short path to the code."""
    return f"{settings.PUBLIC_BASE_URL}{reverse('frontend:voter-code-short')}"


def _how_to(process: Process, language: str) -> dict[str, object]:
    voting = process_phase(process, PhaseKind.VOTING)
    return {
        "vote_keyword": display(Kind.VOTE, language),
        "list_keyword": display(Kind.LIST, language),
        "sms_number": settings.SMS_PUBLIC_NUMBER,
        "short_url": short_url(),
        "starts": voting.starts_at if voting else None,
        "ends": voting.ends_at if voting else None,
    }


def voter_letters_html(
    *,
    process: Process,
    codes: Sequence[str],
    language: str,
    layout: str = "letters",
    neighbourhood: Neighbourhood | None = None,
    inline_css: bool = True,
) -> str:
    """Letters (one per page) or a code sheet (slips to cut) for ``codes``, in
    ``language``: the code, the short URL, the SMS number and keyword, how to vote on
    paper. ``inline_css``: embed the print CSS (a file opened from disk)."""
    if layout not in LAYOUTS:
        raise ValueError(f"layout is one of {LAYOUTS}")
    with translation.override(language):
        return render_to_string(
            f"frontend/print/{layout}.html",
            {
                "process": process,
                "codes": list(codes),
                "neighbourhood": neighbourhood,
                "city": settings.CITY_NAME,
                "language": language,
                "css": PRINT_CSS.read_text(encoding="utf-8") if inline_css else "",
                **_how_to(process, language),
            },
        )


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
        **_how_to(process, language),
    }
