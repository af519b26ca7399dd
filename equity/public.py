"""The public shapes of the equity figures: what the API returns as JSON, the pages
render and the CSVs list. Every count of residents passes through the suppression of
``equity.criteria`` here, so no public output shows a cell under ``EQUITY_MIN_CELL``.

A process's total (its turnout) is published as is, like an election's turnout: the
breakdowns under it are what could point at a person, and they are suppressed with a
second cell withheld where one alone would be found by subtraction."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from core.models import Process
from equity.criteria import breakdown_cells, cell, group_counts
from equity.figures import ParticipationFigures
from equity.models import Metric, Principle
from equity.scorecard import Scorecard
from equity.selectors import FUNNEL_STEPS, PUBLIC_CHANNELS, FunnelFigures, city_census
from participation.demographics import (
    DEMOGRAPHIC_QUESTIONS,
    NOT_GIVEN,
    group_label,
    question_groups,
    question_label,
)


def _share(count: int | None, total: int) -> float | None:
    return round(count / total, 4) if count is not None and total else None


def group_breakdown(
    figures: ParticipationFigures, *, min_cell: int | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Per question: every group, "not given" included, with its count and share of
    all participants (the shares of the shown cells and the withheld ones add to 1)."""
    min_cell = settings.EQUITY_MIN_CELL if min_cell is None else min_cell
    out: dict[str, list[dict[str, Any]]] = {}
    for question, answers in DEMOGRAPHIC_QUESTIONS.items():
        counts = group_counts(figures, question, answers)
        cells = breakdown_cells(counts, min_cell)
        out[question] = [
            {
                "group": f"{question}.{answer}",
                "label": group_label(f"{question}.{answer}"),
                "participants": cells[answer],
                "share": _share(cells[answer], figures.participants),
            }
            for answer in [*answers, NOT_GIVEN]
        ]
    return out


def participation_by_channel(figures: ParticipationFigures) -> dict[str, int | None]:
    """Voters by the channel of their counted vote (each resident once), small cells
    withheld: the API's ``by_channel``, and what the process and results pages show."""
    return breakdown_cells(
        {c: int(figures.by_channel.get(c, 0)) for c in {*PUBLIC_CHANNELS, *figures.by_channel}},
        settings.EQUITY_MIN_CELL,
    )


def participation_json(process: Process, figures: ParticipationFigures) -> dict[str, Any]:
    """``GET /api/processes/<slug>/participation/``: distinct residents who voted,
    overall, by channel (each once, by the channel of their counted vote), by
    neighbourhood and by group; and residents per phase."""
    min_cell = settings.EQUITY_MIN_CELL
    channels = participation_by_channel(figures)
    census = city_census()
    counts = {n.slug: int(figures.by_neighbourhood.get(n.slug, 0)) for n in census.neighbourhoods}
    if figures.by_neighbourhood.get(""):
        counts[""] = int(figures.by_neighbourhood[""])
    # Primary suppression only, as in the criteria (``equity.criteria``): a
    # neighbourhood's count of voters is public in its pot's result anyway.
    cells = {slug: cell(count, min_cell) for slug, count in counts.items()}
    return {
        "process": process.slug,
        "participants": figures.participants,
        "by_channel": {str(c): channels[c] for c in sorted(channels, key=str)},
        "by_neighbourhood": [
            {
                "neighbourhood": n.slug,
                "name": n.name,
                "population": n.population,
                "participants": cells[n.slug],
                "rate": _share(cells[n.slug], n.population),
            }
            for n in census.neighbourhoods
        ],
        "no_neighbourhood": cells.get("", 0),
        "by_group": group_breakdown(figures, min_cell=min_cell),
        "by_phase": breakdown_cells(dict(figures.by_phase), min_cell),
        "min_cell": min_cell,
    }


def metric_label(metric: str) -> str:
    try:
        return str(Metric(metric).label)
    except ValueError:
        return metric


def principle_label(principle: str) -> str:
    try:
        return str(Principle(principle).label)
    except ValueError:
        return principle


def criterion_label(metric: str, params: dict[str, Any]) -> str:
    label = metric_label(metric)
    if metric == Metric.REPRESENTATIVENESS and params.get("question"):
        return f"{label}: {question_label(str(params['question']))}"
    return label


def scorecard_json(card: Scorecard) -> dict[str, Any]:
    """``GET /api/processes/<slug>/scorecard/``."""
    return {
        "process": card.label,
        "title": card.title,
        "participants": card.participants,
        "min_cell": settings.EQUITY_MIN_CELL,
        "criteria": [
            {
                "key": c.criterion.key,
                "principle": c.criterion.principle,
                "principle_label": principle_label(c.criterion.principle),
                "metric": c.criterion.metric,
                "label": criterion_label(c.criterion.metric, dict(c.criterion.params)),
                "value": c.criterion.value,
                "target": c.criterion.target,
                "direction": c.criterion.direction,
                "met": c.criterion.met,
                "suppressed": c.criterion.suppressed,
                "params": dict(c.criterion.params),
                "details": [dict(d) for d in c.criterion.details],
                "trend": [
                    {"process": t.label, "title": t.title, "value": t.value, "met": t.met}
                    for t in c.trend
                ],
            }
            for c in card.criteria
        ],
    }


def _funnel_steps(counts: dict[str, int], min_cell: int) -> list[dict[str, Any]]:
    """Each step's count and the drop-off from the step before (share lost)."""
    rows = []
    previous: int | None = None
    for step in FUNNEL_STEPS:
        count = counts.get(step, 0)
        shown = count if (count == 0 or count >= min_cell) else None
        drop = None
        if previous is not None and shown is not None and previous:
            drop = round(1 - count / previous, 4)
        rows.append({"step": step, "residents": shown, "drop_off": drop})
        previous = shown
    return rows


def funnel_json(process: Process, funnel: FunnelFigures) -> dict[str, Any]:
    """``GET /api/processes/<slug>/funnel/``: reached → engaged → verified → voted,
    overall, by group (every question, "not given" included) and by channel."""
    min_cell = settings.EQUITY_MIN_CELL
    by_group: dict[str, list[dict[str, Any]]] = {}
    for question in DEMOGRAPHIC_QUESTIONS:
        by_group[question] = [
            {
                "group": key,
                "label": group_label(key),
                "steps": _funnel_steps(dict(funnel.by_group.get(key, {})), min_cell),
            }
            for key in question_groups(question)
        ]
    return {
        "process": process.slug,
        "steps": list(FUNNEL_STEPS),
        "overall": _funnel_steps(dict(funnel.overall), min_cell),
        "by_group": by_group,
        "by_channel": [
            {"channel": str(channel), "steps": _funnel_steps(dict(counts), min_cell)}
            for channel, counts in sorted(funnel.by_channel.items(), key=lambda kv: str(kv[0]))
        ],
        "min_cell": min_cell,
    }
