"""Reads shared by pages, the API and the SMS conversation."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from budgets.models import Phase, Process, Project
from maps.selectors import neighbourhoods_feature_collection


def process_current_phase(process: Process, when: object | None = None) -> Phase | None:
    now = when or timezone.now()
    return process.phases.filter(starts_at__lte=now, ends_at__gt=now).first()


def projects_on_ballot(process: Process) -> QuerySet[Project]:
    return Project.objects.on_ballot(process).select_related("pot", "neighbourhood")


def process_map_data(process: Process) -> dict[str, Any]:
    """Everything the process map draws, as one JSON-safe dict (neighbourhood boundaries
    and project points). Rendered with json_script, so the page needs no extra request."""
    projects = [
        {
            "id": p.pk,
            "code": p.short_code,
            "title": p.title,
            "cost": str(p.cost),
            "lat": p.lat,
            "lng": p.lng,
            "neighbourhood": p.neighbourhood.name if p.neighbourhood else None,
        }
        for p in projects_on_ballot(process)
        if p.lat is not None and p.lng is not None
    ]
    return {"neighbourhoods": neighbourhoods_feature_collection(), "projects": projects}
