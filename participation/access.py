"""Fetch-and-authorise: which ideas and comments a given resident or staff member may
see or act on. The web pages, the SMS conversation and the API call these, so an idea
under review is "not found" on every channel alike (never confirmed to exist)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from participation.models import Comment, Proposal, ProposalStatus, Resident

# Proposal statuses anyone may see; the rest only their author.
PUBLIC_PROPOSAL_STATUSES = (ProposalStatus.APPROVED, ProposalStatus.MERGED)


def proposal_visible_to(proposal: Proposal, resident: Resident | None) -> bool:
    """Published and merged ideas are public; an idea awaiting review, rejected or hidden
    is shown to its author only (so they can see what happened to it)."""
    if proposal.status in PUBLIC_PROPOSAL_STATUSES:
        return True
    return resident is not None and proposal.author_id == resident.pk


def proposal_for_resident(*, pk: int, resident: Resident | None) -> Proposal | None:
    """The idea ``pk`` if ``resident`` (None: an anonymous visitor) may see it, else
    None, whether it does not exist or is not theirs to see."""
    proposal = (
        Proposal.objects.select_related("process", "neighbourhood", "merged_into")
        .filter(pk=pk)
        .first()
    )
    if proposal is None or not proposal_visible_to(proposal, resident):
        return None
    return proposal


def comment_for_reply(*, proposal: Proposal, pk: int) -> Comment | None:
    """The comment ``pk`` of ``proposal`` that a reply may answer, or None."""
    return Comment.objects.filter(pk=pk, proposal=proposal).first()


def proposals_for_staff(user: Any) -> QuerySet[Proposal]:
    """The ideas a staff member may see: all of them with the named view permission,
    none without (``is_staff`` alone shows nothing)."""
    if not (user.is_active and user.has_perm("participation.view_proposal")):
        return Proposal.objects.none()
    return Proposal.objects.all()
