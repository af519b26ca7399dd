"""The minimum number of supporters, honoured by every rule.

A project listed by fewer than ``Election.min_supporters`` ballots is taken out of
the election before a rule runs, and its explanation says why; the rule then sees
only eligible projects, so greedy cannot fund it "because it still fits" and MES
completion cannot add it with the money left over. Ballots keep every voter (a
ballot left empty still counts in ``n``, which sets the equal share).

With ``min_supporters == 0`` (pabutools' behaviour, the engine default) or when
every project has enough supporters, the rule runs on the election unchanged,
so its outcome is exactly what it was before this existed.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from budgets.rules.election import Ballot, Election, Outcome, ProjectExplanation

type Rule = Callable[[Election], Outcome]


def below_minimum(election: Election) -> list[str]:
    """Ids of the projects with fewer supporters than the election's minimum."""
    need = election.min_supporters
    if need <= 0:
        return []
    votes = election.project_votes
    return [p.id for p in election.projects if votes[p.id] < need]


def eligible_election(election: Election, excluded: set[str]) -> Election:
    """``election`` without ``excluded`` projects (and with ``min_supporters`` 0, so a
    rule that calls another rule does not filter twice)."""
    return Election(
        budget=election.budget,
        projects=tuple(p for p in election.projects if p.id not in excluded),
        ballots=tuple(
            Ballot(
                scores={pid: s for pid, s in b.scores.items() if pid not in excluded},
                weight=b.weight,
            )
            for b in election.ballots
        ),
        vote_type=election.vote_type,
        min_score_threshold=election.min_score_threshold,
    )


def _explanation(election: Election, pid: str) -> ProjectExplanation:
    votes = election.project_votes[pid]
    need = election.min_supporters
    if election.num_voters == 0:
        reason, message = "no_ballots", "No ballots were cast in this pot: nothing is funded."
    elif votes == 0:
        reason, message = "no_supporters", "Nobody chose it: a project needs a supporter."
    else:
        reason = "too_few_supporters"
        message = f"{votes} supporter(s), fewer than the {need} a project needs."
    return ProjectExplanation(
        project_id=pid,
        cost=election.project(pid).cost,
        votes=votes,
        score=election.project_scores[pid],
        funded=False,
        reason=reason,
        message=message,
        stage="eligibility",
    )


def honours_min_supporters(rule: Rule) -> Rule:
    """Wrap a rule so projects below ``min_supporters`` are never funded."""

    @wraps(rule)
    def run(election: Election) -> Outcome:
        if election.min_supporters <= 0:
            return rule(election)
        excluded = below_minimum(election)
        if not excluded:
            outcome = rule(election)
        else:
            outcome = rule(eligible_election(election, set(excluded)))
            explanations = dict(outcome.explanations)
            for pid in excluded:
                explanations[pid] = _explanation(election, pid)
            outcome.explanations = {p.id: explanations[p.id] for p in election.projects}
        outcome.details = {
            **outcome.details,
            "min_supporters": election.min_supporters,
            "below_min_supporters": excluded,
            "no_ballots": election.num_voters == 0,
        }
        return outcome

    return run
