"""One pot of the database out as a Pabulib file (see ../shared/pabulib/FORMAT.md),
with anonymous ballots, only after results are published."""

from __future__ import annotations

import re
import secrets
from fractions import Fraction
from typing import TextIO

from django.conf import settings

from budgets.models import Ballot, PabulibSource, Pot, Project, Selection, TallyRun
from budgets.pabulib.pb_file import PbProject, PbVote, write_pb
from budgets.results import pot_latest_run, run_outcome
from budgets.rules.election import fraction_str
from budgets.tally import rule_project_id
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
    # Pabulib has no name for MES completed greedily: "equalshares" would tell the
    # checker (and readers) to expect plain MES. Say "unknown" and explain in a comment.
    TallyRule.MES_COMPLETED: "unknown",
    TallyRule.MES_ADD1: "equalshares/add1",
}
_RULE_COMMENT = {
    TallyRule.MES_COMPLETED: "the rule is the Method of Equal Shares (cost utilities) "
    "completed greedily by votes",
}


class PbExportRefused(Exception):
    pass


# Descriptive META an imported file had, written back as it was.
_SOURCE_META = (
    "description",
    "country",
    "unit",
    "district",
    "subunit",
    "instance",
    "date_begin",
    "date_end",
    "neighborhoods",
    "subdistricts",
    "categories",
    "edition",
    "language",
    "comment",
    "acknowledgments",
)


def _published_run(pot: Pot) -> TallyRun:
    run = pot_latest_run(pot)
    if run is None:
        raise PbExportRefused(f"pot {pot.pk} has no published result")
    return run


def pot_export_pabulib(process: Process, pot: Pot, stream: TextIO) -> int:
    """Write one pot as a .pb file; returns the number of ballots written.

    - Refused until results are published (counts stay secret until then).
    - PROJECTS carry the published outcome (``selected``) and the published counts.
    - The VOTES section is anonymous (voter ids 1..n in a random order, so the file's
      order says nothing about who cast when) and left empty for a pot with fewer than
      ``settings.EXPORT_MIN_BALLOTS`` counted ballots, where it would show individual
      voters' choices; META ``comment`` says so.
    - An imported process keeps the original file's country, unit, instance, dates.
    """
    if process.results_published_at is None:
        raise PbExportRefused("results are not published yet: exports would reveal counts")
    run = _published_run(pot)
    projects = list(Project.objects.filter(pot=pot, withdrawn=False).order_by("short_code"))
    ids = {p.pk: p.external_id or str(p.short_code) for p in projects}
    vote_type = _VOTE_TYPE_OUT[BallotType(process.ballot_type)]
    counted = Ballot.objects.filter(pot=pot).counted().count()
    withheld = counted < settings.EXPORT_MIN_BALLOTS
    votes = [] if withheld else _anonymous_votes(pot, ids, vote_type)
    source = PabulibSource.objects.filter(process=process).first()
    meta = _meta(process, pot, vote_type, source.meta if source else {})
    comments = []
    if process.rule in _RULE_COMMENT:
        comments.append(_RULE_COMMENT[TallyRule(process.rule)])
    if withheld and counted:
        comments.append(
            f"the {counted} ballots of this pot are withheld: fewer than "
            f"{settings.EXPORT_MIN_BALLOTS} would show individual voters' choices"
        )
    if comments:
        meta["comment"] = " ".join(f"#{n}: {text}" for n, text in enumerate(comments, start=1))
    explanations = run.outcome.get("explanations", {})
    final = run_outcome(run)
    selected = set(final.selected)
    if final.overrides:
        # The file's outcome is the published one; say that staff adjusted the count.
        # ";" separates fields in a .pb file: reasons keep their words, not that mark.
        reasons = " / ".join(" ".join(o.reason.replace(";", ",").split()) for o in final.overrides)
        note = f"#{len(comments) + 1}: the city adjusted the computed outcome: {reasons}"
        meta["comment"] = f"{meta['comment']} {note}" if "comment" in meta else note
    scored = vote_type in ("cumulative", "ordinal")

    def fields(project: Project) -> dict[str, str]:
        explanation = explanations.get(rule_project_id(project.short_code), {})
        out = {"votes": str(int(explanation.get("votes") or 0))}
        if scored:
            out["score"] = fraction_str(Fraction(str(explanation.get("score") or 0)))
        out["name"] = project.title
        out["selected"] = "1" if project.pk in selected else "0"
        return out

    write_pb(
        stream,
        meta,
        (
            PbProject(project_id=ids[p.pk], cost=Fraction(p.cost), fields=fields(p))
            for p in projects
        ),
        votes,
    )
    return len(votes)


def _anonymous_votes(pot: Pot, ids: dict[int, str], vote_type: str) -> list[PbVote]:
    rows: dict[int, list[tuple[int, int, int | None]]] = {}
    selections = (
        Selection.objects.filter(
            ballot__pot=pot,
            ballot__voided_at__isnull=True,
            ballot__test=False,
            project__withdrawn=False,
        )
        .order_by("ballot_id", "rank", "-points", "project__short_code")
        .values_list("ballot_id", "project_id", "points", "rank")
        .iterator(chunk_size=BATCH)
    )
    for ballot_id, project_id, points, rank in selections:
        rows.setdefault(ballot_id, []).append((project_id, points, rank))
    empty = Ballot.objects.filter(pot=pot).counted().count() - len(rows)
    ballots = list(rows.values()) + [[] for _ in range(empty)]
    secrets.SystemRandom().shuffle(ballots)
    return [
        PbVote(
            voter_id=str(number),
            vote=tuple(ids[p] for p, _pts, _r in items),
            points=tuple(Fraction(pts) for _p, pts, _r in items)
            if vote_type == "cumulative"
            else None,
        )
        for number, items in enumerate(ballots, start=1)
    ]


def _meta(process: Process, pot: Pot, vote_type: str, source: dict[str, str]) -> dict[str, object]:
    voting = process.phases.filter(kind=PhaseKind.VOTING).first()
    meta: dict[str, object] = {
        "description": re.sub(r"\s+", " ", process.description).strip() or process.title,
        "country": settings.CITY_COUNTRY or "Worldwide",
        "unit": settings.CITY_NAME or process.title,
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
    for key in _SOURCE_META:
        value = source.get(key)
        if value and value.lower() != "none":
            meta[key] = value
    return meta
