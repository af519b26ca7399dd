from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from budgets.models import Project
from budgets.results import PotResult, ProjectResult, process_results
from core.models import Process
from frontend.live import live_config


def published_results(process: Process) -> list[PotResult] | None:
    """None until results are published (budgets.results decides)."""
    results = process_results(process)
    return None if results is None else list(results)


@dataclass(frozen=True)
class Bar:
    """One project's row in the chart: the share of the pot's ballots that chose it
    (so bars compare across pots too); the numbers are printed beside the bar."""

    row: ProjectResult
    percent: float


@dataclass(frozen=True)
class PotChart:
    result: PotResult
    bars: list[Bar]
    spent_percent: float


def _charts(results: list[PotResult]) -> list[PotChart]:
    charts = []
    for result in results:
        bars = [
            Bar(row=row, percent=round(100 * min(max(row.share_of_votes, 0.0), 1.0), 1))
            for row in result.projects
        ]
        budget = float(result.budget or 0)
        spent = round(100 * float(result.spent or 0) / budget, 1) if budget else 0.0
        charts.append(PotChart(result=result, bars=bars, spent_percent=min(spent, 100.0)))
    return charts


def results(request: HttpRequest, slug: str) -> HttpResponse:
    """The published results: per pot, a bar per project (inline SVG, with the numbers
    and "Funded" in words beside it, so it reads without JavaScript or colour) and the
    sentence saying why it was or was not funded."""
    process = get_object_or_404(Process, slug=slug)
    pot_results = published_results(process)
    return render(
        request,
        "frontend/results.html",
        {
            "process": process,
            "charts": _charts(pot_results) if pot_results is not None else None,
            "live": live_config(process),
        },
    )


def project_result(process: Process, project: Project) -> ProjectResult | None:
    """This project's row in the published results, if any."""
    for result in published_results(process) or []:
        for row in result.projects:
            if row.project.pk == project.pk:
                return row
    return None


def delivery(request: HttpRequest, slug: str) -> HttpResponse:
    """Delivery of the funded projects (implementation status and note)."""
    process = get_object_or_404(Process, slug=slug)
    pot_results = published_results(process)
    funded: list[Project] = []
    if pot_results is not None:
        funded = [row.project for result in pot_results for row in result.projects if row.funded]
    return render(
        request,
        "frontend/delivery.html",
        {"process": process, "published": pot_results is not None, "funded": funded},
    )
