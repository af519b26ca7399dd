"""A pilot's public page: what it is, the delivery of the funded project it carries
out, and its participation scorecard from its own reports, side by side."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from budgets.models import Project
from budgets.selectors import project_delivery_label
from equity.pilot_scorecard import pilot_scorecard
from equity.public import scorecard_json
from frontend.views.equity import _criterion_rows
from participation.models import Pilot


@require_GET
def pilot_list(request: HttpRequest) -> HttpResponse:
    pilots = Pilot.objects.filter(active=True).select_related("project").order_by("name")
    return render(request, "frontend/pilot_list.html", {"pilots": pilots})


@require_GET
def pilot_detail(request: HttpRequest, slug: str) -> HttpResponse:
    pilot = get_object_or_404(Pilot.objects.select_related("neighbourhood"), slug=slug, active=True)
    project = Project.objects.filter(pilot=pilot).select_related("process").first()
    card = pilot_scorecard(pilot)
    return render(
        request,
        "frontend/pilot_detail.html",
        {
            "pilot": pilot,
            "project": project,
            "delivery": project_delivery_label(project) if project else None,
            "card": card,
            "criteria": _criterion_rows(scorecard_json(card)) if card else [],
            "min_cell": settings.EQUITY_MIN_CELL,
        },
    )
