from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from budgets.models import Pot, Project, ProjectMilestone
from budgets.open_data import ExportNotPublished, projects_geojson, results_csv_rows
from budgets.pabulib.db_export import PbExportRefused, pot_export_pabulib
from budgets.results import PotResult, ProjectResult, process_results
from core.models import Process
from core.selectors import process_or_404
from frontend.live import live_config
from frontend.turnout import process_turnout_by_channel


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
    process = process_or_404(slug)
    pot_results = published_results(process)
    return render(
        request,
        "frontend/results.html",
        {
            "process": process,
            "charts": _charts(pot_results) if pot_results is not None else None,
            # Who voted, by channel (paper ballots counted like any other), once published.
            "turnout": process_turnout_by_channel(process) if pot_results is not None else None,
            "live": live_config(process),
            "export_min_ballots": settings.EXPORT_MIN_BALLOTS,
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
    process = process_or_404(slug)
    pot_results = published_results(process)
    funded: list[DeliveryRow] = []
    if pot_results is not None:
        projects = [row.project for result in pot_results for row in result.projects if row.funded]
        pending: dict[int, ProjectMilestone] = {}
        for milestone in ProjectMilestone.objects.filter(
            project__in=projects, done_on__isnull=True
        ).order_by("-planned_on", "-pk"):
            pending[milestone.project_id] = milestone  # the earliest wins
        funded = [DeliveryRow(project=p, next_milestone=pending.get(p.pk)) for p in projects]
    return render(
        request,
        "frontend/delivery.html",
        {"process": process, "published": pot_results is not None, "funded": funded},
    )


@dataclass(frozen=True)
class DeliveryRow:
    project: Project
    next_milestone: ProjectMilestone | None


# --- open data downloads (after publication only) ---------------------------------------


def _not_published() -> HttpResponse:
    return HttpResponseNotFound(
        _("The results are not published yet: there is nothing to download."),
        content_type="text/plain; charset=utf-8",
    )


def results_csv(request: HttpRequest, slug: str) -> HttpResponse:
    """The published results, one row per project and budget."""
    process = process_or_404(slug)
    try:
        rows = list(results_csv_rows(process))
    except ExportNotPublished:
        return _not_published()
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{process.slug}-results.csv"'
    csv.writer(response).writerows(rows)
    return response


def projects_geojson_download(request: HttpRequest, slug: str) -> HttpResponse:
    """The projects as GeoJSON, with funded and delivery status."""
    process = process_or_404(slug)
    try:
        data = projects_geojson(process)
    except ExportNotPublished:
        return _not_published()
    response = JsonResponse(data, content_type="application/geo+json")
    response["Content-Disposition"] = f'attachment; filename="{process.slug}-projects.geojson"'
    return response


def pot_pabulib_download(request: HttpRequest, slug: str, pot_id: int) -> HttpResponse:
    """One budget's election as a Pabulib .pb file (anonymous ballots; withheld for
    small budgets), for anyone to re-count."""
    process = process_or_404(slug)
    pot = get_object_or_404(Pot, pk=pot_id, process=process)
    stream = io.StringIO(newline="")
    try:
        pot_export_pabulib(process, pot, stream)
    except PbExportRefused:
        return _not_published()
    response = HttpResponse(stream.getvalue(), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{process.slug}-{pot.pk}.pb"'
    return response
