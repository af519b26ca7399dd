from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from budgets.models import Process
from budgets.selectors import process_current_phase, process_map_data, projects_on_ballot


def home(request: HttpRequest) -> HttpResponse:
    processes = [(p, process_current_phase(p)) for p in Process.objects.order_by("-created_at")]
    return render(request, "frontend/home.html", {"processes": processes})


def process_detail(request: HttpRequest, slug: str) -> HttpResponse:
    process = get_object_or_404(Process, slug=slug)
    return render(
        request,
        "frontend/process_detail.html",
        {
            "process": process,
            "phase": process_current_phase(process),
            "projects": projects_on_ballot(process),
            "map_data": process_map_data(process),
        },
    )
