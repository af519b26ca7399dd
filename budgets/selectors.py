"""Reads shared by pages, the API and the SMS conversation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from budgets.models import Ballot, CastLog, Pot, Project
from budgets.pot_shares import pot_shares
from budgets.pseudonyms import ballot_pseudonym
from budgets.receipts import receipt_normalise
from core.models import PotFormula, Process
from maps.models import Neighbourhood
from maps.selectors import neighbourhoods_feature_collection


def process_turnout(process: Process) -> int:
    """Counted ballot-holders of the process: distinct voter pseudonyms. Pseudonyms are
    per pot, so in a process with a city-wide and neighbourhood pots a resident who voted
    in both counts twice; exact per-resident turnout would need a link between pots,
    which secrecy rules out."""
    return Ballot.objects.filter(process=process).values("voter").distinct().count()


def projects_on_ballot(process: Process) -> QuerySet[Project]:
    return Project.objects.on_ballot(process).select_related("pot", "neighbourhood")


def process_map_data(process: Process) -> dict[str, Any]:
    """Everything the process map draws, as one JSON-safe dict (neighbourhood boundaries
    and project points). Rendered with json_script, so the page needs no extra request."""
    projects = [
        {
            "id": p.pk,
            "code": p.short_code,
            "title": p.title,
            "cost": str(p.cost),
            "lat": p.lat,
            "lng": p.lng,
            "neighbourhood": p.neighbourhood.name if p.neighbourhood else None,
        }
        for p in projects_on_ballot(process)
        if p.lat is not None and p.lng is not None
    ]
    return {"neighbourhoods": neighbourhoods_feature_collection(), "projects": projects}


@dataclass(frozen=True)
class ReceiptStatus:
    """What a receipt reveals: counted or replaced, and when. Never the choices."""

    counted: bool
    cast_at: datetime
    channel: str
    process_title: str
    pot_name: str
    replaced_at: datetime | None


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
    counted = ballot.receipt == log.receipt
    return ReceiptStatus(
        counted=counted,
        cast_at=log.cast_at,
        channel=log.channel,
        process_title=ballot.process.title,
        pot_name=ballot.pot.name,
        replaced_at=None if counted else ballot.cast_at,
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
