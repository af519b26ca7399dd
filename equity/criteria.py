"""The criteria engine: each criterion of the city's scorecard computed from figures.

Plain Python over ``equity.figures``: the platform's own participation
(``equity.selectors.process_participation``) and a pilot's reports feed it alike.
``criteria_evaluate`` is the one function every scorecard (process, pilot, city-wide,
API, CSV) calls; nothing else computes a criterion.

Suppression: a count of residents below ``min_cell`` (but above zero) is a cell that
could point at a person; it is published as None, and so is every share, rate or
index computed from it alone. Aggregates over many cells (an index over all groups)
are published only when the residents they cover reach ``min_cell``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from statistics import median
from typing import Any

from equity.figures import Census, OutcomeFigures, ParticipationFigures

NOT_GIVEN = "not_given"
# In person (a pilot's workshop, a poll site) counts with paper: the offline way in.
ALTERNATIVE_CHANNELS = ("sms", "paper", "in_person")


@dataclass(frozen=True)
class CriterionSpec:
    """A criterion as the city configured it (``equity.models.Criterion``)."""

    key: str
    metric: str
    principle: str
    target: float
    direction: str  # "at_least" | "at_most"
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CriterionValue:
    key: str
    metric: str
    principle: str
    target: float
    direction: str
    value: float | None
    met: bool | None
    # True when the value is withheld because it rests on fewer than min_cell residents.
    suppressed: bool = False
    details: tuple[dict[str, Any], ...] = ()
    params: Mapping[str, Any] = field(default_factory=dict)


def publishable(count: int | None, min_cell: int) -> bool:
    """A count may be published: zero (nobody) or at least ``min_cell``."""
    return count is not None and (count == 0 or count >= min_cell)


def cell(count: int, min_cell: int) -> int | None:
    return count if publishable(count, min_cell) else None


def breakdown_cells(counts: Mapping[str, int], min_cell: int) -> dict[str, int | None]:
    """A breakdown whose total is published: small cells are withheld, and when only
    one is, the next smallest non-zero cell is withheld too, so the hidden one cannot
    be found by subtracting the others from the total."""
    shown: dict[str, int | None] = {k: cell(int(v), min_cell) for k, v in counts.items()}
    hidden = [k for k, v in shown.items() if v is None]
    if len(hidden) == 1:
        others = sorted((v, k) for k, v in shown.items() if v)
        if others:
            shown[others[0][1]] = None
    return shown


def _ratio(numerator: float, denominator: float) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def group_counts(
    figures: ParticipationFigures, question: str, answers: Sequence[str]
) -> dict[str, int]:
    """Participants per answer of ``question`` and "not given": everyone not in an
    answer, so the counts add up to all participants."""
    counts = {a: int(figures.by_group.get(f"{question}.{a}", 0)) for a in answers}
    given = sum(counts.values())
    counts[NOT_GIVEN] = max(figures.participants - given, 0)
    return counts


# --- the metrics ---------------------------------------------------------------------


def _neighbourhood_rows(
    figures: ParticipationFigures, census: Census, min_cell: int
) -> list[dict[str, Any]]:
    # Primary suppression only: how many residents of a neighbourhood voted is public
    # anyway (each neighbourhood pot's ballot count is in its published result).
    rows = []
    for n in census.neighbourhoods:
        count = int(figures.by_neighbourhood.get(n.slug, 0))
        shown = cell(count, min_cell)
        rows.append(
            {
                "neighbourhood": n.slug,
                "name": n.name,
                "population": n.population,
                "participants": shown,
                "rate": _ratio(count, n.population) if shown is not None else None,
            }
        )
    return rows


def _turnout(
    spec: CriterionSpec, figures: ParticipationFigures, census: Census, min_cell: int, **_: Any
) -> tuple[float | None, bool, list[dict[str, Any]]]:
    rows = _neighbourhood_rows(figures, census, min_cell)
    if not publishable(figures.participants, min_cell):
        return None, True, rows
    return _ratio(figures.participants, census.population), False, rows


def _inclusion(
    spec: CriterionSpec, figures: ParticipationFigures, census: Census, min_cell: int, **_: Any
) -> tuple[float | None, bool, list[dict[str, Any]]]:
    """Lowest rate ÷ highest rate over the neighbourhoods whose count can be shown. A
    neighbourhood below the minimum is itself a failure of inclusion: the criterion
    is then not met, whatever the ratio of the others."""
    rows = _neighbourhood_rows(figures, census, min_cell)
    # Exact rates for the ratio; the rows show them rounded.
    exact = {
        r["neighbourhood"]: r["participants"] / r["population"]
        for r in rows
        if r["participants"] is not None and r["population"]
    }
    withheld = sum(1 for r in rows if r["participants"] is None)
    if not exact or max(exact.values()) == 0:
        return None, withheld > 0, rows
    lowest, highest = min(exact.values()), max(exact.values())
    for row in rows:
        row["lowest"] = exact.get(row["neighbourhood"]) == lowest
        row["highest"] = exact.get(row["neighbourhood"]) == highest
    return round(lowest / highest, 4), withheld > 0, rows


def _dissimilarity(
    spec: CriterionSpec,
    figures: ParticipationFigures,
    census: Census,
    min_cell: int,
    questions: Mapping[str, Sequence[str]],
    **_: Any,
) -> tuple[float | None, bool, list[dict[str, Any]]]:
    """Each group's share among participants who answered, against its census share:
    the representation index (1 = represented as in the city) per group, and the
    dissimilarity index ½·Σ|participant share − census share| overall (0 = same mix as
    the city; the share of participants who would have to be different people)."""
    question = str(spec.params.get("question", "age_band"))
    answers = list(questions.get(question, ()))
    counts = group_counts(figures, question, answers)
    answered = figures.participants - counts[NOT_GIVEN]
    census_counts = {a: census.group_total(f"{question}.{a}") for a in answers}
    census_total = sum(census_counts.values())
    rows: list[dict[str, Any]] = []
    dissimilarity = 0.0
    cells = breakdown_cells(counts, min_cell)
    for answer in [*answers, NOT_GIVEN]:
        count = counts[answer]
        shown = cells[answer]
        row: dict[str, Any] = {
            "group": f"{question}.{answer}",
            "participants": shown,
            "share": _ratio(count, figures.participants) if shown is not None else None,
            "census_share": None,
            "index": None,
        }
        if answer != NOT_GIVEN:
            census_share = census_counts[answer] / census_total if census_total else None
            answered_share = count / answered if answered else None
            row["census_share"] = round(census_share, 4) if census_share is not None else None
            if census_share and answered_share is not None and shown is not None:
                row["index"] = round(answered_share / census_share, 4)
            if census_share is not None and answered_share is not None:
                dissimilarity += abs(answered_share - census_share)
        rows.append(row)
    if not census_total or not publishable(answered, min_cell) or answered == 0:
        return None, not publishable(answered, min_cell), rows
    return round(dissimilarity / 2, 4), False, rows


def _alternative_channels(
    spec: CriterionSpec, figures: ParticipationFigures, census: Census, min_cell: int, **_: Any
) -> tuple[float | None, bool, list[dict[str, Any]]]:
    """Share of participants who took part by SMS or on paper, city-wide (the value) and
    per neighbourhood, each channel apart (the details)."""
    rows = []
    slugs = [(n.slug, n.name) for n in census.neighbourhoods]
    if figures.by_neighbourhood_channel.get(""):
        slugs.append(("", ""))
    for slug, name in slugs:
        channels = figures.by_neighbourhood_channel.get(slug, {})
        total = int(figures.by_neighbourhood.get(slug, sum(channels.values())))
        row: dict[str, Any] = {
            "neighbourhood": slug,
            "name": name,
            "participants": cell(total, min_cell),
        }
        cells = breakdown_cells(
            {c: int(channels.get(c, 0)) for c in {*channels, *ALTERNATIVE_CHANNELS}}, min_cell
        )
        for channel in ALTERNATIVE_CHANNELS:
            count = int(channels.get(channel, 0))
            shown = cells[channel] if publishable(total, min_cell) else None
            row[channel] = shown
            row[f"{channel}_share"] = _ratio(count, total) if shown is not None else None
        rows.append(row)
    if not publishable(figures.participants, min_cell):
        return None, True, rows
    alternative = sum(int(figures.by_channel.get(c, 0)) for c in ALTERNATIVE_CHANNELS)
    return _ratio(alternative, figures.participants), False, rows


def _ideas_on_ballot(
    spec: CriterionSpec, outcomes: OutcomeFigures | None, **_: Any
) -> tuple[float | None, bool, list[dict[str, Any]]]:
    if outcomes is None:
        return None, False, []
    details = [{"projects": outcomes.ballot_projects, "from_ideas": outcomes.ballot_from_ideas}]
    return _ratio(outcomes.ballot_from_ideas, outcomes.ballot_projects), False, details


def _ideas_funded(
    spec: CriterionSpec, outcomes: OutcomeFigures | None, **_: Any
) -> tuple[float | None, bool, list[dict[str, Any]]]:
    if outcomes is None or outcomes.funded is None:
        return None, False, []
    from_ideas = outcomes.funded_from_ideas or 0
    details = [{"funded": outcomes.funded, "from_ideas": from_ideas}]
    return _ratio(from_ideas, outcomes.funded), False, details


def _high_need_funds(
    spec: CriterionSpec,
    census: Census,
    outcomes: OutcomeFigures | None,
    high_need_index: float,
    **_: Any,
) -> tuple[float | None, bool, list[dict[str, Any]]]:
    """(Share of located funds in high-need neighbourhoods) ÷ (their share of the
    population): 1 = funds follow population, above 1 = funds lean to need."""
    if outcomes is None or outcomes.funded is None:
        return None, False, []
    threshold = float(spec.params.get("need_index", high_need_index))
    funds_total = sum(outcomes.funds_by_neighbourhood.values(), Decimal(0))
    rows = []
    funds_high = Decimal(0)
    population_high = 0
    for n in census.neighbourhoods:
        high = n.need_index >= threshold
        funds = outcomes.funds_by_neighbourhood.get(n.slug, Decimal(0))
        if high:
            funds_high += funds
            population_high += n.population
        rows.append(
            {
                "neighbourhood": n.slug,
                "name": n.name,
                "need_index": n.need_index,
                "high_need": high,
                "funds": str(funds),
                "funds_share": _ratio(float(funds), float(funds_total)),
                "population_share": _ratio(n.population, census.population),
            }
        )
    funds_share = float(funds_high / funds_total) if funds_total else None
    population_share = population_high / census.population if census.population else None
    if funds_share is None or not population_share:
        return None, False, rows
    return round(funds_share / population_share, 4), False, rows


def _decision_days(
    spec: CriterionSpec, outcomes: OutcomeFigures | None, **_: Any
) -> tuple[float | None, bool, list[dict[str, Any]]]:
    if outcomes is None:
        return None, False, []
    details = [{"ideas": outcomes.ideas, "decided": outcomes.ideas_decided}]
    value = outcomes.median_decision_days
    return (round(value, 2) if value is not None else None), False, details


def _recent_updates(
    spec: CriterionSpec, outcomes: OutcomeFigures | None, **_: Any
) -> tuple[float | None, bool, list[dict[str, Any]]]:
    if outcomes is None or outcomes.funded is None:
        return None, False, []
    updated = outcomes.funded_recently_updated or 0
    details = [{"funded": outcomes.funded, "recently_updated": updated}]
    return _ratio(updated, outcomes.funded), False, details


MetricFunction = Callable[..., tuple[float | None, bool, list[dict[str, Any]]]]

METRICS: dict[str, MetricFunction] = {
    "turnout_rate": _turnout,
    "inclusion_ratio": _inclusion,
    "dissimilarity": _dissimilarity,
    "alternative_channels": _alternative_channels,
    "ideas_on_ballot": _ideas_on_ballot,
    "ideas_funded": _ideas_funded,
    "high_need_funds": _high_need_funds,
    "decision_days": _decision_days,
    "recent_updates": _recent_updates,
}


def _met(spec: CriterionSpec, value: float | None, withheld: bool) -> bool | None:
    if value is None:
        return False if withheld and spec.metric == "inclusion_ratio" else None
    if spec.metric == "inclusion_ratio" and withheld:
        return False
    if spec.direction == "at_most":
        return value <= spec.target
    return value >= spec.target


def criteria_evaluate(
    *,
    figures: ParticipationFigures,
    census: Census,
    criteria: Sequence[CriterionSpec],
    questions: Mapping[str, Sequence[str]],
    outcomes: OutcomeFigures | None = None,
    min_cell: int = 10,
    high_need_index: float = 1.2,
) -> list[CriterionValue]:
    """Every criterion's value, target and met (None: not applicable, e.g. funding
    criteria for a pilot's reports or before results are published)."""
    results = []
    for spec in criteria:
        metric = METRICS.get(spec.metric)
        if metric is None:
            raise ValueError(f"unknown metric {spec.metric!r} for criterion {spec.key!r}")
        value, withheld, details = metric(
            spec,
            figures=figures,
            census=census,
            min_cell=min_cell,
            questions=questions,
            outcomes=outcomes,
            high_need_index=high_need_index,
        )
        results.append(
            CriterionValue(
                key=spec.key,
                metric=spec.metric,
                principle=spec.principle,
                target=spec.target,
                direction=spec.direction,
                value=value,
                met=_met(spec, value, withheld),
                suppressed=withheld,
                details=tuple(details),
                params=spec.params,
            )
        )
    return results


def median_days(durations_days: Sequence[float]) -> float | None:
    return float(median(durations_days)) if durations_days else None
