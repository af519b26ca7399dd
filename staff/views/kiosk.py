"""Kiosk mode for a poll site: a locked-down, full-screen ballot residents fill in
themselves with their voter code.

A poll worker opens the kiosk: that signs them out of this browser (a voter must never
sit at a staff login), and the session then holds only the kiosk grant
(``staff.access.KIOSK_GRANT``). Each voter types their code, votes, and is signed out:
after every ballot (and on "Leave", and after ``VOTER_SECONDS`` idle) the session is
flushed, its row deleted and a new key issued with only the grant, so nothing of one
voter is there for the next. The thank-you screen is a redirect away from the ballot
(its receipts shown once), so Back never finds a form to send again or a voter's screen.
Ballots go through ``paper_ballot_enter`` on the poll worker's authority (re-checked on
every request)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.middleware.csrf import rotate_token
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from budgets.receipts import receipt_display
from budgets.selectors import BallotPot, ballot_pots
from budgets.services.ballots import BallotInvalid
from budgets.services.paper import (
    ENTER_PERMISSION,
    PaperEntryRefused,
    PaperVoter,
    kiosk_open,
    paper_ballot_enter,
    paper_voter_ready,
)
from core.models import BallotType, Process
from core.selectors import process_or_404
from participation.models import Resident
from staff.access import KIOSK_GRANT, kiosk_permission_required, staff_permission_required

KIOSK_VOTER = "staff_kiosk_voter"
# The receipts of the ballot just cast, kept in the new (signed-out) session only until
# the thank-you screen shows them once.
KIOSK_RECEIPTS = "staff_kiosk_receipts"
VOTER_SECONDS = 300  # a voter who walks away is signed out before the next one comes
MAX_MARKS = 500
# The thank-you screen returns to the start by itself (kiosk.js) for a voter who walks
# away: after DONE_IDLE_SECONDS a warning, then DONE_WARN_SECONDS to ask for more time.
DONE_IDLE_SECONDS = 60
DONE_WARN_SECONDS = 20


def _page(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    response = render(request, template, context, status=status)
    add_never_cache_headers(response)
    return response


def kiosk_next_voter(request: HttpRequest) -> None:
    """Sign the voter out: delete this session and start a new one holding only the
    kiosk grant (new key, new CSRF secret)."""
    grant = request.session.get(KIOSK_GRANT)
    request.session.flush()
    # flush() keeps the CSRF cookie (only a login rotates it): rotate it too, so no
    # form the last voter's screen held is accepted from the next voter's.
    rotate_token(request)
    if grant:
        request.session[KIOSK_GRANT] = grant


def _forget_language(response: HttpResponse) -> None:
    """Drop the language the voter chose at the start (Django's language cookie): it
    is theirs, not the next voter's."""
    response.delete_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


def _voter(request: HttpRequest) -> Resident | None:
    held = request.session.get(KIOSK_VOTER)
    if not isinstance(held, dict):
        return None
    if timezone.now().timestamp() - float(held.get("at", 0)) > VOTER_SECONDS:
        kiosk_next_voter(request)
        return None
    resident_id = held.get("resident")
    if not isinstance(resident_id, int):
        return None
    # paper_ballot_enter checks again that the code is one of this process's.
    return Resident.objects.filter(pk=resident_id, voter_code_hash__isnull=False).first()


@staff_permission_required(ENTER_PERMISSION)
@require_http_methods(["GET", "POST"])
def kiosk_start_for(request: HttpRequest, slug: str) -> HttpResponse:
    """A poll worker turns this browser into a kiosk for ``slug`` (signing out)."""
    process = process_or_404(slug)
    if request.method == "GET":
        return _page(request, "staff/kiosk_open.html", {"process": process})
    kiosk_open(process=process, actor=request.user)
    grant = {"process": process.pk, "by": request.user.pk, "at": timezone.now().timestamp()}
    request.session.flush()  # the poll worker's login ends here
    request.session[KIOSK_GRANT] = grant
    return HttpResponseRedirect(reverse("staff:kiosk"))


@kiosk_permission_required(ENTER_PERMISSION)
@require_http_methods(["GET", "POST"])
def kiosk(request: HttpRequest) -> HttpResponse:
    """The kiosk's welcome: type your voter code."""
    process: Process = request.kiosk_process  # type: ignore[attr-defined]
    error = ""
    if request.method == "POST":
        try:
            resident = paper_voter_ready(
                process=process,
                voter=PaperVoter(voter_code=request.POST.get("voter_code", "")[:40]),
            )
        except PaperEntryRefused as exc:
            error = exc.message
        else:
            kiosk_next_voter(request)
            request.session[KIOSK_VOTER] = {
                "resident": resident.pk,
                "at": timezone.now().timestamp(),
            }
            return HttpResponseRedirect(reverse("staff:kiosk-ballot"))
    return _page(
        request,
        "staff/kiosk_start.html",
        {"process": process, "error": error},
        400 if error else 200,
    )


def _marks(process: Process, pots: list[BallotPot], data: Any) -> list[tuple[int, int | None]]:
    codes = [p.short_code for pot in pots for p in pot.projects]
    if process.ballot_type in (BallotType.APPROVAL, BallotType.K_OF_N):
        chosen = set(data.getlist("project")[:MAX_MARKS])
        return [(code, None) for code in codes if str(code) in chosen]
    marks: list[tuple[int, int]] = []
    for code in codes:
        raw = data.get(f"mark-{code}", "").strip()
        if raw.isdigit() and len(raw) <= 4 and int(raw) > 0:
            marks.append((code, int(raw)))
    if process.ballot_type == BallotType.RANKED:
        return [(code, None) for code, _rank in sorted(marks, key=lambda m: (m[1], m[0]))]
    return [(code, points) for code, points in marks]


@kiosk_permission_required(ENTER_PERMISSION)
@require_http_methods(["GET", "POST"])
def kiosk_ballot(request: HttpRequest) -> HttpResponse:
    """The voter's ballot; on a counted ballot the voter is signed out at once."""
    process: Process = request.kiosk_process  # type: ignore[attr-defined]
    resident = _voter(request)
    if resident is None:
        return HttpResponseRedirect(reverse("staff:kiosk"))
    pots = ballot_pots(process, resident)
    errors: list[str] = []
    chosen: dict[int, str] = {}
    if request.method == "POST":
        marks = _marks(process, pots, request.POST)
        # What the voter marked, to show the ballot again as they left it.
        if process.ballot_type in (BallotType.APPROVAL, BallotType.K_OF_N):
            chosen = {code: "1" for code, _points in marks}
        else:
            chosen = {
                p.short_code: request.POST.get(f"mark-{p.short_code}", "")[:4]
                for pot in pots
                for p in pot.projects
            }
        try:
            entry = paper_ballot_enter(
                process=process,
                voter=PaperVoter(resident_id=resident.pk),
                marks=marks,
                actor=request.kiosk_opener,  # type: ignore[attr-defined]
                via="kiosk",
            )
        except PaperEntryRefused as exc:
            errors = [exc.message]
        except BallotInvalid as exc:
            errors = [p.message() for p in exc.problems]
        else:
            kiosk_next_voter(request)
            # Post/redirect/get: the browser's history then holds no form to send again,
            # and Back to the thank-you screen finds the receipts gone (shown once).
            request.session[KIOSK_RECEIPTS] = [
                {"pot": r.pot_name, "code": receipt_display(r.receipt)} for r in entry.cast.receipts
            ]
            return HttpResponseRedirect(reverse("staff:kiosk-done"))
    return _page(
        request,
        "staff/kiosk_ballot.html",
        {
            "process": process,
            "pots": [
                {
                    "pot": pot,
                    "cap": pot.cap,
                    "rows": [(p, chosen.get(p.short_code, "")) for p in pot.projects],
                }
                for pot in pots
            ],
            "errors": errors,
            "ballot_type": process.ballot_type,
            "types": BallotType,
        },
        400 if errors else 200,
    )


@kiosk_permission_required(ENTER_PERMISSION)
@require_http_methods(["GET"])
def kiosk_done(request: HttpRequest) -> HttpResponse:
    """The thank-you screen with the voter's receipts, once: after that (a reload, Back,
    the next voter) the session holds only the kiosk grant again."""
    process: Process = request.kiosk_process  # type: ignore[attr-defined]
    receipts = request.session.pop(KIOSK_RECEIPTS, None)
    if not isinstance(receipts, list) or not receipts:
        return HttpResponseRedirect(reverse("staff:kiosk"))
    response = _page(
        request,
        "staff/kiosk_done.html",
        {
            "process": process,
            "receipts": receipts,
            "idle_seconds": DONE_IDLE_SECONDS,
            "warn_seconds": DONE_WARN_SECONDS,
        },
    )
    # Shown in the voter's language; the next voter starts in the kiosk's own.
    _forget_language(response)
    return response


@kiosk_permission_required(ENTER_PERMISSION)
@require_http_methods(["POST"])
def kiosk_leave(request: HttpRequest) -> HttpResponse:
    """The voter leaves without voting: signed out, the kiosk waits for the next."""
    kiosk_next_voter(request)
    response = HttpResponseRedirect(reverse("staff:kiosk"))
    _forget_language(response)
    return response


@kiosk_permission_required(ENTER_PERMISSION)
@require_http_methods(["POST"])
def kiosk_close(request: HttpRequest) -> HttpResponse:
    """End the kiosk: the session is deleted; a poll worker signs in to open it again."""
    request.session.flush()
    return _page(request, "staff/kiosk_closed.html", {"message": _("The kiosk is closed.")})
