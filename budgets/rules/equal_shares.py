"""Method of Equal Shares (MES) with cost utilities, its Add1 variants and completion.

Definitions follow pabutools 1.2.3 (``method_of_equal_shares`` with
``Cost_Sat``) and ../shared/pabulib/SOURCES.md:

* Every voter starts with ``b = B / n`` (``n`` counts every ballot, empty
  ones too). A project ``j`` with cost ``c`` is bought when its supporters
  can pay for it; each supporter pays ``min(money left, p)`` where the
  per-supporter price ``p`` is the smallest value with
  ``Σ_supporters min(money, p) = c``. Under cost satisfaction every
  supporter gets the same utility ``c``, so ``ρ = p / c`` and MES buys the
  project with the smallest ``ρ``; ties go to the tie policy. A project
  whose supporters hold less than ``c`` is dropped for good.
* "Supporter" means the ballot *lists* the project (``Cost_Sat`` tests
  ``project in ballot``), so cumulative and ordinal ballots act as approval
  ballots here; scores are ignored.
* Projects of cost 0 give satisfaction 0 under ``Cost_Sat``; pabutools MES
  never considers them (completion may still fund them).

How the exact run is fast:

* Ballots are reduced to distinct *approval sets* with multiplicities
  ("groups").
* Voters with the same history have the same money, so we keep *budget
  classes*: ``gc[g]`` maps each group to a class holding one exact amount.
  Buying a project moves its supporting groups, class by class, into new
  classes. A project's price is a water-filling over the classes of its
  supporters (counted with ``numpy.bincount``), not over voters.
* Money is an integer count of ``1/Q`` units with one common ``Q``; when a
  price is not a whole number of units, ``Q`` and every amount are scaled
  up. Comparisons are integer comparisons: exact.
* ρ values only grow during a run, so stale values are lower bounds
  (lazy evaluation with a heap, as in pabutools).

Add1 (pabutools' ``voter_budget_increment=1`` and equalshares.net's
integer grid) reruns MES for growing per-voter budgets, thousands of times
on some files. See "Add1" below: a float run whose every decision is
certified by error bounds (exact run as fallback), and a monotonicity
certificate that skips whole stretches of the grid. Both give exactly the
outcome of running every grid point with exact arithmetic.
"""

from __future__ import annotations

import heapq
import math
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt

from budgets.rules.election import (
    TIE_ESNET,
    TIE_LEXICOGRAPHIC,
    Election,
    Outcome,
    ProjectExplanation,
    fraction_str,
)
from budgets.rules.greedy import greedy
from budgets.rules.min_supporters import honours_min_supporters

type TieKey = Callable[[int], Any]


# --------------------------------------------------------------------------- profile


@dataclass(frozen=True)
class _ProfileArrays:
    supporters: tuple[npt.NDArray[np.intp], ...]
    supporter_weights: tuple[npt.NDArray[np.float64], ...]
    total_weight: int


@dataclass(frozen=True)
class ApprovalProfile:
    """An election reduced to what MES with cost satisfaction needs.

    Projects are indexed as in ``election.projects``. ``groups`` are the
    distinct non-empty sets of listed projects (as sorted index tuples),
    ``weights`` their multiplicities; ``supporters[j]`` lists the groups
    that list project ``j``. ``n`` counts all ballots, empty ones included.
    """

    ids: tuple[str, ...]
    costs: tuple[Fraction, ...]
    groups: tuple[tuple[int, ...], ...]
    weights: tuple[int, ...]
    supporters: tuple[tuple[int, ...], ...]
    votes: tuple[int, ...]
    n: int
    budget: Fraction

    @classmethod
    def from_election(cls, election: Election) -> ApprovalProfile:
        position = {p.id: i for i, p in enumerate(election.projects)}.__getitem__
        folded: dict[tuple[int, ...], int] = {}
        get = folded.get
        n = 0
        for ballot in election.ballots:
            weight = ballot.weight
            n += weight
            if ballot.scores:
                key = tuple(sorted(map(position, ballot.scores)))
                folded[key] = get(key, 0) + weight
        groups = tuple(folded)
        weights = tuple(folded.values())
        supporters: list[list[int]] = [[] for _ in election.projects]
        votes = [0] * len(election.projects)
        for g, (members, w) in enumerate(zip(groups, weights, strict=True)):
            for j in members:
                supporters[j].append(g)
                votes[j] += w
        return cls(
            ids=tuple(p.id for p in election.projects),
            costs=tuple(p.cost for p in election.projects),
            groups=groups,
            weights=weights,
            supporters=tuple(tuple(s) for s in supporters),
            votes=tuple(votes),
            n=n,
            budget=election.budget,
        )

    @cached_property
    def arrays(self) -> _ProfileArrays:
        """numpy views used by the runs (built once per profile)."""
        weights = np.asarray(self.weights, dtype=np.float64)
        supporters = tuple(np.asarray(s, dtype=np.intp) for s in self.supporters)
        return _ProfileArrays(
            supporters=supporters,
            supporter_weights=tuple(weights[s] for s in supporters),
            total_weight=sum(self.weights),
        )

    @cached_property
    def _supporter_sets(self) -> tuple[frozenset[int], ...]:
        return tuple(frozenset(s) for s in self.supporters)

    def independent(self, projects: Sequence[int]) -> bool:
        """Whether no ballot lists two of ``projects`` (their purchases commute)."""
        sets = self._supporter_sets
        return all(
            sets[a].isdisjoint(sets[b]) for i, a in enumerate(projects) for b in projects[i + 1 :]
        )

    @property
    def candidates(self) -> list[int]:
        """Projects MES can buy: positive cost and at least one supporter."""
        return [j for j, c in enumerate(self.costs) if c > 0 and self.votes[j] > 0]


