"""Neighbourhood pots from the process's public formula (``budgets.pot_shares``)."""

from __future__ import annotations

from django.db import transaction

from budgets.models import Ballot, Pot
from budgets.pot_shares import pot_shares
from core.models import Process
from maps.models import Neighbourhood


def pots_allocate(*, process: Process) -> list[Pot]:
    """Create or update one pot per neighbourhood with the amounts of ``pot_shares``
    for the process's formula and neighbourhood budget. Refused once voting has
    started: the money on a ballot must not change under the voters."""
    with transaction.atomic():
        if Ballot.objects.filter(process=process).exists():
            raise ValueError("pots cannot be reallocated after ballots were cast")
        shares = pot_shares(
            total=process.neighbourhood_budget,
            formula=process.pot_formula,
            neighbourhoods=list(Neighbourhood.objects.order_by("name")),
        )
        pots = []
        for share in shares:
            pot, _ = Pot.objects.update_or_create(
                process=process,
                neighbourhood_id=share.neighbourhood_id,
                defaults={"name": share.name, "amount": share.amount},
            )
            pots.append(pot)
    return pots
