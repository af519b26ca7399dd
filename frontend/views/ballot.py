from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.session import (
    resident_from_request,
    resident_id_from_session,
    resident_request_set,
    resident_required,
    resident_session_required,
    safe_next,
    sign_in_redirect,
)
from budgets.ballot_validation import BallotProblem
from budgets.receipts import receipt_display
from budgets.selectors import BallotPot, ballot_pots, process_turnout
from budgets.services.ballots import BallotInvalid, CastResult, ballot_cast
from core.models import BallotType, Channel, PhaseKind, PhaseState, Process
from core.selectors import process_or_404, process_phase
from frontend.ballot_form import (
    BALLOT_FORM_ID,
    BallotInput,
    ballot_input_parse,
    field_id,
    problem_error,
)
from frontend.ballot_instructions import BallotInstructions, ballot_instructions
from frontend.forms import NeighbourhoodForm, SummaryError, error_summary
from frontend.live import live_config
from frontend.page_cache import page_part
from frontend.selectors import process_has_local_pots, resident_has_voted
from participation.errors import ParticipationError
from participation.models import Resident
from participation.services.residents import resident_claim_neighbourhood

# Ballot types whose form is only the chosen project ids.
_IDS_ONLY = (BallotType.APPROVAL, BallotType.K_OF_N)


@require_http_methods(["GET", "POST"])
@resident_session_required
def ballot(request: HttpRequest, slug: str) -> HttpResponse:
    """The ballot of ``slug`` for the signed-in resident: GET shows it, POST casts it.

    The same POST comes from the plain form (no JavaScript) and with the budget meter
    on. ``ballot_cast`` validates; its problems are shown in words, linked to the
    fields. On success the confirmation is rendered as the POST response itself, not
    stored for a redirect: the receipt and choices must not sit in the session table
    next to the resident's id (that row would join identity to the ballot)."""
    process = process_or_404(slug)
    # Approval ballots are read from the project ids alone: a cast that succeeds never
    # loads the ballot's pots, nor the resident before the cast (the service reads what
    # it needs, the resident under its lock, and returns them for the page).
    resident: Resident | None = None
    pots: list[BallotPot] | None = None
    if request.method == "GET" or process.ballot_type not in _IDS_ONLY:
        resident = resident_from_request(request)
        if resident is None:
            return sign_in_redirect(request)
        pots = _ballot_pots(process, resident, kept=request.method == "GET")
    parsed = BallotInput()
    errors: list[SummaryError] = []
    problems: list[BallotProblem] = []
    if request.method == "POST":
        parsed = ballot_input_parse(process, pots or [], request.POST)
        errors = list(parsed.errors)
        if not errors:
            try:
                result = ballot_cast(
                    resident=resident or _session_resident_id(request),
                    process=process,
                    choices=parsed.choices,
                    channel=Channel.WEB,
                )
            except Resident.DoesNotExist:
                return sign_in_redirect(request)
            except BallotInvalid as exc:
                problems = exc.problems
            else:
                resident_request_set(request, result.resident)
                return _confirmation(request, process, result)
    resident = resident or resident_from_request(request)
    if resident is None:
        return sign_in_redirect(request)
    if pots is None:
        pots = ballot_pots(process, resident)
    errors += [problem_error(p, process, pots) for p in problems]
    voting_phase = process_phase(process, PhaseKind.VOTING)
    voting_state = voting_phase.state_at() if voting_phase is not None else None
    voting_open = voting_state == PhaseState.OPEN
    needs_neighbourhood = resident.neighbourhood_id is None and process_has_local_pots(process)
    pot_views, pots_html, instructions = _shown(process, resident, pots, parsed.values)
    context: dict[str, Any] = {
        "process": process,
        "pots": pot_views,
        "pots_html": pots_html,
        "errors": errors,
        "form_id": BALLOT_FORM_ID,
        "voting_phase": voting_phase,
        "voting_open": voting_open,
        "voting_not_started": voting_state == PhaseState.UPCOMING,
        "has_voted": resident_has_voted(process, resident),
        "needs_neighbourhood": needs_neighbourhood,
        # Built only for the resident who is asked (a form copies its fields).
        "neighbourhood_form": NeighbourhoodForm(auto_id="claim-%s")
        if needs_neighbourhood
        else None,
        "turnout": page_part(process.pk, "turnout", lambda: process_turnout(process))
        if voting_open
        else None,
        "live": live_config(process),
        "ballot_type": process.ballot_type,
        "types": BallotType,
        "instructions": instructions,
    }
    response = render(request, "frontend/ballot.html", context, status=400 if errors else 200)
    add_never_cache_headers(response)
    return response


def _session_resident_id(request: HttpRequest) -> int:
    resident_id = resident_id_from_session(request)
    assert resident_id is not None  # resident_session_required
    return resident_id


def _ballot_pots(process: Process, resident: Resident, *, kept: bool) -> list[BallotPot]:
    """The resident's pots; ``kept`` (a page shown, not a cast read) through
    ``page_part``: every resident of a neighbourhood has the same. Pots are frozen
    once voting opens (``budgets.services.process_edits``); a project edited during
    the vote shows on the ballot within ``PAGE_CACHE_SECONDS``, and a cast always
    reads the projects fresh."""
    if not kept:
        return ballot_pots(process, resident)
    part = f"ballot_pots.{resident.neighbourhood_id}"
    return page_part(process.pk, part, lambda: ballot_pots(process, resident))


