"""Input and output types of the tally engine.

Everything here is plain, immutable data: no Django, no I/O. Money is exact
(:class:`fractions.Fraction`); a rule never sees a float.

Contract shared by every rule in :mod:`budgets.rules`:

* ``Ballot.scores`` maps the project ids a ballot *lists* to their score. A
  listed project with score 0 is still listed (pabutools counts it as
  supported under cost satisfaction, see SOURCES.md).
* ``Ballot.weight`` is the number of identical ballots this one stands for.
  Every rule gives the same outcome for a profile and for its merged form
  (:meth:`Election.merged`).
* Project ids are strings and are compared as strings (``"10" < "9"``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property
from typing import Any

#: Vote types the engine knows. ``choose-1`` is approval with one project.
VOTE_TYPES = frozenset({"approval", "choose-1", "cumulative", "scoring", "ordinal"})

#: Tie policies a rule can record in :attr:`Outcome.tie_policy`.
TIE_LEXICOGRAPHIC = "project_id_lexicographic"
TIE_ESNET = "min_cost_then_max_approvals_then_project_id"

type Score = Fraction | int
type JSON = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Project:
    """A fundable project: a string id and an exact cost (≥ 0)."""

    id: str
    cost: Fraction

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise ValueError(f"project id must be a non-empty string, got {self.id!r}")
        if not isinstance(self.cost, Fraction):
            # Accept ints (and Decimals) for convenience, never floats: a float
            # cost would make the rules' exact comparisons meaningless.
            if isinstance(self.cost, float):
                raise TypeError(f"project {self.id}: cost must be exact, got float {self.cost!r}")
            object.__setattr__(self, "cost", Fraction(self.cost))
        if self.cost < 0:
            raise ValueError(f"project {self.id}: cost must be ≥ 0, got {self.cost}")


@dataclass(frozen=True)
class Ballot:
    """One ballot (or ``weight`` identical ballots).

    ``scores`` maps each listed project id to its score: 1 for approval, the
    points for cumulative/scoring, ``k − position`` for ordinal (see
    :func:`budgets.pabulib.election_from_pb`).
    """

    scores: Mapping[str, Score]
    weight: int = 1

    def __post_init__(self) -> None:
        if not isinstance(self.weight, int) or self.weight < 1:
            raise ValueError(f"ballot weight must be a positive int, got {self.weight!r}")
        for pid, score in self.scores.items():
            if isinstance(score, float):
                raise TypeError(f"score of {pid} must be exact, got float {score!r}")

    @property
    def key(self) -> frozenset[tuple[str, Score]]:
        """Identity of the ballot's content, ignoring order and weight."""
        return frozenset(self.scores.items())


@dataclass(frozen=True)
class Election:
    """A PB election: budget, projects (in publication order) and ballots.

    ``min_score_threshold`` is the Pabulib ``min_project_score_threshold``:
    only used by the ``greedy_threshold`` rule.

    ``min_supporters``: a project listed by fewer ballots than this is not
    eligible under any rule (greedy, MES, completion), whatever money is left.
    The engine's default, 0, is pabutools' behaviour (greedy funds a project
    nobody chose if it fits); the database tally passes the process's setting,
    which is at least 1 (:mod:`budgets.rules.min_supporters`).
    """

    budget: Fraction
    projects: tuple[Project, ...]
    ballots: tuple[Ballot, ...]
    vote_type: str
    min_score_threshold: Fraction | None = None
    min_supporters: int = 0

    def __post_init__(self) -> None:
        if not isinstance(self.min_supporters, int) or self.min_supporters < 0:
            raise ValueError(f"min_supporters must be an int ≥ 0, got {self.min_supporters!r}")
        if not isinstance(self.budget, Fraction):
            if isinstance(self.budget, float):
                raise TypeError("budget must be exact, got a float")
            object.__setattr__(self, "budget", Fraction(self.budget))
        if self.budget < 0:
            raise ValueError(f"budget must be ≥ 0, got {self.budget}")
        if self.vote_type not in VOTE_TYPES:
            raise ValueError(f"unknown vote_type {self.vote_type!r}")
        ids = [p.id for p in self.projects]
        if len(set(ids)) != len(ids):
            raise ValueError("project ids must be unique")
        known = set(ids)
        for ballot in self.ballots:
            unknown = [pid for pid in ballot.scores if pid not in known]
            if unknown:
                raise ValueError(f"ballot lists unknown project(s) {sorted(unknown)}")

    @property
    def num_voters(self) -> int:
        """Number of ballots, counting multiplicities (empty ballots included)."""
        return sum(b.weight for b in self.ballots)

    def project(self, project_id: str) -> Project:
        return self._project_index[project_id]

    @cached_property
    def _project_index(self) -> dict[str, Project]:
        return {p.id: p for p in self.projects}

    @cached_property
    def derived(self) -> dict[Any, Any]:
        """Scratch space where rules keep data derived from this election
        (e.g. the reduced profile, or an Add1 result shared by two rules).

        Valid because an election is immutable; not part of equality.
        """
        return {}

    @property
    def project_votes(self) -> dict[str, int]:
        """Per project, the number of ballots that list it (weights counted)."""
        return self._tallies[0]

    @property
    def project_scores(self) -> dict[str, Fraction]:
        """Per project, the weighted sum of its scores (= votes for approval)."""
        return self._tallies[1]

    @cached_property
    def _tallies(self) -> tuple[dict[str, int], dict[str, Fraction]]:
        ids = [p.id for p in self.projects]
        votes = dict.fromkeys(ids, 0)
        # Sum ints as ints (most scores are): Fraction arithmetic is slow.
        totals: dict[str, Score] = dict.fromkeys(ids, 0)
        scored = self.vote_type not in ("approval", "choose-1")
        for ballot in self.ballots:
            weight = ballot.weight
            for pid, score in ballot.scores.items():
                votes[pid] += weight
                if scored:
                    totals[pid] += score * weight
        if not scored:
            # Approval ballots score 1 per listed project (see Ballot).
            totals = dict(votes)
        return votes, {pid: Fraction(total) for pid, total in totals.items()}

    def merged(self) -> Election:
        """The same election with identical ballots merged into one weighted ballot.

        Ballots are identical when they list the same projects with the same
        scores (order is irrelevant: ordinal order is carried by the scores).
        The merged ballots keep the order of first occurrence, so the result is
        deterministic.
        """
        weights: dict[frozenset[tuple[str, Score]], int] = {}
        first: dict[frozenset[tuple[str, Score]], Ballot] = {}
        for ballot in self.ballots:
            key = ballot.key
            if key in weights:
                weights[key] += ballot.weight
            else:
                weights[key] = ballot.weight
                first[key] = ballot
        merged = tuple(
            Ballot(scores=first[key].scores, weight=weight) for key, weight in weights.items()
        )
        return Election(
            budget=self.budget,
            projects=self.projects,
            ballots=merged,
            vote_type=self.vote_type,
            min_score_threshold=self.min_score_threshold,
            min_supporters=self.min_supporters,
        )


