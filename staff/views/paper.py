"""The poll-worker screen (paper ballots typed in, keyboard first) and the
supervisor's void. Both parse the form and call ``budgets.services.paper``; every rule
and message comes from there (``ballot_problems`` through ``paper_ballot_enter``)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods

from budgets.ballot_limits import ballot_limits
from budgets.models import Pot
from budgets.selectors import projects_on_ballot
from budgets.services.ballots import BallotInvalid
from budgets.services.paper import (
    ENTER_PERMISSION,
    VOID_PERMISSION,
    PaperEntryRefused,
    PaperVoter,
    paper_ballot_enter,
    paper_ballot_void,
    paper_marks,
)
from core.models import BallotType, Process
from core.selectors import process_or_404
from maps.models import Neighbourhood
from staff.access import staff_permission_required


class VoterForm(forms.Form):
    """Who the ballot is from: a voter code, or an identity the poll worker checked."""

    voter_code = forms.CharField(label=_lazy("Voter code"), required=False, max_length=40)
    id_number = forms.CharField(label=_lazy("ID number"), required=False, max_length=80)
    name = forms.CharField(label=_lazy("Full name"), required=False, max_length=200)
    address = forms.CharField(label=_lazy("Address"), required=False, max_length=300)

    def voter(self, neighbourhood: Neighbourhood | None = None) -> PaperVoter:
        data = self.cleaned_data
        return PaperVoter(
            voter_code=data["voter_code"],
            id_number=data["id_number"],
            name=data["name"],
            address=data["address"],
            neighbourhood=neighbourhood,
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not any(data.get(f, "").strip() for f in ("voter_code", "id_number", "name")):
            raise forms.ValidationError(
                _("Type the voter code, or the ID number, or the name and address you checked.")
            )
        return data


class EntryForm(VoterForm):
    projects = forms.CharField(
        label=_lazy("Project numbers"),
        max_length=2000,
        help_text=_lazy("As marked on the ballot, separated by spaces: 3 7 12"),
    )

    def __init__(self, *args: Any, process: Process, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["neighbourhood"] = forms.ModelChoiceField(
            label=_lazy("Neighbourhood (a checked voter seen for the first time)"),
            queryset=Neighbourhood.objects.filter(pots__process=process).order_by("name"),
            required=False,
            to_field_name="slug",
        )
        if process.ballot_type == BallotType.CUMULATIVE:
            self.fields["projects"].help_text = _lazy("Number:points, separated by spaces: 3:2 7:1")
        elif process.ballot_type == BallotType.RANKED:
            self.fields["projects"].help_text = _lazy(
                "In the ballot's order, first choice first: 7 3 12"
            )


class VoidForm(VoterForm):
    reason = forms.CharField(
        label=_lazy("Why the entry is voided"), widget=forms.Textarea, max_length=2000
    )


@dataclass(frozen=True)
class PotTotal:
    """The running total of one pot for the marks typed (the same sums the screen's
    script shows as the poll worker types)."""

    pot: Pot
    chosen: int
    cost: Decimal
    points: int
    cap: Decimal | None
    max_projects: int | None

    @property
    def over(self) -> bool:
        return self.cap is not None and self.cost > self.cap


def _screen_data(process: Process) -> dict[str, Any]:
    """What the screen lists and its script sums: projects by number, pots' caps."""
    projects = list(projects_on_ballot(process))
    pots = {p.pot_id: p.pot for p in projects}
    limits = {pk: ballot_limits(process, pot) for pk, pot in pots.items()}
    return {
        "projects": projects,
        "json": {
            "projects": {
                str(p.short_code): {"cost": str(p.cost), "pot": p.pot_id} for p in projects
            },
            "pots": {
                str(pk): {
                    "name": pot.name,
                    "cap": str(limits[pk].spending_cap)
                    if limits[pk].spending_cap is not None
                    else None,
                    "max": limits[pk].max_projects,
                }
                for pk, pot in pots.items()
            },
            "cumulative": process.ballot_type == BallotType.CUMULATIVE,
        },
        "limits": limits,
        "pots": pots,
    }


def _totals(process: Process, data: dict[str, Any], text: str) -> tuple[list[PotTotal], str]:
    try:
        marks = paper_marks(process, text)
    except ValueError as exc:
        return [], str(exc)
    by_code = {p.short_code: p for p in data["projects"]}
    sums: dict[int, list[Any]] = {}
    for code, points in marks:
        project = by_code.get(code)
        if project is None:
            continue
        entry = sums.setdefault(project.pot_id, [0, Decimal(0), 0])
        entry[0] += 1
        entry[1] += project.cost
        entry[2] += points or 1
    totals = [
        PotTotal(
            pot=data["pots"][pk],
            chosen=n,
            cost=cost,
            points=points,
            cap=data["limits"][pk].spending_cap,
            max_projects=data["limits"][pk].max_projects,
        )
        for pk, (n, cost, points) in sums.items()
    ]
    return totals, ""


def _render(
    request: HttpRequest, template: str, context: dict[str, Any], status: int
) -> HttpResponse:
    response = render(request, template, context, status=status)
    add_never_cache_headers(response)
    return response


@staff_permission_required(ENTER_PERMISSION)
@require_http_methods(["GET", "POST"])
def paper_entry(request: HttpRequest, slug: str) -> HttpResponse:
    """GET: the empty screen. POST: enter the ballot (or, with ``check``, only show
    the totals), then an empty screen for the next one."""
    process = process_or_404(slug)
    data = _screen_data(process)
    form = EntryForm(request.POST or None, process=process, auto_id="entry-%s")
    errors: list[str] = []
    totals: list[PotTotal] = []
    entered = None
    status = 200
    if request.method == "POST":
        totals, unreadable = _totals(process, data, request.POST.get("projects", ""))
        if not form.is_valid():
            errors = [str(e) for errs in form.errors.values() for e in errs]
        elif unreadable:
            errors = [unreadable]
        elif "check" not in request.POST:
            try:
                entered = paper_ballot_enter(
                    process=process,
                    voter=form.voter(form.cleaned_data["neighbourhood"]),
                    marks=paper_marks(process, form.cleaned_data["projects"]),
                    actor=request.user,
                )
            except PaperEntryRefused as exc:
                errors = [exc.message]
            except BallotInvalid as exc:
                errors = [p.message() for p in exc.problems]
        if errors:
            status = 400
        elif entered is not None:
            form = EntryForm(process=process, auto_id="entry-%s")
            totals = []
    return _render(
        request,
        "staff/paper_entry.html",
        {
            "process": process,
            "form": form,
            "errors": errors,
            "totals": totals,
            "entered": entered,
            "projects": data["projects"],
            "screen_data": data["json"],
        },
        status,
    )


@staff_permission_required(VOID_PERMISSION)
@require_http_methods(["GET", "POST"])
def paper_void(request: HttpRequest, slug: str) -> HttpResponse:
    """A supervisor voids a voter's paper entry, so it can be entered again."""
    process = process_or_404(slug)
    form = VoidForm(request.POST or None, auto_id="void-%s")
    errors: list[str] = []
    voided = 0
    status = 200
    if request.method == "POST":
        if not form.is_valid():
            errors = [str(e) for errs in form.errors.values() for e in errs]
        else:
            try:
                voided = paper_ballot_void(
                    process=process,
                    voter=form.voter(),
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                )
            except PaperEntryRefused as exc:
                errors = [exc.message]
        if errors:
            status = 400
        else:
            form = VoidForm(auto_id="void-%s")
    return _render(
        request,
        "staff/paper_void.html",
        {"process": process, "form": form, "errors": errors, "voided": voided},
        status,
    )