def lexicographic_tie_key(profile: ApprovalProfile) -> TieKey:
    """pabutools' default: the smallest ``project_id`` as a string wins."""
    ids = profile.ids
    return lambda j: ids[j]


def esnet_tie_key(profile: ApprovalProfile) -> TieKey:
    """equalshares.net / Pabulib checker: lower cost, then more approvals, then id."""
    ids, costs, votes = profile.ids, profile.costs, profile.votes
    return lambda j: (costs[j], -votes[j], ids[j])


# --------------------------------------------------------------------------- one run


@dataclass
class Purchase:
    """One MES round: project ``j`` bought at ``price`` per supporter."""

    project: int
    rho: Fraction
    price: Fraction
    paying_full: int
    paying_all_left: int


@dataclass
class MesRun:
    """Outcome of one MES run at per-voter budget ``per_voter``."""

    per_voter: Fraction
    purchases: list[Purchase]
    #: Money left to the supporters of each project not bought (exact), when
    #: requested with ``explain=True``.
    money_left: dict[int, Fraction] = field(default_factory=dict)

    @property
    def order(self) -> list[int]:
        return [p.project for p in self.purchases]


class _Classes:
    """Budget classes of one run; money in integer units of ``1/scale``.

    ``gc[g]`` is the class of ballot group ``g``; class 0 holds the groups
    with no money left. ``cb[k]`` is the money of each voter of class ``k``
    (a Python int: exact) and ``cw[k]`` its number of voters. A project's
    supporters per class are counted on demand with ``numpy.bincount`` over
    its supporting groups: counts are integers well below 2**53, so the
    float64 counts are exact.
    """

    def __init__(self, profile: ApprovalProfile, per_voter: Fraction) -> None:
        self.profile = profile
        scale = per_voter.denominator
        for c in profile.costs:
            scale = math.lcm(scale, c.denominator)
        self.scale = scale
        self.cost = [int(c * scale) for c in profile.costs]
        start = int(per_voter * scale)
        arrays = profile.arrays
        self.supp = arrays.supporters
        self.supp_w = arrays.supporter_weights
        self.cb: list[int] = [0, start]
        self.cw: list[int] = [0, arrays.total_weight]
        self.gc = np.full(len(profile.groups), 1 if start > 0 else 0, dtype=np.intp)

    def _split(self, j: int) -> tuple[list[int], list[int]]:
        """Live classes holding supporters of ``j``, and how many in each."""
        counts = np.bincount(self.gc[self.supp[j]], weights=self.supp_w[j])
        counts[0] = 0
        live = np.flatnonzero(counts)
        return live.tolist(), counts[live].astype(np.int64).tolist()

    def rescale(self, factor: int) -> None:
        self.scale *= factor
        self.cb = [b * factor for b in self.cb]
        self.cost = [c * factor for c in self.cost]

    def price(self, j: int) -> tuple[int, int] | None:
        """``(rem, rich)``: price ``rem / rich`` units, or ``None`` if unaffordable.

        Water-filling: supporters poorer than the price pay all they have
        (``rem`` is what is left of the cost after them), the ``rich`` others
        pay the price.
        """
        cb = self.cb
        cost = self.cost[j]
        classes, counts = self._split(j)
        if not classes:
            return None
        budgets = [cb[k] for k in classes]
        rich = sum(counts)
        if min(budgets) * rich >= cost:
            return cost, rich  # nobody is short of the even share
        if sum(map(operator.mul, budgets, counts)) < cost:
            return None
        # Scan by increasing money: the poorer pay all they have until the
        # rest can share what is left at a price they can all pay.
        rem = cost
        order = sorted(range(len(budgets)), key=budgets.__getitem__)
        for i in order:
            b = budgets[i]
            if rem <= b * rich:
                break
            m = counts[i]
            rem -= b * m
            rich -= m
        return rem, rich

    def money(self, j: int) -> int:
        """Money (in units) the supporters of ``j`` have left."""
        cb = self.cb
        classes, counts = self._split(j)
        return sum(cb[k] * m for k, m in zip(classes, counts, strict=True))

    def buy(self, j: int, rem: int, rich: int) -> tuple[Fraction, int, int]:
        """Charge the supporters of ``j`` at price ``rem / rich`` units.

        Returns the price as money, the number of voters paying the full
        price and the number paying all they had left.
        """
        common = math.gcd(rem, rich)
        if common != rich:
            factor = rich // common
            self.rescale(factor)
            rem *= factor
        p = rem // rich
        cb, cw = self.cb, self.cw
        classes, counts = self._split(j)
        remap = np.arange(len(cb), dtype=np.intp)
        full = part = 0
        for k, m in zip(classes, counts, strict=True):
            b = cb[k]
            if b >= p:
                full += m
                nb = b - p
            else:
                part += m
                nb = 0
            if nb == 0:
                remap[k] = 0
                cw[k] -= m
            elif m == cw[k]:
                cb[k] = nb  # the whole class paid: it keeps its identity
            else:
                remap[k] = len(cb)
                cb.append(nb)
                cw.append(m)
                cw[k] -= m
        members = self.supp[j]
        self.gc[members] = remap[self.gc[members]]
        return Fraction(p, self.scale), full, part

    def money_left(self, projects: Sequence[int]) -> dict[int, Fraction]:
        """Exact money left to the supporters of each of ``projects``."""
        return {j: Fraction(self.money(j), self.scale) for j in projects}


