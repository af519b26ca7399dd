"""Turns a posted ballot form into ``Choice`` lines for ``ballot_cast``, for each ballot
type, and points every problem at the field it concerns.

Only the shape of the input is checked here (whole numbers, one project per rank); the
rules of the process (budget cap, how many projects, points) are ``ballot_cast``'s and
come back as ``BallotInvalid``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.http import QueryDict
from django.utils.translation import gettext as _

from budgets.ballot_validation import BallotProblem, Choice
from budgets.models import Project
from budgets.selectors import BallotPot
from core.models import BallotType, Process
from frontend.forms import SummaryError

BALLOT_FORM_ID = "ballot-form"
# A bound on what a form can send: stops a crafted POST from handing the service
# thousands of lines or numbers the database column cannot hold.
MAX_LINES = 500
POINTS_CEILING = 10_000


@dataclass
class BallotInput:
    choices: list[Choice] = field(default_factory=list)
    errors: list[SummaryError] = field(default_factory=list)
    # What the resident entered, per project id, to fill the form again on errors:
    # 1 for a ticked box, the points, or the rank.
    values: dict[int, int] = field(default_factory=dict)


def field_id(process: Process, project_pk: int) -> str:
    if process.ballot_type == BallotType.CUMULATIVE:
        return f"points-{project_pk}"
    if process.ballot_type == BallotType.RANKED:
        return f"rank-{project_pk}"
    return f"project-{project_pk}"


def _whole(raw: str) -> int | None:
    text = raw.strip()
    if not text or len(text) > 6 or not text.isdigit():
        return None
    return int(text)


def ballot_input_parse(process: Process, pots: Sequence[BallotPot], data: QueryDict) -> BallotInput:
    offered = [project for pot in pots for project in pot.projects]
    parsed = BallotInput()
    if process.ballot_type in (BallotType.APPROVAL, BallotType.K_OF_N):
        raw_ids = data.getlist("project")[: MAX_LINES + 1]
        if len(raw_ids) > MAX_LINES:
            parsed.errors.append({"target": BALLOT_FORM_ID, "message": _("Too many choices.")})
            return parsed
        for raw in raw_ids:
            pk = _whole(raw)
            if pk is None or pk < 1:
                parsed.errors.append(
                    {"target": BALLOT_FORM_ID, "message": _("One choice is not on this ballot.")}
                )
                continue
            parsed.values[pk] = 1
            parsed.choices.append(Choice(project_id=pk))
        return parsed

    if process.ballot_type == BallotType.CUMULATIVE:
        ceiling = process.max_points_per_project or POINTS_CEILING
        for project in offered:
            raw = data.get(f"points-{project.pk}", "")
            if not raw.strip():
                continue
            points = _whole(raw)
            if points is None or points > POINTS_CEILING:
                parsed.errors.append(
                    {
                        "target": field_id(process, project.pk),
                        "message": _(
                            "Project %(code)s: enter a whole number of points from 0 to %(max)d."
                        )
                        % {"code": project.short_code, "max": ceiling},
                    }
                )
                continue
            if points:
                parsed.values[project.pk] = points
                parsed.choices.append(Choice(project_id=project.pk, points=points))
        return parsed

    # Ranked: the order of the choices is the ranking, most preferred first.
    ranked: list[tuple[int, Project]] = []
    by_rank: dict[int, list[Project]] = {}
    for project in offered:
        raw = data.get(f"rank-{project.pk}", "")
        if not raw.strip():
            continue
        rank = _whole(raw)
        if rank is None or not 1 <= rank <= len(offered):
            parsed.errors.append(
                {
                    "target": field_id(process, project.pk),
                    "message": _("Project %(code)s: choose a rank from the list.")
                    % {"code": project.short_code},
                }
            )
            continue
        parsed.values[project.pk] = rank
        ranked.append((rank, project))
        by_rank.setdefault(rank, []).append(project)
    for rank, projects in sorted(by_rank.items()):
        if len(projects) > 1:
            parsed.errors.append(
                {
                    "target": field_id(process, projects[1].pk),
                    "message": _("Rank %(rank)d is given to more than one project (%(codes)s).")
                    % {
                        "rank": rank,
                        "codes": ", ".join(str(p.short_code) for p in projects),
                    },
                }
            )
    parsed.choices = [
        Choice(project_id=p.pk) for _rank, p in sorted(ranked, key=lambda rp: (rp[0], rp[1].pk))
    ]
    return parsed


def problem_error(
    problem: BallotProblem,
    process: Process,
    pots: Sequence[BallotPot],
) -> SummaryError:
    """A ballot problem in words (in the active language), linked to the first project
    it names when that project is on this form, else to the pot it concerns, else to
    the form. The problem says both (``project_ids``, ``pot_id``)."""
    on_form = {project.pk for pot in pots for project in pot.projects}
    named = [pk for pk in problem.project_ids if pk in on_form]
    if named:
        target = field_id(process, named[0])
    elif problem.pot_id is not None and any(p.pot.pk == problem.pot_id for p in pots):
        target = f"pot-{problem.pot_id}"
    else:
        target = BALLOT_FORM_ID
    return {"target": target, "message": problem.message()}
