"""Counting the ballots in the database with the rules of budgets/rules.

``election_for_pot`` turns one pot's ballots into a rules-engine ``Election`` with a
set-based query: identical ballots are merged *in the database* (PostgreSQL groups
ballots by their sorted selection signature), so the engine sees one weighted ballot
per distinct ballot — about a quarter of the rows on real city data — and Python
never holds one object per voter. Other databases (SQLite, for `make run`) stream the
selections and merge in Python; both paths give the same Election (tested).
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from fractions import Fraction

from django.db import connection

from budgets.models import Ballot, Pot, Project, Selection
from budgets.rules import run_rule
from budgets.rules.election import Ballot as RuleBallot
from budgets.rules.election import Election, Outcome
from budgets.rules.election import Project as RuleProject
from core.models import BallotType, Process, TallyRule

# The rules engine breaks ties by project id compared as strings; zero-padded short codes
# make that "the lower project number wins", which residents can check on the ballot.
ID_WIDTH = 6


def rule_project_id(short_code: int) -> str:
    return f"{short_code:0{ID_WIDTH}d}"


_VOTE_TYPE = {
    BallotType.APPROVAL: "approval",
    BallotType.K_OF_N: "approval",
    BallotType.CUMULATIVE: "cumulative",
    BallotType.RANKED: "ordinal",
}

# Signature of one ballot, by vote type: approval "12,15,31" (project ids ascending);
# cumulative "12:3,15:2" (id:points, ids ascending); ordinal "31,12,15" (by rank).
_SIG_ITEM = {
    "approval": "s.project_id::text",
    "cumulative": "s.project_id::text || ':' || s.points::text",
    "ordinal": "s.project_id::text",
}
_SIG_ORDER = {"approval": "s.project_id", "cumulative": "s.project_id", "ordinal": "s.rank"}
_PG_SIGNATURES = """
SELECT sig, COUNT(*) FROM (
    SELECT string_agg({item}, ',' ORDER BY {order}) AS sig
    FROM budgets_selection s
    JOIN budgets_ballot b ON b.id = s.ballot_id
    WHERE b.pot_id = %s AND b.voided_at IS NULL AND NOT b.test
    GROUP BY s.ballot_id
) AS per_ballot
GROUP BY sig
"""


def ballot_signatures(pot: Pot, vote_type: str) -> Counter[str]:
    """Distinct ballots of ``pot`` (signatures as above) and how many voters cast each.

    On PostgreSQL the grouping happens in SQL and only distinct ballots cross the wire;
    elsewhere the selections are streamed in ballot order and grouped here."""
    if connection.vendor == "postgresql":
        sql = _PG_SIGNATURES.format(item=_SIG_ITEM[vote_type], order=_SIG_ORDER[vote_type])
        with connection.cursor() as cursor:
            cursor.execute(sql, [pot.pk])
            return Counter(dict(cursor.fetchall()))
    order = "rank" if vote_type == "ordinal" else "project_id"
    signatures: Counter[str] = Counter()
    current: int | None = None
    items: list[str] = []
    rows = (
        Selection.objects.filter(
            ballot__pot=pot, ballot__voided_at__isnull=True, ballot__test=False
        )
        .order_by("ballot_id", order)
        .values_list("ballot_id", "project_id", "points")
        .iterator(chunk_size=5000)
    )
    for ballot_id, project_id, points in rows:
        if ballot_id != current:
            if items:
                signatures[",".join(items)] += 1
            current, items = ballot_id, []
        items.append(f"{project_id}:{points}" if vote_type == "cumulative" else str(project_id))
    if items:
        signatures[",".join(items)] += 1
    return signatures


def election_for_pot(process: Process, pot: Pot) -> tuple[Election, dict[str, Project]]:
    """The pot's election for the rules engine, and the map from rule ids to projects."""
    projects = list(Project.objects.filter(pot=pot, withdrawn=False).order_by("short_code"))
    by_pk = {p.pk: rule_project_id(p.short_code) for p in projects}
    vote_type = _VOTE_TYPE[BallotType(process.ballot_type)]
    ballots = []
    signatures = ballot_signatures(pot, vote_type)
    # Ballots whose every selection was withdrawn, or imported blank ballots, still
    # count as voters: MES divides the budget by the number of voters.
    blank = Ballot.objects.filter(pot=pot).counted().count() - sum(signatures.values())
    rule_ids = {str(pk): rule_id for pk, rule_id in by_pk.items()}
    for signature, weight in signatures.items():
        scores: dict[str, Fraction | int]
        # Selections of withdrawn projects are dropped: they do not count.
        if vote_type == "cumulative":
            pairs = (item.split(":") for item in signature.split(","))
            scores = {rule_ids[pk]: int(points) for pk, points in pairs if pk in rule_ids}
        elif vote_type == "ordinal":
            # A rank keeps its points even if a project ranked above it was withdrawn.
            ranked = signature.split(",")
            k = process.max_projects or len(ranked)
            scores = {
                rule_ids[pk]: k - position for position, pk in enumerate(ranked) if pk in rule_ids
            }
        else:
            scores = {rule_ids[pk]: 1 for pk in signature.split(",") if pk in rule_ids}
        if scores:
            ballots.append(RuleBallot(scores=scores, weight=weight))
        else:
            blank += weight
    if blank:
        ballots.append(RuleBallot(scores={}, weight=blank))
    threshold = process.min_votes_threshold
    election = Election(
        budget=Fraction(pot.amount),
        projects=tuple(RuleProject(id=by_pk[p.pk], cost=Fraction(p.cost)) for p in projects),
        ballots=tuple(ballots),
        vote_type=vote_type,
        min_score_threshold=Fraction(threshold) if threshold is not None else None,
        min_supporters=process.min_supporters,
    )
    return election, {by_pk[p.pk]: p for p in projects}


def tally_pot(process: Process, pot: Pot) -> tuple[Outcome, dict[str, Project], int]:
    election, projects = election_for_pot(process, pot)
    outcome = run_rule(TallyRule(process.rule).value, election)
    return outcome, projects, election.num_voters


def tally_process(process: Process) -> dict[int, Outcome]:
    """The outcome of every pot of ``process`` under its rule, keyed by pot id. Pure
    read: publishing (and freezing) results is budgets.services.results_publish."""
    return {pot.pk: tally_pot(process, pot)[0] for pot in process.pots.order_by("pk")}


def decimal_from_fraction(value: Fraction) -> Decimal:
    """Money back to Decimal; costs are in cents so sums of them are exact decimals."""
    return Decimal(value.numerator) / Decimal(value.denominator)
