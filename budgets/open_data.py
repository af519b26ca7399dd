"""Open data after publication: the results as CSV rows and the projects as GeoJSON
with their outcome and delivery. Both read the published results only
(``process_results``), so before publication there is nothing to export."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from budgets.models import Project
from budgets.results import process_results
from core.models import Process


class ExportNotPublished(Exception):
    """Counts are secret until results are published; so are the exports."""


RESULTS_CSV_HEADER = (
    "pot",
    "neighbourhood",
    "project_number",
    "project",
    "cost",
    "currency",
    "votes",
    "score",
    "funded",
    "reason",
    "pot_budget",
    "pot_ballots",
    "rule",
)


def results_csv_rows(process: Process) -> Iterator[tuple[Any, ...]]:
    """One row per project and pot of the published results (header first), in the
    active language for the reasons. Aggregates only: no ballot, no voter."""
    results = process_results(process)
    if results is None:
        raise ExportNotPublished(process.slug)
    yield RESULTS_CSV_HEADER
    for result in results:
        for row in result.projects:
            project = row.project
            yield (
                result.pot.name,
                result.pot.neighbourhood.name if result.pot.neighbourhood else "",
                project.short_code,
                project.title,
                project.cost,
                process.currency,
                row.votes,
                row.score,
                "yes" if row.funded else "no",
                row.reason,
                result.budget,
                result.ballots,
                result.rule,
            )


def projects_geojson(process: Process) -> dict[str, Any]:
    """The projects on the ballot that have a place, as a GeoJSON FeatureCollection
    (WGS84, [lng, lat]), each with whether it was funded and how its delivery is."""
    results = process_results(process)
    if results is None:
        raise ExportNotPublished(process.slug)
    funded = {row.project.pk: row for result in results for row in result.projects}
    features = []
    projects = (
        Project.objects.on_ballot(process)
        .filter(lat__isnull=False, lng__isnull=False)
        .select_related("pot", "neighbourhood")
    )
    for project in projects:
        row = funded.get(project.pk)
        features.append(
            {
                "type": "Feature",
                "id": project.short_code,
                "geometry": {"type": "Point", "coordinates": [project.lng, project.lat]},
                "properties": {
                    "number": project.short_code,
                    "title": project.title,
                    "cost": str(project.cost),
                    "currency": process.currency,
                    "pot": project.pot.name,
                    "neighbourhood": project.neighbourhood.name if project.neighbourhood else None,
                    "votes": row.votes if row else None,
                    "funded": bool(row and row.funded),
                    "status": project.implementation_status,
                    "percent_complete": project.implementation_percent,
                    "status_updated_at": project.implementation_updated_at.isoformat()
                    if project.implementation_updated_at
                    else None,
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}
