from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from budgets.models import Pot
from budgets.selectors import (
    pot_allocation,
    process_map_data,
    process_neighbourhood_ids,
    projects_on_ballot,
)
from core.models import PhaseKind, Process
from core.selectors import (
    phases_current,
    phases_voting_opened,
    process_current_phase,
    process_or_404,
    processes_current_and_past,
)
from core.translated_order import translated_order
from frontend.live import live_config
from frontend.page_cache import page_part
from frontend.selectors import proposals_with_support
from frontend.turnout import process_turnout_by_channel
from maps.models import Neighbourhood
from participation.models import ProposalStatus
from sms.backends import sms_is_demo_backend


def home(request: HttpRequest) -> HttpResponse:
    """Current processes (a phase open or still to come) apart from past ones (every
    phase closed, as an imported Pabulib election), so results of a past round are one
    click away without being mistaken for a live vote."""
    current, past = processes_current_and_past()
    now = timezone.now()
    with_phase = [(process, process_current_phase(process, now)) for process in current]
    return render(request, "frontend/home.html", {"processes": with_phase, "past": past})


def neighbourhood_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "frontend/neighbourhood_list.html",
        {"neighbourhoods": Neighbourhood.objects.order_by("name")},
    )


def neighbourhood_detail(request: HttpRequest, slug: str) -> HttpResponse:
    neighbourhood = get_object_or_404(Neighbourhood, slug=slug)
    sections = []
    for process in Process.objects.all():
        projects = list(projects_on_ballot(process).filter(neighbourhood=neighbourhood))
        ideas = list(
            proposals_with_support(process)
            .filter(neighbourhood=neighbourhood)
            .order_by(translated_order("title"), "pk")
        )
        pot = Pot.objects.filter(process=process, neighbourhood=neighbourhood).first()
        if projects or ideas or pot:
            sections.append(
                {
                    "process": process,
                    "phase": process_current_phase(process),
                    "pot": pot,
                    "projects": projects,
                    "ideas": ideas,
                }
            )
    return render(
        request,
        "frontend/neighbourhood_detail.html",
        {"neighbourhood": neighbourhood, "sections": sections},
    )


def process_detail(request: HttpRequest, slug: str) -> HttpResponse:
    process = process_or_404(slug)
    return render(
        request,
        "frontend/process_detail.html",
        {
            "process": process,
            **page_part(process.pk, "process_detail", lambda: _process_detail_public(process)),
            "results_published": process.results_published_at is not None,
            "live": live_config(process),
            "published": ProposalStatus.APPROVED,
            "sms_simulator": sms_is_demo_backend(),
        },
    )


def _process_detail_public(process: Process) -> dict[str, Any]:
    """What the process page shows every visitor alike (``page_part`` keeps it)."""
    # The phases, the projects and the covered neighbourhoods are each read once and
    # every answer the page needs is taken from them, at one instant.
    now = timezone.now()
    phases = list(process.phases.all())
    open_kinds = {phase.kind for phase in phases if phase.is_open(now)}
    projects = list(projects_on_ballot(process))
    neighbourhood_ids = process_neighbourhood_ids(process)
    return {
        "phase": phases_current(phases, now),
        "projects": projects,
        "map_data": process_map_data(
            process, projects=projects, neighbourhood_ids=neighbourhood_ids
        ),
        # The list shows each idea's title and supporters only: no neighbourhood.
        "ideas": list(
            proposals_with_support(process)
            .select_related(None)
            .order_by("-support_count", translated_order("title"), "pk")[:50]
        ),
        "ideas_open": PhaseKind.IDEAS in open_kinds,
        "voting_open": PhaseKind.VOTING in open_kinds,
        # From the day voting opens, and after it closes: paper ballots entered
        # after the vote count here as much as web and SMS ones.
        "turnout": process_turnout_by_channel(process)
        if phases_voting_opened(phases, now)
        else None,
        # No neighbourhood pots (an imported election): no split to explain.
        "has_neighbourhood_pots": bool(neighbourhood_ids),
    }


def process_budget(request: HttpRequest, slug: str) -> HttpResponse:
    """How the money is split: the formula, each neighbourhood's weight and amount."""
    process = process_or_404(slug)
    return render(
        request,
        "frontend/process_budget.html",
        {"process": process, "allocation": pot_allocation(process)},
    )
