"""Review (costing): ``proposal_to_project`` turns a published idea into a ballot
project with a cost estimate, a feasibility note, a pot and an SMS short code, keeping
the idea as its source. The one writer of that step: the staff review page (one idea
or many at once) and any command call it, through
``sms.author_notices.proposal_to_project_and_tell``, which also tells the author.

Checked: ``participation.review_proposals``; the idea is published and not yet on
the ballot (else ``stale``: another reviewer did it); the pot is the process's and, for a
neighbourhood pot, the idea's neighbourhood; the short code is free; the pot has no
ballot yet (a ballot people already voted on does not change under them).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from budgets.models import Ballot, Pot, Project
from participation.errors import ParticipationError
from participation.models import NoticeKind, Proposal, ProposalStatus
from participation.notices import AuthorNotice
from participation.services.audit_trail import audit_trail_write
from participation.staff_permissions import staff_require

REVIEW = "participation.review_proposals"
NOTE_MAX = 2000
# Project.cost is a DecimalField(max_digits=16, decimal_places=2).
COST_MAX = Decimal("99999999999999.99")
SHORT_CODE_MAX = 999999  # what the SMS parser reads as a number


class ReviewError(ParticipationError):
    """A refused review step; ``code``: ``not_found``, ``stale``, ``bad_cost``,
    ``bad_pot``, ``bad_code``, ``code_taken``, ``ballot_started``, ``too_long``."""


@dataclass(frozen=True)
class ReviewResult:
    project: Project
    notice: AuthorNotice | None


def review_cost_parse(raw: str) -> Decimal:
    """A cost as typed ("12 500", "12,500.50"): positive, at most two decimals."""
    text = "".join((raw or "").split()).replace(",", "")
    try:
        cost = Decimal(text)
    except InvalidOperation:
        raise ReviewError("bad_cost", _("Write the cost as a number, e.g. 25000.")) from None
    if (
        not cost.is_finite()
        or cost <= 0
        or cost > COST_MAX
        or cost != cost.quantize(Decimal("0.01"))
    ):
        raise ReviewError("bad_cost", _("The cost must be above zero, with at most two decimals."))
    return cost


def next_short_code(process_id: int) -> int:
    """The first short code after the highest in use in the process."""
    codes = Project.objects.filter(process_id=process_id).values_list("short_code", flat=True)
    return max(codes, default=0) + 1


def proposal_to_project(
    *,
    actor: Any,
    proposal: Proposal,
    pot: Pot,
    cost: Decimal,
    short_code: int,
    feasibility_note: str = "",
) -> ReviewResult:
    """Put ``proposal`` on the ballot as a project (its texts in every language, its
    place and neighbourhood), audited; returns the project and the notice for the
    author ("your idea is on the ballot")."""
    staff_require(actor, REVIEW)
    note = "".join(ch for ch in (feasibility_note or "") if ch in "\n\t" or ch >= " ").strip()
    if len(note) > NOTE_MAX:
        raise ReviewError("too_long", _("Keep the note under %(n)d characters.") % {"n": NOTE_MAX})
    if not isinstance(cost, Decimal) or not cost.is_finite() or not 0 < cost <= COST_MAX:
        raise ReviewError("bad_cost", _("The cost must be above zero, with at most two decimals."))
    if not 1 <= short_code <= SHORT_CODE_MAX:
        raise ReviewError(
            "bad_code", _("The SMS number must be between 1 and %(n)d.") % {"n": SHORT_CODE_MAX}
        )
    with transaction.atomic():
        locked = Proposal.objects.select_for_update().filter(pk=proposal.pk).first()
        if locked is None:
            raise ReviewError("not_found", _("There is no such idea."))
        if locked.status != ProposalStatus.APPROVED:
            raise ReviewError("stale", _("Only published ideas can go on the ballot."))
        if Project.objects.filter(source_proposal=locked, process_id=locked.process_id).exists():
            raise ReviewError(
                "stale", _("This idea is already on the ballot (another reviewer added it).")
            )
        if pot.process_id != locked.process_id:
            raise ReviewError("bad_pot", _("Choose a pot of the idea's own process."))
        if pot.neighbourhood_id is not None and pot.neighbourhood_id != locked.neighbourhood_id:
            raise ReviewError(
                "bad_pot", _("A neighbourhood pot takes only ideas for that neighbourhood.")
            )
        if Ballot.objects.filter(pot=pot).exists():
            raise ReviewError(
                "ballot_started",
                _("People have already voted in this pot; add the idea to the next round."),
            )
        if Project.objects.filter(process_id=locked.process_id, short_code=short_code).exists():
            raise ReviewError(
                "code_taken",
                _("SMS number %(code)d is already used in this process.") % {"code": short_code},
            )
        texts: dict[str, str] = {}
        for language in settings.MODELTRANSLATION_LANGUAGES:
            texts[f"title_{language}"] = getattr(locked, f"title_{language}", "") or ""
            texts[f"description_{language}"] = getattr(locked, f"body_{language}", "") or ""
        try:
            with transaction.atomic():
                project = Project.objects.create(
                    **texts,
                    process_id=locked.process_id,
                    pot=pot,
                    cost=cost,
                    short_code=short_code,
                    source_proposal=locked,
                    neighbourhood_id=locked.neighbourhood_id,
                    lat=locked.lat,
                    lng=locked.lng,
                    feasibility_note=note,
                )
        except IntegrityError:
            raise ReviewError(
                "code_taken",
                _("SMS number %(code)d is already used in this process.") % {"code": short_code},
            ) from None
        audit_trail_write(
            actor=actor,
            action="review.to_project",
            object_type="proposal",
            object_id=locked.pk,
            data={
                "before": None,
                "after": {
                    "project": project.pk,
                    "pot": pot.pk,
                    "cost": str(cost),
                    "short_code": short_code,
                },
                "reason": note,
            },
        )
    notice = (
        AuthorNotice(locked.author, NoticeKind.ON_BALLOT, locked, "", {"short_code": short_code})
        if locked.author is not None
        else None
    )
    return ReviewResult(project=project, notice=notice)
