"""The staff start page: links to the staff pages this account's role may open."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@login_required
def staff_home(request: HttpRequest) -> HttpResponse:
    # Shows only links; each linked page checks its own named permission.
    return render(request, "staff/home.html", {})
