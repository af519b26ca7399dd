"""Scorecards: the city's criteria evaluated for a process (with the trend across the
city's processes), for the whole city over time, or for figures from any source.

How another source (a pilot's reports) gets a scorecard: build an
``equity.figures.ParticipationFigures`` from it and call ``scorecard_for_figures``;
pass ``outcomes=None`` when the source has no ideas, ballot or funding (those criteria
then read "not applicable"), and ``history`` as earlier periods' figures for a trend."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from django.conf import settings

from core.models import Process
from equity.criteria import CriterionSpec, CriterionValue, criteria_evaluate
from equity.figures import Census, OutcomeFigures, ParticipationFigures
from equity.models import Criterion
from equity.selectors import city_census, process_outcomes, process_participation
from participation.demographics import DEMOGRAPHIC_QUESTIONS


@dataclass(frozen=True)
class TrendPoint:
    label: str  # a process slug, or a pilot's period
    title: str
    value: float | None
    met: bool | None


@dataclass(frozen=True)
class ScoredCriterion:
    criterion: CriterionValue
    trend: tuple[TrendPoint, ...]


@dataclass(frozen=True)
class Scorecard:
    label: str
    title: str
    criteria: tuple[ScoredCriterion, ...]
    participants: int


def city_criteria() -> list[CriterionSpec]:
    """The city's enabled criteria, in their order."""
    return [
        CriterionSpec(
            key=c.key,
            metric=c.metric,
            principle=c.principle,
            target=c.target,
            direction=c.direction,
            params=c.params or {},
        )
        for c in Criterion.objects.filter(enabled=True)
    ]


def _evaluate(
    figures: ParticipationFigures,
    outcomes: OutcomeFigures | None,
    census: Census,
    criteria: Sequence[CriterionSpec],
) -> list[CriterionValue]:
    return criteria_evaluate(
        figures=figures,
        census=census,
        criteria=criteria,
        questions=DEMOGRAPHIC_QUESTIONS,
        outcomes=outcomes,
        min_cell=settings.EQUITY_MIN_CELL,
        high_need_index=settings.EQUITY_HIGH_NEED_INDEX,
    )


def scorecard_for_figures(
    *,
    label: str,
    title: str,
    figures: ParticipationFigures,
    outcomes: OutcomeFigures | None = None,
    history: Sequence[tuple[str, str, ParticipationFigures, OutcomeFigures | None]] = (),
    census: Census | None = None,
) -> Scorecard:
    """The city's criteria for ``figures`` (the current period or process), with a
    trend over ``history`` (earlier (label, title, figures, outcomes), oldest first)
    followed by the current one."""
    census = census if census is not None else city_census()
    criteria = city_criteria()
    current = _evaluate(figures, outcomes, census, criteria)
    series = [(lab, tit, _evaluate(f, o, census, criteria)) for lab, tit, f, o in history]
    series.append((label, title, current))
    scored = tuple(
        ScoredCriterion(
            criterion=value,
            trend=tuple(
                TrendPoint(label=lab, title=tit, value=values[i].value, met=values[i].met)
                for lab, tit, values in series
            ),
        )
        for i, value in enumerate(current)
    )
    return Scorecard(label=label, title=title, criteria=scored, participants=figures.participants)


def processes_in_order() -> list[Process]:
    """The city's processes, oldest first: the axis of every trend."""
    return list(Process.objects.order_by("created_at", "pk"))


def process_scorecard(
    process: Process, *, figures: ParticipationFigures | None = None
) -> Scorecard:
    """The process's scorecard, its trend over the processes up to it. ``figures``:
    the process's participation when the caller has read it already (a page that
    shows both), so it is read once."""
    census = city_census()
    earlier = [p for p in processes_in_order() if p.pk != process.pk][:]
    earlier = [p for p in earlier if (p.created_at, p.pk) < (process.created_at, process.pk)]
    history = [(p.slug, p.title, process_participation(p), process_outcomes(p)) for p in earlier]
    return scorecard_for_figures(
        label=process.slug,
        title=process.title,
        figures=figures if figures is not None else process_participation(process),
        outcomes=process_outcomes(process),
        history=history,
        census=census,
    )


def city_scorecards() -> list[Scorecard]:
    """Every process's scorecard, oldest first (the city-wide view over time). The
    trend of each is left empty: the list itself is the trend."""
    census = city_census()
    cards = []
    for process in processes_in_order():
        card = scorecard_for_figures(
            label=process.slug,
            title=process.title,
            figures=process_participation(process),
            outcomes=process_outcomes(process),
            census=census,
        )
        cards.append(
            replace(
                card,
                criteria=tuple(replace(c, trend=()) for c in card.criteria),
            )
        )
    return cards
