"""The fairness page of a published result: who was served by what was funded, and
what greedy and MES would have funded on the same ballots (budgets.fairness)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from budgets.fairness import PUBLISHED, NeighbourhoodFunds, process_fairness
from budgets.tally import decimal_from_fraction
from core.models import TallyRule
from core.selectors import process_or_404


def _percent(value: object) -> float:
    return round(100 * float(value), 1)  # type: ignore[arg-type]


def outcome_label(key: str, published_rule: str) -> str:
    if key == PUBLISHED:
        rule = TallyRule(published_rule).label if published_rule in TallyRule.values else key
        return _("Published result (%(rule)s)") % {"rule": rule}
    return str(TallyRule(key).label) if key in TallyRule.values else key


@dataclass(frozen=True)
class OutcomeRow:
    label: str
    published: bool
    funded: int
    spent: Decimal
    served_percent: float
    avg_projects: float
    avg_money: Decimal


@dataclass(frozen=True)
class FundsCell:
    amount: Decimal
    percent: float


@dataclass(frozen=True)
class PlaceRow:
    row: NeighbourhoodFunds
    population_percent: float
    need_percent: float
    cells: list[FundsCell]


def fairness_page(request: HttpRequest, slug: str) -> HttpResponse:
    process = process_or_404(slug)
    figures = process_fairness(process)
    if figures is None:
        raise Http404("results are not published")
    labels = [outcome_label(key, figures.published_rule) for key in figures.outcomes]
    pots = []
    for pot in figures.pots:
        rows = [
            OutcomeRow(
                label=label,
                published=rule.published,
                funded=rule.figures.funded,
                spent=decimal_from_fraction(rule.figures.spent),
                served_percent=_percent(rule.figures.non_empty_handed),
                avg_projects=round(float(rule.figures.avg_projects), 2),
                avg_money=decimal_from_fraction(rule.figures.avg_cost_satisfaction).quantize(
                    Decimal("1")
                ),
            )
            for label, rule in zip(labels, pot.rules, strict=True)
        ]
        pots.append((pot, rows, pot.rules[0].figures.voters))
    places = [
        PlaceRow(
            row=row,
            population_percent=_percent(row.population_share),
            need_percent=_percent(row.need_share),
            cells=[
                FundsCell(amount=row.funds[key], percent=_percent(row.funds_share[key]))
                for key in figures.outcomes
            ],
        )
        for row in figures.neighbourhoods
    ]
    reach = [
        (label, figures.neighbourhoods_funded(key))
        for label, key in zip(labels, figures.outcomes, strict=True)
    ]
    return render(
        request,
        "frontend/fairness.html",
        {
            "process": process,
            "labels": labels,
            "pots": pots,
            "places": places,
            "reach": reach,
            "places_total": sum(1 for p in places if p.row.neighbourhood is not None),
        },
    )
