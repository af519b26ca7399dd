"""Publishing results, as a walk-through: close voting, count with the process's rule,
review (beside greedy and Equal Shares), override with a reason if the city must,
publish; un-publish only with a reason. Each step is one service in
``budgets.services.results``; this module parses, calls and redirects back."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from budgets.models import OverrideKind, Pot, Project
from budgets.review import process_review
from budgets.services.results import (
    PUBLISH_PERMISSION,
    ResultsError,
    outcome_override,
    results_count,
    results_publish,
    results_unpublish,
    voting_close,
)
from core.models import PhaseKind, PhaseState, Process
from core.selectors import process_or_404, process_phase
from staff.access import staff_permission_required

STEPS = ("close", "count", "publish", "unpublish", "override")


@staff_permission_required(PUBLISH_PERMISSION)
@require_http_methods(["GET"])
def results_walkthrough(request: HttpRequest, slug: str) -> HttpResponse:
    process = process_or_404(slug)
    voting = process_phase(process, PhaseKind.VOTING)
    state = voting.state_at() if voting else None
    closed = state == PhaseState.CLOSED
    reviews = process_review(process) if closed else []
    counted = (
        voting is not None
        and bool(reviews)
        and all(r.run is not None and r.run.computed_at >= voting.ends_at for r in reviews)
    )
    return render(
        request,
        "staff/results.html",
        {
            "process": process,
            "voting": voting,
            "voting_state": state,
            "states": PhaseState,
            "closed": closed,
            "counted": counted,
            "published": process.results_published_at is not None,
            "reviews": reviews,
            "kinds": OverrideKind.choices,
            "now": timezone.now(),
        },
    )


def _override(request: HttpRequest, process: Process) -> None:
    raw_pot = request.POST.get("pot", "")
    pot = (
        Pot.objects.filter(process=process, pk=int(raw_pot)).first() if raw_pot.isdigit() else None
    )
    if pot is None:
        raise ResultsError(_("Choose a budget."))
    kind = request.POST.get("kind", "")
    project = None
    budget = None
    if kind == OverrideKind.BUDGET:
        try:
            budget = Decimal(request.POST.get("budget", "").strip().replace(",", ""))
        except InvalidOperation:
            raise ResultsError(_("Give the new budget as a number.")) from None
        if not budget.is_finite():
            raise ResultsError(_("Give the new budget as a number."))
    else:
        number = request.POST.get("project", "").strip().lstrip("#")
        if number.isdigit():
            project = Project.objects.filter(pot=pot, short_code=int(number)).first()
    outcome_override(
        process=process,
        pot=pot,
        actor=request.user,
        kind=kind,
        reason=request.POST.get("reason", ""),
        project=project,
        budget=budget,
    )


@staff_permission_required(PUBLISH_PERMISSION)
@require_http_methods(["POST"])
def results_step(request: HttpRequest, slug: str, step: str) -> HttpResponse:
    if step not in STEPS:
        raise Http404
    process = process_or_404(slug)
    try:
        if step == "close":
            voting_close(process=process, actor=request.user)
            messages.success(request, _("Voting is closed."))
        elif step == "count":
            results_count(process=process, actor=request.user)
            messages.success(request, _("Counted. Review the outcome before publishing."))
        elif step == "publish":
            results_publish(process=process, actor=request.user)
            messages.success(request, _("The results are published."))
        elif step == "unpublish":
            results_unpublish(
                process=process, actor=request.user, reason=request.POST.get("reason", "")
            )
            messages.success(request, _("The results are no longer public."))
        else:
            _override(request, process)
            messages.success(request, _("The override is recorded with its reason."))
    except ResultsError as exc:
        messages.error(request, str(exc))
    return HttpResponseRedirect(reverse("staff:results", args=[process.slug]))
