from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from accounts.session import resident_from_request
from budgets.models import ImplementationStatus, Project
from frontend.views.results import project_result
from participation.access import proposal_visible_to


def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    project = get_object_or_404(
        Project.objects.select_related("process", "pot", "neighbourhood", "source_proposal"),
        pk=pk,
        withdrawn=False,
    )
    source = project.source_proposal
    if source is not None and not proposal_visible_to(source, resident_from_request(request)):
        source = None
    return render(
        request,
        "frontend/project_detail.html",
        {
            "project": project,
            "process": project.process,
            "source": source,
            "result": project_result(project.process, project),
            "started": project.implementation_status != ImplementationStatus.NOT_STARTED,
        },
    )
