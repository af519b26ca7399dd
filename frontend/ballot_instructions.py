"""The ballot's instructions in words: what to do, and every limit that applies (how
many projects, how many points, how much money), read from
``budgets.ballot_limits.ballot_limits``, the one home of ballot limits, so the
instructions never disagree with what ``ballot_cast`` will refuse."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from budgets.ballot_limits import BallotLimits
from budgets.selectors import BallotPot
from core.l10n import money
from core.models import BallotType


def _money(amount: object, currency: str) -> str:
    # The one locale-aware formatter, as on the meter, the receipt and SMS.
    return money(str(amount), currency)


def _plural(singular: str, plural: str, n: int) -> str:
    return ngettext(singular, plural, n) % {"n": n}


def _rule_lines(ballot_type: str, limits: BallotLimits) -> list[str]:
    """The limits on counts and points. They come from the process, so they are the same
    in every fund; each fund is a ballot of its own and the limits apply to each."""
    lines = []
    ranked = ballot_type == BallotType.RANKED
    if limits.min_projects > 1:
        lines.append(
            _plural(
                "Rank at least %(n)d project.", "Rank at least %(n)d projects.", limits.min_projects
            )
            if ranked
            else _plural(
                "Choose at least %(n)d project.",
                "Choose at least %(n)d projects.",
                limits.min_projects,
            )
        )
    # K of N says "up to k" in its first sentence already.
    if limits.max_projects and ballot_type != BallotType.K_OF_N:
        lines.append(
            _plural(
                "Rank at most %(n)d project.", "Rank at most %(n)d projects.", limits.max_projects
            )
            if ranked
            else _plural(
                "Choose at most %(n)d project.",
                "Choose at most %(n)d projects.",
                limits.max_projects,
            )
        )
    if limits.max_points_per_project:
        lines.append(
            _plural(
                "At most %(n)d point per project.",
                "At most %(n)d points per project.",
                limits.max_points_per_project,
            )
        )
    if limits.max_total_points:
        lines.append(
            _plural(
                "At most %(n)d point in all.",
                "At most %(n)d points in all.",
                limits.max_total_points,
            )
        )
    return lines


def _money_lines(pot: BallotPot, currency: str, several: bool) -> list[str]:
    limits = pot.limits
    lines = []
    if limits.spending_cap is not None:
        values = {"fund": pot.pot.name, "cap": _money(limits.spending_cap, currency)}
        lines.append(
            _("%(fund)s: your choices may cost up to %(cap)s.") % values
            if several
            else _("Your choices may cost up to %(cap)s.") % values
        )
    if limits.min_total_cost:
        values = {"fund": pot.pot.name, "min": _money(limits.min_total_cost, currency)}
        lines.append(
            _("%(fund)s: your choices must cost at least %(min)s.") % values
            if several
            else _("Your choices must cost at least %(min)s.") % values
        )
    return lines


@dataclass(frozen=True)
class BallotInstructions:
    how_to: str
    # Every limit, one sentence each; the budget meter shows the running totals.
    limits: list[str]


def ballot_instructions(
    ballot_type: str, pots: Sequence[BallotPot], currency: str
) -> BallotInstructions:
    limits: list[str] = []
    if pots:
        limits.extend(_rule_lines(ballot_type, pots[0].limits))
        for pot in pots:
            limits.extend(_money_lines(pot, currency, several=len(pots) > 1))
    if len(pots) > 1 and limits:
        limits.insert(0, _("Each fund is a ballot of its own; these limits apply to each."))
    most = pots[0].limits.max_projects if pots else None
    return BallotInstructions(how_to=_how_to(ballot_type, most), limits=limits)


def _how_to(ballot_type: str, max_projects: int | None) -> str:
    """What to do on this kind of ballot, in one sentence."""
    if ballot_type == BallotType.APPROVAL:
        return _(
            "Tick the projects you want. Their total cost must fit in the budget shown "
            "for each fund."
        )
    if ballot_type == BallotType.K_OF_N:
        if max_projects:
            return ngettext(
                "Tick up to %(n)s project.", "Tick up to %(n)s projects.", max_projects
            ) % {"n": max_projects}
        return _("Tick the projects you want.")
    if ballot_type == BallotType.CUMULATIVE:
        return _("Give points to the projects you want: more points, more support.")
    return _(
        "Rank the projects you want: 1 for your first choice, 2 for the next, and so on. "
        "Leave the others unranked."
    )