def mes_run(
    profile: ApprovalProfile,
    per_voter: Fraction,
    tie_key: TieKey,
    *,
    explain: bool = False,
) -> MesRun:
    """One run of MES (cost satisfaction) with ``per_voter`` money each."""
    state = _Classes(profile, per_voter)
    # Heap of (stale ρ lower bound, tie key, project). Initially every
    # supporter pays cost / supporters at least, so ρ ≥ 1 / votes.
    heap: list[tuple[Fraction, Any, int]] = [
        (Fraction(1, profile.votes[j]), tie_key(j), j) for j in profile.candidates
    ]
    heapq.heapify(heap)
    purchases: list[Purchase] = []
    while heap:
        best: Fraction | None = None
        tied: list[tuple[Any, int, int, int]] = []
        seen: list[tuple[Fraction, Any, int]] = []
        while heap and (best is None or heap[0][0] <= best):
            _, key, j = heapq.heappop(heap)
            quote = state.price(j)
            if quote is None:
                continue
            rem, rich = quote
            rho = Fraction(rem, rich * state.cost[j])
            seen.append((rho, key, j))
            if best is None or rho < best:
                best = rho
                tied = [(key, j, rem, rich)]
            elif rho == best:
                tied.append((key, j, rem, rich))
        if best is None:
            break
        _, winner, rem, rich = min(tied)
        for entry in seen:
            if entry[2] != winner:
                heapq.heappush(heap, entry)
        price, full, part = state.buy(winner, rem, rich)
        purchases.append(Purchase(winner, best, price, full, part))
    run = MesRun(per_voter, purchases)
    if explain:
        bought = {p.project for p in purchases}
        rest = [j for j in profile.candidates if j not in bought]
        run.money_left = state.money_left(rest)
    return run


# --------------------------------------------------------------------------- Add1
#
# Add1 reruns MES for per-voter budgets b_0 < b_1 < ... and stops at the first
# one whose outcome passes a test. Two devices make that cheap while keeping
# the result identical to running every grid point exactly:
#
# 1. A filtered run: MES in float64, vectorised over ballot groups, where
#    every decision (is a project affordable, which project has the smallest
#    ρ) is taken only when rigorous error bounds make it certain. Every
#    group's money carries an absolute error bound; a price is enclosed by
#    evaluating the water-filling equation at two points with bounded error.
#    ρ is known exactly when everybody with money left pays the even share
#    (ρ = 1/count), which settles the frequent exact ties. If any decision
#    is still uncertain, the exact run is used instead.
#
# 2. An interval certificate. Fix a purchase sequence σ and let b grow. A
#    water-filling price is non-increasing in each supporter's money, and the
#    money left after paying, max(0, money − price), is non-decreasing in the
#    money and non-increasing in the price. By induction over the rounds of
#    σ, every voter's money is non-decreasing in b and every project's price,
#    so its ρ, is non-increasing in b. Hence if the run at b0 buys σ with
#    winning values ρ_t(b0), and at b1 > b0, after buying the same prefix,
#    every other project has ρ(b1) > ρ_t(b0), and at the end every remaining
#    project is unaffordable at b1, then MES buys exactly σ at every budget
#    in [b0, b1]: the grid points in between need no run.