@dataclass
class ProjectExplanation:
    """Why a project was or was not funded by one rule run.

    ``reason`` is a machine-readable code, ``message`` the sentence shown to
    residents. Fields that do not apply to the rule are ``None``.

    Reason codes: ``funded``, ``did_not_fit`` (greedy: cost above the money
    left, see ``remaining_budget``), ``below_threshold``, ``unaffordable``
    (MES: its supporters' money left, ``supporters_money_left``, is below its
    cost), ``no_supporters``, ``too_few_supporters`` (fewer than the
    election's ``min_supporters``), ``no_ballots`` (nobody voted in this pot),
    ``zero_cost`` (MES ignores projects that give no cost satisfaction).
    """

    project_id: str
    cost: Fraction
    votes: int
    score: Fraction
    funded: bool
    reason: str
    message: str
    #: Greedy: rank in the processing order (1-based). MES: selection round.
    position: int | None = None
    #: "greedy", "mes" or "completion": which stage funded or rejected it.
    stage: str | None = None
    #: Greedy: money left just after funding it, or when it was skipped.
    remaining_budget: Fraction | None = None
    #: MES: the most any supporter paid (the per-supporter price ρ·cost).
    price_per_supporter: Fraction | None = None
    #: MES: ρ, the price per unit of satisfaction (price / cost for cost utilities).
    rho: Fraction | None = None
    #: MES: supporters who paid the full price (could afford it).
    supporters_paying_full: int | None = None
    #: MES: supporters who paid all the money they had left (less than the price).
    supporters_paying_all_left: int | None = None
    #: MES: total money its supporters had left when it was found unaffordable.
    supporters_money_left: Fraction | None = None

    def to_json(self) -> JSON:
        out: JSON = {}
        for name in self.__dataclass_fields__:
            out[name] = _jsonable(getattr(self, name))
        return out


@dataclass
class Outcome:
    """The result of one rule on one election.

    ``selected`` is in selection order (greedy: funding order; MES: rounds,
    then completion). ``spent`` is the total cost of ``selected``.
    ``tie_policy`` names the tie-breaking rule used (``TIE_*`` constants);
    ``details`` holds rule-specific data (per-voter budget reached by Add1,
    projects added by completion, ...), JSON-ready once passed through
    :meth:`to_json`.
    """

    rule: str
    selected: list[str]
    spent: Fraction
    explanations: dict[str, ProjectExplanation]
    tie_policy: str
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def selected_set(self) -> frozenset[str]:
        return frozenset(self.selected)

    def to_json(self) -> JSON:
        """A JSON-serialisable dict (exact numbers as strings, see :func:`fraction_str`)."""
        return {
            "rule": self.rule,
            "selected": list(self.selected),
            "spent": fraction_str(self.spent),
            "tie_policy": self.tie_policy,
            "details": _jsonable(self.details),
            "explanations": {pid: e.to_json() for pid, e in self.explanations.items()},
        }


def fraction_str(value: Fraction | int) -> str:
    """Exact text of a number: ``"12"``, ``"2372571.24"`` or ``"1/3"``.

    Decimal notation is used whenever the value has a finite decimal expansion.
    """
    value = Fraction(value)
    if value.denominator == 1:
        return str(value.numerator)
    den = value.denominator
    twos = fives = 0
    while den % 2 == 0:
        den //= 2
        twos += 1
    while den % 5 == 0:
        den //= 5
        fives += 1
    if den != 1:
        return f"{value.numerator}/{value.denominator}"
    digits = max(twos, fives)
    scaled = value * 10**digits
    sign = "-" if scaled < 0 else ""
    text = str(abs(scaled.numerator)).rjust(digits + 1, "0")
    return f"{sign}{text[:-digits]}.{text[-digits:]}"


def _jsonable(value: Any) -> Any:
    if isinstance(value, Fraction):
        return fraction_str(value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | frozenset | set):
        items = [_jsonable(v) for v in value]
        return sorted(items) if isinstance(value, frozenset | set) else items
    return value
