"""The staff start page: links to the staff pages this account's role may open."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.models import Process


@login_required
def staff_home(request: HttpRequest) -> HttpResponse:
    # Shows only links; each linked page checks its own named permission.
    user = request.user
    return render(
        request,
        "staff/home.html",
        {
            "processes": Process.objects.order_by("-created_at"),
            "can": {
                "codes": user.has_perm("participation.issue_voter_codes"),
                "enter": user.has_perm("budgets.enter_paper_ballots"),
                "void": user.has_perm("budgets.void_paper_ballots"),
                "delivery": user.has_perm("budgets.update_delivery"),
                "publish": user.has_perm("core.publish_results"),
            },
        },
    )
