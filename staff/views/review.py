"""Review (costing) at /staff/review/: published ideas not yet on a ballot, each with a
cost, pot, SMS number and feasibility note to fill; one idea or every ticked one goes on
the ballot through ``sms.author_notices.proposal_to_project_and_tell`` (the project and
the author's notice in one transaction). Bad input comes back as a message per idea,
never a 500."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from budgets.models import Pot
from budgets.review_queue import ideas_for_review
from budgets.services.review import next_short_code, review_cost_parse
from participation.errors import ParticipationError
from participation.models import Proposal
from sms.author_notices import proposal_to_project_and_tell
from staff.access import staff_permission_required
from staff.form_input import form_id, form_text

REVIEW = "participation.review_proposals"
BULK_MAX = 100


@staff_permission_required(REVIEW)
@require_GET
def review_page(request: HttpRequest) -> HttpResponse:
    ideas = ideas_for_review()
    pots: dict[int, list[Pot]] = defaultdict(list)
    for pot in Pot.objects.filter(process_id__in={i.process_id for i in ideas}).select_related(
        "neighbourhood"
    ):
        pots[pot.process_id].append(pot)
    next_codes: dict[int, int] = {}
    rows: list[dict[str, Any]] = []
    for idea in ideas:
        code = next_codes.setdefault(idea.process_id, next_short_code(idea.process_id))
        next_codes[idea.process_id] = code + 1
        rows.append(
            {
                "idea": idea,
                "pots": [
                    p
                    for p in pots[idea.process_id]
                    if p.neighbourhood_id in (None, idea.neighbourhood_id)
                ],
                "code": code,
            }
        )
    return render(request, "staff/review.html", {"rows": rows})


@staff_permission_required(REVIEW)
@require_POST
def review_add(request: HttpRequest) -> HttpResponse:
    """Put the idea of a row's button (``one``) or every ticked one (``items``) on the
    ballot with the values typed in their row (``cost-<id>``, ``pot-<id>``,
    ``code-<id>``, ``note-<id>``)."""
    # A row's own button names one idea; the bulk button sends every ticked one.
    one = request.POST.get("one")
    raw_ids = [one] if one else request.POST.getlist("items")[:BULK_MAX]
    if not raw_ids:
        messages.error(request, _("Tick at least one idea first."))
    for raw in raw_ids:
        pk = form_id(form_text(raw))
        proposal = Proposal.objects.filter(pk=pk).first() if pk else None
        if proposal is None:
            messages.error(request, _("%(item)s: no such idea.") % {"item": form_text(raw)[:40]})
            continue
        try:
            cost = review_cost_parse(form_text(request.POST.get(f"cost-{pk}")))
            pot_id = form_id(request.POST.get(f"pot-{pk}"))
            pot = Pot.objects.filter(pk=pot_id).first() if pot_id else None
            code = form_id(request.POST.get(f"code-{pk}"))
            if pot is None:
                raise ParticipationError("bad_pot", _("Choose a pot."))
            if code is None:
                raise ParticipationError("bad_code", _("Give the project an SMS number."))
            result = proposal_to_project_and_tell(
                actor=request.user,
                proposal=proposal,
                pot=pot,
                cost=cost,
                short_code=code,
                feasibility_note=form_text(request.POST.get(f"note-{pk}")),
            )
        except ParticipationError as exc:
            messages.error(request, f"#{pk}: {exc.message}")
            continue
        messages.success(
            request,
            _("Idea #%(id)d is on the ballot as project %(code)d.")
            % {"id": proposal.pk, "code": result.project.short_code},
        )
    return HttpResponseRedirect(reverse("staff:review"), status=303)