_U = 2.0**-53  # unit roundoff of float64


def _gamma(n: int) -> float:
    """Bound on the relative error of a float sum of ``n`` non-negative terms."""
    return (n + 2) * _U / (1 - (n + 2) * _U)


@dataclass
class FilteredRun:
    """A run whose sequence is certain, with bounds on each winning ρ."""

    per_voter: Fraction
    order: list[int]
    #: Upper bound of each winner's ρ, and its exact value when known.
    rho_upper: list[float]
    rho_exact: list[Fraction | None]
    #: True when the run certified that the sequence of ``base`` (see
    #: :func:`filtered_run`) is bought at every budget between the two.
    certified: bool = False

    @classmethod
    def from_exact(cls, run: MesRun) -> FilteredRun:
        upper = [math.nextafter(float(p.rho), math.inf) for p in run.purchases]
        return cls(run.per_voter, run.order, upper, [p.rho for p in run.purchases])


class _Uncertain(Exception):
    """A float decision could not be certified; use exact arithmetic."""


@dataclass(slots=True)
class _Quote:
    """Price enclosure ``[lo, hi]`` around the float ``price``, the matching
    ρ enclosure, and ρ exactly when every supporter certainly pays the even
    share (ρ = 1 / supporters: the usual source of exact ties)."""

    lo: float
    hi: float
    price: float
    rho_lo: float
    rho_hi: float
    rho: Fraction | None


class _FloatState:
    """Per-group money in float64, each with an absolute error bound.

    Invariant: the exact money of group ``g`` is within ``err[g]`` of
    ``money[g]``.
    """

    def __init__(self, profile: ApprovalProfile, per_voter: Fraction) -> None:
        arrays = profile.arrays
        self.supp = arrays.supporters
        self.supp_w = arrays.supporter_weights
        self.votes = profile.votes
        start = float(per_voter)
        self.money = np.full(len(profile.groups), start)
        # float() of a Fraction is correctly rounded (error ≤ u·|x|); every
        # bound below takes twice the first-order term to cover second-order
        # rounding of the bounds themselves.
        self.err = np.full(len(profile.groups), 2 * _U * start)
        self.cost = [float(c) for c in profile.costs]
        self.cost_err = [2 * _U * c for c in self.cost]

    def quote(self, j: int) -> _Quote | None:
        """The price of ``j``, ``None`` if it is certainly unaffordable;
        raises :class:`_Uncertain` when that cannot be decided."""
        idx, w = self.supp[j], self.supp_w[j]
        b, e = self.money[idx], self.err[idx]
        n = len(b)
        cost, cost_err = self.cost[j], self.cost_err[j]
        # Supporters with certainly nothing left (exactly 0, error 0) pay 0.
        broke = (b == 0.0) & (e == 0.0)
        count = self.votes[j] - int(np.dot(w, broke))
        if count == 0:
            return None
        even = cost / count
        even_err = cost_err / count + 2 * _U * even
        low = b - 2 * e - 4 * _U * b  # certainly below the exact money
        if float(np.where(broke, np.inf, low).min()) >= even + even_err:
            # Everybody else certainly pays the even share: ρ = 1/count exactly.
            lo, hi = even - even_err, even + even_err
            return _Quote(lo, hi, even, *self._rho(j, lo, hi), Fraction(1, count))
        count = self.votes[j]
        total = float(np.dot(w, b))
        total_err = 2 * (float(np.dot(w, e)) + _gamma(n) * total)
        if total + total_err < cost - cost_err:
            return None
        if total - total_err < cost + cost_err:
            raise _Uncertain
        # Estimate the price (rigour comes from the enclosure below): those
        # short of the current price pay all they have, which raises the
        # price for the others; repeat until nobody else falls short. A few
        # vectorised passes beat sorting the supporters.
        price = cost / count
        rich = float(count)
        short_count = -1.0
        for _ in range(64):
            short = b < price
            now_short = float(np.dot(w, short))
            if now_short == short_count:
                break
            short_count = now_short
            rich = count - now_short
            if rich <= 0:
                raise _Uncertain
            price = (cost - float(np.dot(w, b * short))) / rich
        else:
            raise _Uncertain
        # F(q) = Σ w·min(money, q) − cost is increasing and its root is the
        # price. Only supporters that may have less than q carry their money's
        # error into F(q); float evaluation adds at most γ·(F + cost).

        def certainly(q: float, positive: bool) -> bool:
            value = float(np.dot(w, np.minimum(b, q)))
            bound = 2 * (float(np.dot(w, e * (low < q))) + _gamma(n) * (value + cost)) + cost_err
            return value - cost - bound >= 0 if positive else value - cost + bound < 0

        bound = 2 * (float(np.dot(w, e * (low < price))) + _gamma(n) * (total + cost)) + cost_err
        step = 1.5 * bound / rich + 4 * _U * price
        for _ in range(4):
            lo, hi = price - step, price + step
            if certainly(hi, True) and certainly(lo, False):
                lo = max(lo, 0.0)
                return _Quote(lo, hi, price, *self._rho(j, lo, hi), None)
            step *= 4
        raise _Uncertain

    def _rho(self, j: int, lo: float, hi: float) -> tuple[float, float]:
        cost, cost_err = self.cost[j], self.cost_err[j]
        return (
            lo / (cost + cost_err) * (1 - 4 * _U),
            hi / (cost - cost_err) * (1 + 4 * _U),
        )

    def buy(self, j: int, quote: _Quote) -> None:
        idx = self.supp[j]
        b, e = self.money[idx], self.err[idx]
        left = np.maximum(b - quote.price, 0.0)
        # Certainly poor (money < price for sure): they end with exactly 0.
        # Others: max(0, ·) is 1-Lipschitz, so the error is theirs, plus the
        # price's, plus one rounding.
        price_err = max(quote.price - quote.lo, quote.hi - quote.price)
        poor = b + e < quote.lo
        self.money[idx] = left
        self.err[idx] = np.where(poor, 0.0, e + 2 * (price_err + _U * b))