def _shown(
    process: Process, resident: Resident, pots: list[BallotPot], values: dict[int, int]
) -> tuple[list[dict[str, Any]], str, BallotInstructions]:
    """The pots as the template shows them, their rows rendered (a row per project:
    the ballot's costliest part to render), and the instructions. With nothing chosen
    (the page before a cast) they are the same for every resident of a neighbourhood,
    so kept (``page_part``); a refused ballot's choices are the resident's own."""

    def build() -> tuple[list[dict[str, Any]], str, BallotInstructions]:
        views = [_pot_view(process, pot, values) for pot in pots]
        # Nothing of the request is in the rows: the CSRF token and the nonce are
        # outside them, in ballot.html. A rendered template is a SafeString: the page
        # puts it in as it is.
        html = render_to_string(
            "frontend/_ballot_pots.html",
            {
                "pots": views,
                "process": process,
                "ballot_type": process.ballot_type,
                "types": BallotType,
            },
        )
        instructions = ballot_instructions(process.ballot_type, pots, process.currency)
        return views, html, instructions

    if values:
        return build()
    return page_part(process.pk, f"ballot_shown.{resident.neighbourhood_id}", build)


def _pot_view(process: Process, pot: BallotPot, values: dict[int, int]) -> dict[str, Any]:
    """What the template shows of one pot, with the totals of ``values`` (the refused
    ballot's choices, or none) so the meter starts right without JavaScript."""
    rank_count = pot.limits.ranks(len(pot.projects))
    chosen_total = sum((p.cost for p in pot.projects if values.get(p.pk)), Decimal(0))
    return {
        "pot": pot.pot,
        "cap": pot.cap,
        "chosen_total": chosen_total,
        "left": pot.limits.remaining(chosen_total) if pot.cap is not None else None,
        "over": pot.limits.over_budget(chosen_total),
        # The meter's scale grows past the cap when the choices do, so an over-budget
        # total shows beyond the "high" mark (browsers draw that part red).
        "meter_max": max(pot.cap, chosen_total) if pot.cap is not None else None,
        "chosen_count": sum(1 for p in pot.projects if values.get(p.pk)),
        "points_total": sum(values.get(p.pk, 0) for p in pot.projects),
        # Each row's words and link are made here, once, rather than by template tags
        # on every row of every pot (the ballot's costliest part to render); the same
        # messages as the template's, so the translations are the same.
        "ranks": [(rank, _("Rank %(rank)s") % {"rank": rank}) for rank in range(1, rank_count + 1)],
        "rows": [
            {
                "project": p,
                "field_id": field_id(process, p.pk),
                "value": values.get(p.pk, 0),
                "number": _("No. %(code)s") % {"code": p.short_code},
                "about": _("About project %(code)s") % {"code": p.short_code},
                "url": reverse("frontend:project", args=[p.pk]),
            }
            for p in pot.projects
        ],
    }


def _confirmation(request: HttpRequest, process: Process, result: CastResult) -> HttpResponse:
    """Rendered from what ``ballot_cast`` returned, with no query after the commit: a
    ballot that was committed always gets its receipt, even if the database goes away
    the next moment."""
    receipts = [
        {
            "pot_name": r.pot_name,
            "display": receipt_display(r.receipt),
            "total_cost": r.total_cost,
            "remaining": r.remaining,
            "replaced_previous": r.replaced_previous,
            "url": reverse("frontend:receipt", args=[r.receipt]),
            # Each choice's number in words made here, as on the ballot's rows.
            "projects": [(_("No. %(code)s") % {"code": code}, title) for code, title in r.projects],
        }
        for r in result.receipts
    ]
    response = render(
        request,
        "frontend/ballot_done.html",
        {
            "process": process,
            "receipts": receipts,
            "cast_at": result.cast_at,
            "replaced": result.replaced_previous,
            "approval": process.ballot_type == BallotType.APPROVAL,
        },
    )
    # The page holds the receipt and the choices: no cache may keep it.
    add_never_cache_headers(response)
    return response


@require_http_methods(["GET", "POST"])
@resident_required
def neighbourhood_claim(request: HttpRequest) -> HttpResponse:
    """Where the resident lives (decides their local pot). Set once from the web."""
    resident = resident_from_request(request)
    assert resident is not None
    next_url = safe_next(
        request, request.POST.get("next") or request.GET.get("next"), reverse("frontend:home")
    )
    form = NeighbourhoodForm(request.POST or None, auto_id="claim-%s")
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                resident_claim_neighbourhood(
                    resident=resident, neighbourhood=form.cleaned_data["neighbourhood"]
                )
            except ParticipationError as exc:
                form.add_error("neighbourhood", str(exc.message))
            else:
                return HttpResponseRedirect(next_url)
        status = 400
    return render(
        request,
        "frontend/neighbourhood_claim.html",
        {
            "form": form,
            "errors": error_summary(form, form_id="claim-form") if form.errors else [],
            "next": next_url,
            "current": resident.neighbourhood,
        },
        status=status,
    )
