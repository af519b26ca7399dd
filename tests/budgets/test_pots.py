from __future__ import annotations

from decimal import Decimal

import pytest

from budgets.pot_shares import pot_shares
from budgets.selectors import pot_allocation
from budgets.services.pots import pots_allocate
from core.models import PotFormula
from tests.factories import NeighbourhoodFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def three() -> list:  # type: ignore[type-arg]
    return [
        NeighbourhoodFactory(name="A", population=10_000, need_index=Decimal("1.5")),
        NeighbourhoodFactory(name="B", population=20_000, need_index=Decimal("1.0")),
        NeighbourhoodFactory(name="C", population=30_000, need_index=Decimal("0.5")),
    ]


def amounts(shares) -> dict[str, Decimal]:  # type: ignore[no-untyped-def]
    return {s.name: s.amount for s in shares}


def test_equal_split(three) -> None:  # type: ignore[no-untyped-def]
    shares = pot_shares(total=Decimal("90000"), formula=PotFormula.EQUAL, neighbourhoods=three)
    assert amounts(shares) == {"A": 30000, "B": 30000, "C": 30000}


def test_population_split(three) -> None:  # type: ignore[no-untyped-def]
    shares = pot_shares(total=Decimal("60000"), formula=PotFormula.POPULATION, neighbourhoods=three)
    assert amounts(shares) == {"A": 10000, "B": 20000, "C": 30000}


def test_need_weighted_split(three) -> None:  # type: ignore[no-untyped-def]
    # weights 15,000 / 20,000 / 15,000 → 30% / 40% / 30%
    shares = pot_shares(total=Decimal("100000"), formula=PotFormula.NEED, neighbourhoods=three)
    assert amounts(shares) == {"A": 30000, "B": 40000, "C": 30000}


def test_cents_always_add_up_exactly(three) -> None:  # type: ignore[no-untyped-def]
    shares = pot_shares(total=Decimal("100000.01"), formula=PotFormula.EQUAL, neighbourhoods=three)
    assert sum(s.amount for s in shares) == Decimal("100000.01")
    # The leftover cent goes to the largest remainder, ties by name.
    assert amounts(shares)["A"] == Decimal("33333.34")


def test_unknown_formula_refused(three) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="unknown pot formula"):
        pot_shares(total=Decimal(1), formula="lottery", neighbourhoods=three)


def test_allocate_creates_pots_and_publishes_the_formula(process_factory, three) -> None:  # type: ignore[no-untyped-def]
    process = process_factory(neighbourhood_budget=Decimal("100000"), pot_formula=PotFormula.NEED)
    pots = pots_allocate(process=process)
    assert {p.name: p.amount for p in pots} == {"A": 30000, "B": 40000, "C": 30000}
    public = pot_allocation(process)
    assert public.formula == "need"
    row = next(s for s in public.shares if s["neighbourhood"] == "B")
    assert row["weight"] == Decimal("20000.000")
    assert row["pot_amount"] == Decimal("40000")
    assert sum(s["weight_share"] for s in public.shares) == 1


def test_allocation_refused_once_ballots_exist(process_factory, three, ballot_factory) -> None:  # type: ignore[no-untyped-def]
    process = process_factory(neighbourhood_budget=Decimal("100000"))
    pots = pots_allocate(process=process)
    ballot_factory(pot=pots[0])
    with pytest.raises(ValueError, match="after ballots were cast"):
        pots_allocate(process=process)


def test_pots_api_and_page_are_public(client, process_factory, three) -> None:  # type: ignore[no-untyped-def]
    process = process_factory(
        neighbourhood_budget=Decimal("60000"), pot_formula=PotFormula.POPULATION
    )
    pots_allocate(process=process)
    data = client.get(f"/api/processes/{process.slug}/pots/").json()
    assert data["formula"] == "population"
    assert [s["formula_amount"] for s in data["shares"]] == ["10000.00", "20000.00", "30000.00"]
