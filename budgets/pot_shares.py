"""How a neighbourhood budget is split between neighbourhood pots: a public formula,
exact to the cent. Pure: the same function computes the pots (``pots_allocate``) and
explains them on the public budget page and API."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from core.models import PotFormula
from maps.models import Neighbourhood


@dataclass(frozen=True)
class PotShare:
    neighbourhood_id: int
    name: str
    weight: Decimal
    amount: Decimal


def pot_shares(
    *, total: Decimal, formula: str, neighbourhoods: Sequence[Neighbourhood]
) -> list[PotShare]:
    """Split ``total`` across neighbourhoods by ``formula``, exactly to the cent.

    equal: same weight each; population: weight = population; need: population × need
    index (Madrid-style: more for larger and needier districts). Amounts are rounded
    down to cents and the remaining cents go to the largest remainders (ties: by name),
    so the shares always add up to ``total`` exactly.
    """
    if formula == PotFormula.EQUAL:
        weights = [Decimal(1) for _ in neighbourhoods]
    elif formula == PotFormula.POPULATION:
        weights = [Decimal(n.population) for n in neighbourhoods]
    elif formula == PotFormula.NEED:
        weights = [Decimal(n.population) * n.need_index for n in neighbourhoods]
    else:
        raise ValueError(f"unknown pot formula {formula!r}")
    weight_sum = sum(weights, Decimal(0))
    if not neighbourhoods:
        return []
    if weight_sum == 0:
        weights = [Decimal(1) for _ in neighbourhoods]
        weight_sum = Decimal(len(neighbourhoods))
    cent = Decimal("0.01")
    exact = [total * w / weight_sum for w in weights]
    floored = [e.quantize(cent, rounding=ROUND_DOWN) for e in exact]
    leftover_cents = int(((total - sum(floored, Decimal(0))) / cent).to_integral_value())
    order = sorted(
        range(len(neighbourhoods)), key=lambda i: (-(exact[i] - floored[i]), neighbourhoods[i].name)
    )
    for i in order[:leftover_cents]:
        floored[i] += cent
    return [
        PotShare(neighbourhood_id=n.pk, name=n.name, weight=w, amount=a)
        for n, w, a in zip(neighbourhoods, weights, floored, strict=True)
    ]