def filtered_run(
    profile: ApprovalProfile,
    per_voter: Fraction,
    tie_key: TieKey,
    base: FilteredRun | None = None,
) -> FilteredRun:
    """The sequence MES buys at ``per_voter``, computed in floats when every
    decision is certain and exactly otherwise.

    With ``base`` (a run at a smaller budget), first try to certify that the
    whole interval between the two budgets buys ``base``'s sequence; the
    result says whether it did (:attr:`FilteredRun.certified`).
    """
    try:
        return _filtered(profile, per_voter, tie_key, base)
    except _Uncertain:
        return FilteredRun.from_exact(mes_run(profile, per_voter, tie_key))


@dataclass(frozen=True, order=True)
class _Bar:
    """The winning ρ of purchase ``i`` of a base run, as a bar to clear:
    ordered by (upper bound, tie key)."""

    value: float
    key: Any
    exact: Fraction | None

    def __init__(self, base: FilteredRun, i: int, keys: dict[int, Any]) -> None:
        object.__setattr__(self, "value", base.rho_upper[i])
        object.__setattr__(self, "key", keys[base.order[i]])
        object.__setattr__(self, "exact", base.rho_exact[i])

    def beaten_by(self, quote: _Quote, key: Any) -> bool:
        """Whether a project quoted ``quote`` at the larger budget might come
        before this winner at some budget in between."""
        if quote.rho_lo > self.value:
            return False
        if quote.rho is not None and self.exact is not None:
            # Exact values: an exact tie goes to the smaller tie key.
            return (quote.rho, key) < (self.exact, self.key)
        return True


