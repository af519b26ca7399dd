"""One pot of the database out as a Pabulib file (see ../shared/pabulib/FORMAT.md),
with anonymous ballots, only after results are published."""

from __future__ import annotations

import re
import secrets
from fractions import Fraction
from typing import TextIO

from budgets.models import Ballot, Pot, Project, Selection
from budgets.pabulib.pb_file import PbProject, PbVote, write_pb
from core.models import BallotType, PhaseKind, Process, TallyRule

# Selections are streamed in chunks of this many rows.
BATCH = 5000

_VOTE_TYPE_OUT = {
    BallotType.APPROVAL: "approval",
    BallotType.K_OF_N: "approval",
    BallotType.CUMULATIVE: "cumulative",
    BallotType.RANKED: "ordinal",
}
_RULE_OUT = {
    TallyRule.GREEDY: "greedy",
    TallyRule.GREEDY_SCORE: "greedy",
    TallyRule.GREEDY_THRESHOLD: "greedy-threshold",
    TallyRule.MES: "equalshares",
    TallyRule.MES_COMPLETED: "equalshares",
    TallyRule.MES_ADD1: "equalshares/add1",
}


class PbExportRefused(Exception):
    pass


def pot_export_pabulib(process: Process, pot: Pot, stream: TextIO) -> int:
    """Write one pot as a .pb file with anonymous ballots; returns the ballot count.

    Refused until results are published (counts stay secret until then). Voter ids
    are 1..n in a random order, so the file's order says nothing about who cast when.
    """
    if process.results_published_at is None:
        raise PbExportRefused("results are not published yet: exports would reveal counts")
    projects = list(Project.objects.filter(pot=pot, withdrawn=False).order_by("short_code"))
    ids = {p.pk: p.external_id or str(p.short_code) for p in projects}
    rows: dict[int, list[tuple[int, int, int | None]]] = {}
    selections = (
        Selection.objects.filter(ballot__pot=pot, project__withdrawn=False)
        .order_by("ballot_id", "rank", "-points", "project__short_code")
        .values_list("ballot_id", "project_id", "points", "rank")
        .iterator(chunk_size=BATCH)
    )
    for ballot_id, project_id, points, rank in selections:
        rows.setdefault(ballot_id, []).append((project_id, points, rank))
    empty = Ballot.objects.filter(pot=pot).count() - len(rows)
    ballots = list(rows.values()) + [[] for _ in range(empty)]
    secrets.SystemRandom().shuffle(ballots)
    vote_type = _VOTE_TYPE_OUT[BallotType(process.ballot_type)]
    votes_count: dict[int, int] = {p.pk: 0 for p in projects}
    votes = []
    for number, items in enumerate(ballots, start=1):
        for project_id, _points, _rank in items:
            votes_count[project_id] += 1
        votes.append(
            PbVote(
                voter_id=str(number),
                vote=tuple(ids[p] for p, _pts, _r in items),
                points=tuple(Fraction(pts) for _p, pts, _r in items)
                if vote_type == "cumulative"
                else None,
            )
        )
    voting = process.phases.filter(kind=PhaseKind.VOTING).first()
    meta: dict[str, object] = {
        "description": re.sub(r"\s+", " ", process.description).strip() or process.title,
        "country": "Worldwide",
        "unit": process.title,
        "instance": process.slug,
        "budget": str(pot.amount),
        "vote_type": vote_type,
        "rule": _RULE_OUT[TallyRule(process.rule)],
        "currency": process.currency,
    }
    if pot.neighbourhood_id:
        meta["district"] = pot.name
    if voting:
        meta["date_begin"] = voting.starts_at.strftime("%d.%m.%Y")
        meta["date_end"] = voting.ends_at.strftime("%d.%m.%Y")
    if process.min_projects > 1:
        meta["min_length"] = process.min_projects
    if process.max_projects:
        meta["max_length"] = process.max_projects
    if vote_type == "cumulative" and process.max_total_points:
        meta["max_sum_points"] = process.max_total_points
    if vote_type == "cumulative" and process.max_points_per_project:
        meta["max_points"] = process.max_points_per_project
    if process.min_votes_threshold is not None:
        meta["min_project_score_threshold"] = process.min_votes_threshold
    write_pb(
        stream,
        meta,
        (
            PbProject(
                project_id=ids[p.pk],
                cost=Fraction(p.cost),
                fields={"name": p.title, "votes": str(votes_count[p.pk])},
            )
            for p in projects
        ),
        votes,
    )
    return len(votes)
