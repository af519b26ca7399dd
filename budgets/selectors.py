"""Reads shared by pages, the API and the SMS conversation."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from budgets.ballot_limits import BallotLimits, ballot_limits
from budgets.models import (
    Ballot,
    BallotVoid,
    CastLog,
    ImplementationStatus,
    Pot,
    Project,
    ProjectFollow,
    ProjectUpdate,
)
from budgets.pot_shares import pot_shares
from budgets.pseudonyms import ballot_pseudonym
from budgets.receipts import receipt_normalise
from core.models import Channel, PotFormula, Process
from maps.models import Neighbourhood
from maps.selectors import neighbourhoods_feature_collection
from participation.models import Resident
from participation.selectors import process_participant_count


def process_turnout(process: Process) -> int:
    """Residents who have voted in the process, each once: read from the participation
    record (one row per resident and day, never joined to ballots), so a resident who
    voted in the city-wide and a neighbourhood pot counts once."""
    return process_participant_count(process.pk)


def projects_on_ballot(process: Process) -> QuerySet[Project]:
    return Project.objects.on_ballot(process).select_related("pot", "neighbourhood")


def project_delivery_label(project: Project) -> str | None:
    """ "In progress, 40% done" once delivery has started; None before."""
    if project.implementation_status == ImplementationStatus.NOT_STARTED:
        return None
    return _("%(status)s, %(percent)d%% done") % {
        "status": project.get_implementation_status_display(),
        "percent": project.implementation_percent,
    }


def project_updates(project: Project) -> list[DeliveryNotice]:
    """The project's delivery updates, newest first, each with its note in the active
    language (the default language's when there is none)."""
    language = get_language() or settings.LANGUAGE_CODE
    return [
        DeliveryNotice(
            update=u,
            project=project,
            note=u.notes.get(language) or u.notes.get(settings.LANGUAGE_CODE, ""),
            new=False,
        )
        for u in project.updates.defer("photo")
    ]


@dataclass(frozen=True)
class DeliveryNotice:
    """One update as a follower reads it on the web."""

    update: ProjectUpdate
    project: Project
    note: str
    new: bool


def resident_delivery_notices(resident: Resident, limit: int = 50) -> list[DeliveryNotice]:
    """Updates of the projects ``resident`` follows on the web, newest first; ``new``
    for those posted after they last read the page."""
    follows = {
        f.project_id: f
        for f in ProjectFollow.objects.filter(resident=resident, channel=Channel.WEB)
    }
    language = get_language() or settings.LANGUAGE_CODE
    updates = (
        ProjectUpdate.objects.filter(project_id__in=list(follows))
        .select_related("project", "project__process")
        .defer("photo")
        .order_by("-created_at", "-pk")[:limit]
    )
    notices = []
    for u in updates:
        seen = follows[u.project_id].seen_at
        notices.append(
            DeliveryNotice(
                update=u,
                project=u.project,
                note=u.notes.get(language) or u.notes.get(settings.LANGUAGE_CODE, ""),
                new=seen is None or u.created_at > seen,
            )
        )
    return notices


def process_neighbourhood_ids(process: Process) -> set[int]:
    """The neighbourhoods a process covers: those with a pot of their own. A process
    with none (only a city-wide pot, as an imported Pabulib election) covers no district
    on the map and has no split of money between neighbourhoods."""
    # No ordering: a set needs none, and the pots' default order joins the process.
    return set(
        Pot.objects.filter(process=process, neighbourhood__isnull=False)
        .order_by()
        .values_list("neighbourhood_id", flat=True)
    )


def process_covers(process: Process, neighbourhood_id: int | None) -> bool:
    """Whether a resident of ``neighbourhood_id`` has something to vote on in
    ``process``: a city-wide-only process covers everyone; otherwise their
    neighbourhood needs a pot."""
    covered = process_neighbourhood_ids(process)
    return not covered or neighbourhood_id in covered


def process_map_data(
    process: Process,
    *,
    projects: Iterable[Project] | None = None,
    neighbourhood_ids: set[int] | None = None,
) -> dict[str, Any]:
    """Everything the process map draws, as one JSON-safe dict (neighbourhood boundaries
    and project points). Rendered with json_script, so the page needs no extra request.
    A page that shows ``projects_on_ballot`` and ``process_neighbourhood_ids`` itself
    passes what it read, so neither is read twice."""
    if projects is None:
        projects = projects_on_ballot(process)
    if neighbourhood_ids is None:
        neighbourhood_ids = process_neighbourhood_ids(process)
    points = [
        {
            "id": p.pk,
            "code": p.short_code,
            "title": p.title,
            "cost": str(p.cost),
            "lat": p.lat,
            "lng": p.lng,
            "neighbourhood": p.neighbourhood.name if p.neighbourhood else None,
            "delivery": project_delivery_label(p),
        }
        for p in projects
        if p.lat is not None and p.lng is not None
    ]
    return {
        "neighbourhoods": neighbourhoods_feature_collection(neighbourhood_ids),
        "projects": points,
    }


@dataclass(frozen=True)
class ReceiptStatus:
    """What a receipt reveals: counted or replaced, and when. Never the choices."""

    counted: bool
    cast_at: datetime
    channel: str
    process_title: str
    pot_name: str
    replaced_at: datetime | None
    # How the newer ballot came, when this one was replaced: "paper" says a ballot
    # entered at a poll site replaced it (in-person replaces online).
    replaced_by_channel: str | None = None
    # When a supervisor voided this (paper) entry; it counts nowhere.
    voided_at: datetime | None = None


def receipt_status(code: str) -> ReceiptStatus | None:
    normalised = receipt_normalise(code)
    if not normalised:
        return None
    log = (
        CastLog.objects.select_related("ballot__pot", "ballot__process")
        .filter(receipt=normalised)
        .first()
    )
    if log is None:
        return None
    ballot = log.ballot
    void = BallotVoid.objects.filter(receipt=log.receipt).first()
    current = ballot.receipt == log.receipt
    counted = current and void is None and ballot.voided_at is None
    replaced = not current and void is None
    return ReceiptStatus(
        counted=counted,
        cast_at=log.cast_at,
        channel=log.channel,
        process_title=ballot.process.title,
        pot_name=ballot.pot.name,
        replaced_at=ballot.cast_at if replaced else None,
        replaced_by_channel=ballot.channel if replaced else None,
        voided_at=void.voided_at if void is not None else None,
    )


@dataclass(frozen=True)
class PotAllocation:
    """How a process's money is split, for the public pots page and API."""

    formula: str
    formula_label: str
    neighbourhood_budget: Decimal
    citywide_amount: Decimal | None
    shares: list[dict[str, Any]]


def pot_allocation(process: Process) -> PotAllocation:
    neighbourhood_pots = {p.neighbourhood_id: p for p in process.pots.exclude(neighbourhood=None)}
    neighbourhoods = [
        n for n in Neighbourhood.objects.order_by("name") if n.pk in neighbourhood_pots
    ]
    shares = pot_shares(
        total=process.neighbourhood_budget,
        formula=process.pot_formula,
        neighbourhoods=neighbourhoods,
    )
    weight_total = sum((s.weight for s in shares), Decimal(0))
    by_id = {n.pk: n for n in neighbourhoods}
    citywide = process.pots.filter(neighbourhood=None).first()
    return PotAllocation(
        formula=process.pot_formula,
        formula_label=str(PotFormula(process.pot_formula).label),
        neighbourhood_budget=process.neighbourhood_budget,
        citywide_amount=citywide.amount if citywide else None,
        shares=[
            {
                "neighbourhood": share.name,
                "population": by_id[share.neighbourhood_id].population,
                "need_index": by_id[share.neighbourhood_id].need_index,
                "weight": share.weight,
                "weight_share": (share.weight / weight_total) if weight_total else Decimal(0),
                "formula_amount": share.amount,
                "pot_amount": neighbourhood_pots[share.neighbourhood_id].amount,
            }
            for share in shares
        ],
    )


@dataclass(frozen=True)
class ReceiptLine:
    """One cast of a resident's ballot: its receipt code and whether it still counts.
    No choices: a receipt says "counted" or "replaced", nothing else."""

    receipt: str
    cast_at: datetime
    channel: str
    counted: bool


@dataclass(frozen=True)
class ResidentBallotReceipts:
    process_title: str
    process_slug: str
    pot_name: str
    receipts: list[ReceiptLine]  # newest first; the first one counts


def resident_receipts(resident_id: int) -> list[ResidentBallotReceipts]:
    """The receipt codes of ``resident_id``'s ballots, for that resident only ("My
    activity").

    Nothing stores which ballot is whose: the resident's per-pot pseudonyms are
    computed here, under BALLOT_KEY, and matched against ``Ballot.voter``, exactly as
    ``ballot_cast`` finds the ballot it replaces. Only the cast log is read (receipt,
    time, channel): never ``Selection``, so the answer cannot carry the choices.
    Nothing is cached or kept in the session."""
    pots = list(Pot.objects.values_list("pk", flat=True))
    voters = [ballot_pseudonym(resident_id=resident_id, pot_id=pot_id) for pot_id in pots]
    ballots = list(
        Ballot.objects.filter(voter__in=voters)
        .select_related("pot", "process")
        .order_by("-cast_at", "pk")
    )
    logs: dict[int, list[CastLog]] = {}
    for log in CastLog.objects.filter(ballot__in=ballots).order_by("-cast_at", "-pk"):
        logs.setdefault(log.ballot_id, []).append(log)
    return [
        ResidentBallotReceipts(
            process_title=ballot.process.title,
            process_slug=ballot.process.slug,
            pot_name=ballot.pot.name,
            receipts=[
                ReceiptLine(
                    receipt=log.receipt,
                    cast_at=log.cast_at,
                    channel=log.channel,
                    counted=log.receipt == ballot.receipt,
                )
                for log in logs.get(ballot.pk, [])
            ],
        )
        for ballot in ballots
    ]


# --- the pots on a resident's ballot (web ballot, kiosk) ----------------------------


@dataclass(frozen=True)
class BallotPot:
    """One pot on a resident's ballot, with the limits the budget meter shows."""

    pot: Pot
    projects: list[Project]
    limits: BallotLimits

    @property
    def cap(self) -> Decimal | None:
        """Approval: the most one ballot may spend in this pot."""
        return self.limits.spending_cap

    @property
    def is_local(self) -> bool:
        return self.pot.neighbourhood_id is not None


def ballot_pots(process: Process, resident: Resident) -> list[BallotPot]:
    """The pots ``resident`` may vote in: city-wide and their own neighbourhood's."""
    # One query: the pots come with their projects (a pot with none is not shown). A
    # ballot shows no project's neighbourhood: only the pot is joined.
    projects = (
        projects_on_ballot(process)
        .select_related(None)
        .select_related("pot")
        .filter(
            Q(pot__neighbourhood__isnull=True) | Q(pot__neighbourhood_id=resident.neighbourhood_id)
        )
    )
    pots: dict[int, Pot] = {}
    by_pot: dict[int, list[Project]] = {}
    for project in projects:
        pots.setdefault(project.pot_id, project.pot)
        by_pot.setdefault(project.pot_id, []).append(project)
    # City-wide first, then the neighbourhood's.
    return [
        BallotPot(pot=pot, projects=by_pot[pot.pk], limits=ballot_limits(process, pot))
        for pot in sorted(pots.values(), key=lambda p: (p.neighbourhood_id is not None, p.name))
    ]