def _filtered(
    profile: ApprovalProfile, per_voter: Fraction, tie_key: TieKey, base: FilteredRun | None
) -> FilteredRun:
    state = _FloatState(profile, per_voter)
    done = [False] * len(profile.costs)
    keys = {j: tie_key(j) for j in profile.candidates}
    # ρ ≥ 1/votes at any budget.
    lower: dict[int, float] = {j: (1 - 4 * _U) / profile.votes[j] for j in profile.candidates}
    heap = [(lo, j) for j, lo in lower.items()]
    heapq.heapify(heap)
    order: list[int] = []
    uppers: list[float] = []
    exacts: list[Fraction | None] = []

    def pop_live() -> tuple[float, int] | None:
        while heap:
            lo, j = heap[0]
            if done[j] or lo != lower[j]:
                heapq.heappop(heap)
                continue
            return lo, j
        return None

    def record(j: int, quote: _Quote) -> None:
        state.buy(j, quote)
        done[j] = True
        order.append(j)
        uppers.append(quote.rho_hi)
        exacts.append(quote.rho)

    certified = base is not None
    if base is not None:
        seq = base.order
        position = {j: i for i, j in enumerate(seq)}
        t = 0
        while t < len(seq):
            # Certify the block seq[t:end]: purchases with pairwise disjoint
            # supporters commute, so at any budget in between MES may buy
            # them in any order and still reach the same state, provided no
            # other project can come first: every other project must have
            # ρ here above the block's largest winning ρ at the base budget.
            # The block starts as one purchase and grows only when a later
            # purchase of the sequence would jump the queue.
            end = t + 1
            bar = _Bar(base, t, keys)
            held: list[int] = []
            while (entry := pop_live()) is not None and entry[0] <= bar.value:
                j = entry[1]
                heapq.heappop(heap)
                held.append(j)
                at = position.get(j, -1)
                if t <= at < end:
                    continue  # a block member: priced when bought
                quote = state.quote(j)
                if quote is None:
                    done[j] = True
                    continue
                lower[j] = quote.rho_lo
                if not bar.beaten_by(quote, keys[j]):
                    continue
                if at >= end and profile.independent(seq[t : at + 1]):
                    for i in range(end, at + 1):
                        bar = max(bar, _Bar(base, i, keys))
                    end = at + 1
                    continue
                certified = False
                break
            for j in held:
                if not done[j]:
                    heapq.heappush(heap, (lower[j], j))
            if not certified:
                break
            for j in seq[t:end]:
                quote = state.quote(j)
                if quote is None:  # impossible when base ran at a smaller budget
                    raise _Uncertain
                record(j, quote)
            t = end
        if certified:
            while (entry := pop_live()) is not None:
                j = entry[1]
                if state.quote(j) is not None:
                    certified = False
                    break
                heapq.heappop(heap)
                done[j] = True
            if certified:
                return FilteredRun(per_voter, order, uppers, exacts, certified=True)
    # Plain lazy MES from the current state (a certified prefix is the true
    # start of the run at this budget).
    while True:
        best_hi = math.inf
        seen: list[tuple[int, _Quote]] = []
        while (top := pop_live()) is not None and top[0] <= best_hi:
            heapq.heappop(heap)
            j = top[1]
            quote = state.quote(j)
            if quote is None:
                done[j] = True
                continue
            lower[j] = quote.rho_lo
            seen.append((j, quote))
            best_hi = min(best_hi, quote.rho_hi)
        if not seen:
            return FilteredRun(per_voter, order, uppers, exacts)
        contenders = [(j, q) for j, q in seen if q.rho_lo <= best_hi]
        if len(contenders) == 1:
            winner, quote = contenders[0]
        elif all(q.rho is not None for _, q in contenders):
            # Exact values: an exact tie goes to the tie key, as in pabutools.
            winner, quote = min(contenders, key=lambda c: (c[1].rho, keys[c[0]]))
        else:
            raise _Uncertain  # too close to call in floats
        for j, q in seen:
            if j != winner:
                heapq.heappush(heap, (q.rho_lo, j))
        record(winner, quote)


type Verdict = str  # "go on", "keep previous", "keep this"


@dataclass
class WalkResult:
    #: The kept outcome's budget and sequence, ``None`` for the empty outcome.
    run: FilteredRun | None
    #: Grid points the definition examines (pabutools' iterations).
    grid_points: int
    #: Runs actually made.
    runs: int


def walk_budgets(
    profile: ApprovalProfile,
    tie_key: TieKey,
    first: Fraction,
    grid: Callable[[int], Fraction],
    verdict: Callable[[list[int]], Verdict],
) -> WalkResult:
    """Iterated MES: run at ``first`` (index 0), then ``grid(1)``, ``grid(2)``,
    ... until ``verdict`` (on the bought sequence) says stop; return the run
    kept. Same result as running every grid point in order.

    A run at ``grid(k + L)`` that certifies the interval from ``grid(k)``
    skips the ``L − 1`` points in between (their outcome equals ``grid(k)``'s,
    whose verdict was "go on"); ``L`` doubles after a success and halves
    after a failure, and at ``L = 1`` we step to the next grid point. A run
    that failed to certify is still that grid point's outcome: it is kept
    for when the walk gets there, so no run is wasted.
    """
    base = filtered_run(profile, first, tie_key)
    runs = 1
    decision = verdict(base.order)
    if decision == "keep this":
        return WalkResult(base, 1, runs)
    if decision == "keep previous":
        return WalkResult(None, 1, runs)
    known: dict[int, FilteredRun] = {}
    k, jump = 0, 1
    while True:
        target = k + jump
        nxt = known.pop(target, None)
        if nxt is None or jump > 1:
            nxt = filtered_run(profile, grid(target), tie_key, base)
            runs += 1
        if nxt.certified:
            k = target
            base = nxt
            jump *= 2
            known = {i: run for i, run in known.items() if i > k}
            continue
        if jump > 1:
            known[target] = nxt
            jump //= 2
            continue
        k = target
        decision = verdict(nxt.order)
        if decision == "keep previous":
            return WalkResult(base, k + 1, runs)
        if decision == "keep this":
            return WalkResult(nxt, k + 1, runs)
        base = nxt
        jump = 2


