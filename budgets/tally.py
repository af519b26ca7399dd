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

from budgets.models import Ballot, BallotType, Pot, Process, Project, Selection, TallyRule
from budgets.rules import run_rule
from budgets.rules.election import Ballot as RuleBallot
from budgets.rules.election import Election, Outcome
from budgets.rules.election import Project as RuleProject

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

# Signature of one ballot: "project:points:rank" items sorted by project id.
_PG_SIGNATURES = """
SELECT sig, COUNT(*) FROM (
    SELECT string_agg(
               s.project_id::text || ':' || s.points::text || ':' || COALESCE(s.rank, 0)::text,
               ',' ORDER BY s.project_id
           ) AS sig
    FROM budgets_selection s
    JOIN budgets_ballot b ON b.id = s.ballot_id
    WHERE b.pot_id = %s
    GROUP BY s.ballot_id
) AS per_ballot
GROUP BY sig
"""


def ballot_signatures(pot: Pot) -> Counter[str]:
    """Distinct ballots of ``pot`` and how many voters cast each one."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_PG_SIGNATURES, [pot.pk])
            return Counter(dict(cursor.fetchall()))
    signatures: Counter[str] = Counter()
    current: int | None = None
    items: list[tuple[int, int, int]] = []
    rows = (
        Selection.objects.filter(ballot__pot=pot)
        .order_by("ballot_id", "project_id")
        .values_list("ballot_id", "project_id", "points", "rank")
        .iterator(chunk_size=5000)
    )
    for ballot_id, project_id, points, rank in rows:
        if ballot_id != current:
            if items:
                signatures[_signature(items)] += 1
            current, items = ballot_id, []
        items.append((project_id, points, rank or 0))
    if items:
        signatures[_signature(items)] += 1
    return signatures


def _signature(items: list[tuple[int, int, int]]) -> str:
    return ",".join(f"{p}:{points}:{rank}" for p, points, rank in items)


def election_for_pot(process: Process, pot: Pot) -> tuple[Election, dict[str, Project]]:
    """The pot's election for the rules engine, and the map from rule ids to projects."""
    projects = list(Project.objects.filter(pot=pot, withdrawn=False).order_by("short_code"))
    by_pk = {p.pk: rule_project_id(p.short_code) for p in projects}
    vote_type = _VOTE_TYPE[BallotType(process.ballot_type)]
    ballots = []
    signatures = ballot_signatures(pot)
    # Ballots whose every selection was withdrawn, or imported blank ballots, still
    # count as voters: MES divides the budget by the number of voters.
    blank = Ballot.objects.filter(pot=pot).count() - sum(signatures.values())
    for signature, weight in signatures.items():
        scores: dict[str, Fraction | int] = {}
        entries = [tuple(int(x) for x in item.split(":")) for item in signature.split(",")]
        k = process.max_projects or len(entries)
        for project_pk, points, rank in entries:
            rule_id = by_pk.get(project_pk)
            if rule_id is None:  # withdrawn after the vote: its selections do not count
                continue
            if vote_type == "ordinal":
                scores[rule_id] = k - (rank - 1)
            elif vote_type == "cumulative":
                scores[rule_id] = points
            else:
                scores[rule_id] = 1
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
