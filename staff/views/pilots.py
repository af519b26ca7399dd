"""Staff pages of pilot reporting: a pilot team's reports and its API token.

A pilot reporter sees only the pilots they report for (``participation.pilot_access``);
the admin role sees every pilot. Issuing a token shows it on the answer to the POST,
once: only its keyed hash is stored, and the previous token stops working."""

from __future__ import annotations

from django.db.models import Count, Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from participation.pilot_access import REPORT_PERMISSION, pilot_for_reporter, pilots_for_reporter
from participation.services.pilots import pilot_token_rotate
from staff.access import staff_permission_required


@staff_permission_required(REPORT_PERMISSION)
def pilot_list(request: HttpRequest) -> HttpResponse:
    pilots = (
        pilots_for_reporter(request.user)
        .annotate(report_count=Count("reports"), last_period_end=Max("reports__period_end"))
        .order_by("name")
    )
    return render(request, "staff/pilots/list.html", {"pilots": pilots})


@never_cache
@staff_permission_required(REPORT_PERMISSION)
@require_http_methods(["GET", "POST"])
def pilot_detail(request: HttpRequest, slug: str) -> HttpResponse:
    pilot = pilot_for_reporter(request.user, slug)
    token = None
    if request.method == "POST":
        token = pilot_token_rotate(pilot=pilot, actor=request.user)
    reports = pilot.reports.select_related("neighbourhood").order_by("-period_end", "channel")
    return render(
        request,
        "staff/pilots/detail.html",
        {"pilot": pilot, "reports": reports, "token": token},
    )