# --------------------------------------------------------------------------- rules


def approval_profile(election: Election) -> ApprovalProfile:
    """The election reduced for MES, built once per election."""
    cached = election.derived.get("approval_profile")
    if cached is None:
        cached = election.derived["approval_profile"] = ApprovalProfile.from_election(election)
    assert isinstance(cached, ApprovalProfile)
    return cached


def _total(profile: ApprovalProfile, order: Sequence[int]) -> Fraction:
    return sum((profile.costs[j] for j in order), Fraction(0))


def _pabutools_verdict(profile: ApprovalProfile) -> Callable[[list[int]], Verdict]:
    """pabutools' Add1 loop: keep the previous outcome once one is over the
    budget; keep this one once no other MES candidate fits in what is left."""
    budget, candidates, costs = profile.budget, profile.candidates, profile.costs

    def verdict(order: list[int]) -> Verdict:
        spent = _total(profile, order)
        if spent > budget:
            return "keep previous"
        bought = set(order)
        if all(j in bought or costs[j] + spent > budget for j in candidates):
            return "keep this"
        return "go on"

    return verdict


def _esnet_verdict(profile: ApprovalProfile) -> Callable[[list[int]], Verdict]:
    """equalshares.net: keep the previous outcome once one is over the budget
    (and stop when every candidate is bought: nothing can change any more)."""
    budget, everything = profile.budget, len(profile.candidates)

    def verdict(order: list[int]) -> Verdict:
        if _total(profile, order) > budget:
            return "keep previous"
        return "keep this" if len(order) == everything else "go on"

    return verdict


@dataclass(frozen=True)
class _Add1Result:
    per_voter: Fraction | None  # None: pabutools kept the empty outcome
    grid_points: int
    runs: int


def _add1(election: Election, variant: str) -> _Add1Result:
    """Per-voter budget reached by an Add1 variant (memoised per election)."""
    key = ("add1", variant)
    cached = election.derived.get(key)
    if isinstance(cached, _Add1Result):
        return cached
    profile = approval_profile(election)
    start = profile.budget / profile.n
    if variant == "pabutools":
        walk = walk_budgets(
            profile,
            lexicographic_tie_key(profile),
            start,
            lambda k: start + k,
            _pabutools_verdict(profile),
        )
    else:
        floor = math.floor(start)
        walk = walk_budgets(
            profile,
            esnet_tie_key(profile),
            start,
            lambda k: Fraction(floor + k),
            _esnet_verdict(profile),
        )
    result = _Add1Result(
        walk.run.per_voter if walk.run is not None else None, walk.grid_points, walk.runs
    )
    election.derived[key] = result
    return result


def _explain_mes(
    election: Election,
    profile: ApprovalProfile,
    run: MesRun,
) -> dict[str, ProjectExplanation]:
    votes, scores = election.project_votes, election.project_scores
    explanations: dict[str, ProjectExplanation] = {}
    for position, purchase in enumerate(run.purchases, start=1):
        j = purchase.project
        pid = profile.ids[j]
        paying_all = purchase.paying_all_left
        message = (
            f"Bought in round {position}: each supporter paid up to "
            f"{fraction_str(purchase.price)} (ρ = {fraction_str(purchase.rho)}); "
            f"{purchase.paying_full} paid that full share"
        )
        message += f", {paying_all} paid all they had left." if paying_all else "."
        explanations[pid] = ProjectExplanation(
            project_id=pid,
            cost=profile.costs[j],
            votes=votes[pid],
            score=scores[pid],
            funded=True,
            reason="funded",
            message=message,
            position=position,
            stage="mes",
            price_per_supporter=purchase.price,
            rho=purchase.rho,
            supporters_paying_full=purchase.paying_full,
            supporters_paying_all_left=paying_all,
        )
    for j, pid in enumerate(profile.ids):
        if pid in explanations:
            continue
        cost = profile.costs[j]
        base = ProjectExplanation(
            project_id=pid,
            cost=cost,
            votes=votes[pid],
            score=scores[pid],
            funded=False,
            reason="unaffordable",
            message="",
            stage="mes",
        )
        if profile.votes[j] == 0:
            base.reason = "no_supporters"
            base.message = "Nobody voted for it, so nobody's share could pay for it."
        elif cost == 0:
            base.reason = "zero_cost"
            base.message = (
                "It costs nothing, so under cost satisfaction it brings no benefit "
                "and Equal Shares does not consider it."
            )
        else:
            left = run.money_left.get(j, Fraction(0))
            base.supporters_money_left = left
            base.message = (
                f"Its {profile.votes[j]} supporters had {fraction_str(left)} left in total, "
                f"less than its cost of {fraction_str(cost)}."
            )
        explanations[pid] = base
    return explanations


