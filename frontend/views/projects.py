from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from accounts.session import resident_from_request
from budgets.models import ImplementationStatus, Project
from frontend.selectors import comment_tree, visible_comment_count
from frontend.views.results import project_result
from maps.models import Neighbourhood
from participation.access import proposal_visible_to


def _neighbourhood_feature(neighbourhood: Neighbourhood | None) -> dict[str, Any]:
    features = []
    if neighbourhood is not None:
        features.append(
            {
                "type": "Feature",
                "geometry": neighbourhood.boundary,
                "properties": {"name": neighbourhood.name, "slug": neighbourhood.slug},
            }
        )
    return {"type": "FeatureCollection", "features": features}


def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """What a resident needs to vote on more than a title: the description, where it is
    (in words, and on a small map with JavaScript), the resident's idea it grew from with
    its discussion, the result once published, and its delivery."""
    project: Project = get_object_or_404(
        Project.objects.select_related("process", "pot", "neighbourhood", "source_proposal"),
        pk=pk,
        withdrawn=False,
    )
    source = project.source_proposal
    if source is not None and not proposal_visible_to(source, resident_from_request(request)):
        source = None
    located = project.lat is not None and project.lng is not None
    return render(
        request,
        "frontend/project_detail.html",
        {
            "project": project,
            "process": project.process,
            "source": source,
            "source_comments": comment_tree(source) if source is not None else [],
            "source_comment_count": visible_comment_count(source) if source is not None else 0,
            "source_supporters": source.supports.count() if source is not None else 0,
            "can_comment": False,  # the discussion is read here, joined on the idea's page
            "result": project_result(project.process, project),
            "started": project.implementation_status != ImplementationStatus.NOT_STARTED,
            "located": located,
            "map_data": {
                "neighbourhoods": _neighbourhood_feature(project.neighbourhood),
                "project": {
                    "code": project.short_code,
                    "title": project.title,
                    "lat": project.lat,
                    "lng": project.lng,
                }
                if located
                else None,
            },
        },
    )
