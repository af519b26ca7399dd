"""What one ballot may hold in one pot: the one reading of a process's ballot limits.

The validator (``ballot_problems``), the web ballot's budget meter, the receipt and
the SMS replies all ask ``ballot_limits``, so "how much may I spend here" and "how much
is left" have one answer on every channel.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from budgets.models import Pot
from core.models import BallotType, Process


@dataclass(frozen=True)
class BallotLimits:
    pot_id: int
    ballot_type: str
    pot_amount: Decimal
    # At least one project, whatever the process says: an empty ballot is no ballot.
    min_projects: int
    max_projects: int | None
    # Approval ballots only: the most one ballot may spend in this pot (the pot's
    # amount, or the process's per-ballot cap when that is lower), and the least.
    spending_cap: Decimal | None
    min_total_cost: Decimal | None
    # Cumulative ballots only.
    max_points_per_project: int | None
    max_total_points: int | None

    @property
    def budget(self) -> Decimal:
        """The money a resident sees for this pot: the spending cap on approval
        ballots, else the pot's amount."""
        return self.spending_cap if self.spending_cap is not None else self.pot_amount

    def remaining(self, total: Decimal) -> Decimal:
        """What is left of ``budget`` after choices costing ``total``."""
        return self.budget - total

    def over_budget(self, total: Decimal) -> bool:
        return self.spending_cap is not None and total > self.spending_cap

    def ranks(self, offered: int) -> int:
        """How many ranks a ranked ballot of ``offered`` projects has."""
        return min(offered, self.max_projects) if self.max_projects else offered


def ballot_limits(process: Process, pot: Pot) -> BallotLimits:
    approval = process.ballot_type == BallotType.APPROVAL
    cumulative = process.ballot_type == BallotType.CUMULATIVE
    cap: Decimal | None = None
    if approval:
        cap = pot.amount
        if process.max_total_cost is not None:
            cap = min(cap, process.max_total_cost)
    return BallotLimits(
        pot_id=pot.pk,
        ballot_type=process.ballot_type,
        pot_amount=pot.amount,
        min_projects=max(process.min_projects, 1),
        max_projects=process.max_projects,
        spending_cap=cap,
        min_total_cost=process.min_total_cost if approval else None,
        max_points_per_project=process.max_points_per_project if cumulative else None,
        max_total_points=process.max_total_points if cumulative else None,
    )