def _mes_outcome(
    election: Election,
    rule: str,
    per_voter: Fraction | None,
    tie: str,
    details: dict[str, Any],
) -> Outcome:
    profile = approval_profile(election)
    tie_key = lexicographic_tie_key(profile) if tie == TIE_LEXICOGRAPHIC else esnet_tie_key(profile)
    if per_voter is None:
        run = MesRun(Fraction(0), [])
        run.money_left = dict.fromkeys(profile.candidates, Fraction(0))
    else:
        run = mes_run(profile, per_voter, tie_key, explain=True)
    selected = [profile.ids[j] for j in run.order]
    details = {
        "per_voter_budget": per_voter,
        "initial_per_voter_budget": profile.budget / profile.n if profile.n else None,
        "voters": profile.n,
        "satisfaction": "cost",
        **details,
    }
    return Outcome(
        rule=rule,
        selected=selected,
        spent=_total(profile, run.order),
        explanations=_explain_mes(election, profile, run),
        tie_policy=tie,
        details=details,
    )


def _empty_profile_outcome(election: Election, rule: str, tie: str) -> Outcome | None:
    """pabutools returns the empty outcome when there are no ballots."""
    if approval_profile(election).n:
        return None
    return _mes_outcome(election, rule, None, tie, {"variant": "no ballots"})


@honours_min_supporters
def mes_cost(election: Election) -> Outcome:
    """pabutools ``method_of_equal_shares(sat_class=Cost_Sat)`` with the real budget."""
    empty = _empty_profile_outcome(election, "mes_cost", TIE_LEXICOGRAPHIC)
    if empty is not None:
        return empty
    profile = approval_profile(election)
    return _mes_outcome(
        election,
        "mes_cost",
        profile.budget / profile.n,
        TIE_LEXICOGRAPHIC,
        {"variant": "plain"},
    )


@honours_min_supporters
def mes_cost_add1(election: Election) -> Outcome:
    """pabutools ``method_of_equal_shares(Cost_Sat, voter_budget_increment=1)``.

    Per-voter budgets ``B/n, B/n + 1, ...``; the first outcome that is over
    the budget returns the previous one, the first exhaustive one is returned.
    """
    empty = _empty_profile_outcome(election, "mes_cost_add1", TIE_LEXICOGRAPHIC)
    if empty is not None:
        return empty
    add1 = _add1(election, "pabutools")
    return _mes_outcome(
        election,
        "mes_cost_add1",
        add1.per_voter,
        TIE_LEXICOGRAPHIC,
        {
            "variant": "pabutools voter_budget_increment=1",
            "grid_points": add1.grid_points,
            "runs": add1.runs,
        },
    )


@honours_min_supporters
def mes_cost_add1_esnet(election: Election) -> Outcome:
    """Add1 as equalshares.net and the Pabulib checker run it (SOURCES.md).

    MES at ``B/n``, then at the integers ``⌊B/n⌋ + 1, ⌊B/n⌋ + 2, ...``; stop
    at the first outcome over the budget and keep the one before. No
    completion. Ties: lower cost, then more approvals, then ``project_id``.
    """
    empty = _empty_profile_outcome(election, "mes_cost_add1_esnet", TIE_ESNET)
    if empty is not None:
        return empty
    add1 = _add1(election, "esnet")
    return _mes_outcome(
        election,
        "mes_cost_add1_esnet",
        add1.per_voter,
        TIE_ESNET,
        {
            "variant": "equalshares.net integer grid",
            "grid_points": add1.grid_points,
            "runs": add1.runs,
        },
    )


@honours_min_supporters
def mes_cost_completed(election: Election) -> Outcome:
    """``mes_cost_add1`` followed by pabutools' utilitarian greedy completion.

    pabutools: ``greedy_utilitarian_welfare(Cost_Sat,
    initial_budget_allocation=add1)``: the remaining projects by decreasing
    number of supporters (ties: ``project_id``), each funded if it fits.
    """
    add1 = mes_cost_add1(election)
    completed = greedy(
        election,
        rule="mes_cost_completed",
        density="votes",
        initial=add1.selected,
        stage="completion",
    )
    explanations = dict(completed.explanations)
    explanations.update(
        {pid: e for pid, e in add1.explanations.items() if pid in add1.selected_set}
    )
    added = completed.selected[len(add1.selected) :]
    return Outcome(
        rule="mes_cost_completed",
        selected=completed.selected,
        spent=completed.spent,
        explanations={p.id: explanations[p.id] for p in election.projects},
        tie_policy=TIE_LEXICOGRAPHIC,
        details={**add1.details, "added_by_completion": added, "completion": "greedy_cost"},
    )
