"""Fetch-and-authorise: which ideas and comments a given resident or staff member may
see or act on. The web pages, the SMS conversation and the API call these, so an idea
under review is "not found" on every channel alike (never confirmed to exist)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from participation.models import (
    Comment,
    CommentStatus,
    ModerationAction,
    ModeratorScope,
    Proposal,
    ProposalStatus,
    Resident,
)

MODERATE = "participation.moderate_proposals"
# Ids beyond a 64-bit signed integer are no row's: answered "not found" before the
# database is asked (PostgreSQL would refuse the query).
MAX_ID = 2**63 - 1

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
    if not 0 < pk <= MAX_ID:
        return None
    proposal = (
        Proposal.objects.select_related("process", "neighbourhood", "merged_into")
        .filter(pk=pk)
        .first()
    )
    if proposal is None or not proposal_visible_to(proposal, resident):
        return None
    return proposal


def proposal_gone_for_visitor(*, pk: int, resident: Resident | None) -> bool:
    """True when idea ``pk`` was published once and has since been hidden by a
    moderator: visitors get "gone" (410) for it. An idea never published (under review,
    rejected) stays "not found" (404), so its existence is never confirmed."""
    if not 0 < pk <= MAX_ID:
        return False
    proposal = Proposal.objects.filter(pk=pk).first()
    if proposal is None or proposal_visible_to(proposal, resident):
        return False
    return (
        proposal.status == ProposalStatus.HIDDEN
        and proposal.decisions.filter(action=ModerationAction.APPROVE).exists()
    )


def comment_for_reply(*, proposal: Proposal, pk: int) -> Comment | None:
    """The comment ``pk`` of ``proposal`` that a reply may answer, or None."""
    if not 0 < pk <= MAX_ID:
        return None
    return Comment.objects.filter(pk=pk, proposal=proposal, status=CommentStatus.VISIBLE).first()


def comment_visible_to(comment: Comment, resident: Resident | None) -> bool:
    """A visible comment is public; one awaiting review (a pre-moderated process) only
    its author sees; a hidden one nobody."""
    if comment.status == CommentStatus.VISIBLE:
        return True
    return (
        comment.status == CommentStatus.PENDING
        and resident is not None
        and comment.author_id == resident.pk
    )


# --- staff: moderators and their neighbourhoods --------------------------------------------


def moderator_neighbourhood_ids(user: Any) -> frozenset[int] | None:
    """The neighbourhoods a staff member is scoped to, or None when unscoped (the whole
    city). Scopes are ``ModeratorScope`` rows; a user without any is unscoped."""
    if not getattr(user, "pk", None):
        return None
    ids = frozenset(
        ModeratorScope.objects.filter(user_id=user.pk).values_list("neighbourhood_id", flat=True)
    )
    return ids or None


def moderation_scope_allows(user: Any, neighbourhood_id: int | None) -> bool:
    """Whether ``user``'s scope covers an item of ``neighbourhood_id``. An unscoped
    moderator (or the command line, None) covers everything; a scoped one only their
    neighbourhoods, never an item without one."""
    if user is None:
        return True
    scope = moderator_neighbourhood_ids(user)
    return scope is None or neighbourhood_id in scope


def _may_moderate(user: Any) -> bool:
    return bool(user is not None and user.is_active and user.has_perm(MODERATE))


def proposals_for_moderator(user: Any) -> QuerySet[Proposal]:
    """The ideas a moderator may see and act on: none without the permission, only
    their neighbourhoods' when scoped."""
    if not _may_moderate(user):
        return Proposal.objects.none()
    scope = moderator_neighbourhood_ids(user)
    rows = Proposal.objects.all()
    return rows if scope is None else rows.filter(neighbourhood_id__in=scope)


def comments_for_moderator(user: Any) -> QuerySet[Comment]:
    """Comments on the ideas ``proposals_for_moderator`` allows."""
    if not _may_moderate(user):
        return Comment.objects.none()
    scope = moderator_neighbourhood_ids(user)
    rows = Comment.objects.all()
    return rows if scope is None else rows.filter(proposal__neighbourhood_id__in=scope)


def residents_for_moderator(user: Any) -> QuerySet[Resident]:
    """Residents a moderator may block or note: all for an unscoped moderator; for a
    scoped one, those living in their neighbourhoods."""
    if not _may_moderate(user):
        return Resident.objects.none()
    scope = moderator_neighbourhood_ids(user)
    rows = Resident.objects.all()
    return rows if scope is None else rows.filter(neighbourhood_id__in=scope)


def moderation_item_for_staff(
    user: Any, kind: str, pk: int
) -> Proposal | Comment | Resident | None:
    """The idea, comment or resident ``pk`` if ``user`` may moderate it, else None
    (whether it does not exist, is out of their scope or the id is nonsense): every
    staff page answers 404 alike, so a guessed id tells nothing."""
    if not 0 < pk <= MAX_ID:
        return None
    if kind == "proposal":
        return (
            proposals_for_moderator(user)
            .select_related("process", "neighbourhood", "author", "merged_into")
            .filter(pk=pk)
            .first()
        )
    if kind == "comment":
        return (
            comments_for_moderator(user)
            .select_related("proposal", "proposal__process", "author")
            .filter(pk=pk)
            .first()
        )
    if kind == "resident":
        return residents_for_moderator(user).filter(pk=pk).first()
    return None


def proposals_for_staff(user: Any) -> QuerySet[Proposal]:
    """The ideas a staff member may see: all of them with the named view permission,
    none without (``is_staff`` alone shows nothing); a moderator scoped to some
    neighbourhoods sees only theirs, in the admin too."""
    if not (user.is_active and user.has_perm("participation.view_proposal")):
        return Proposal.objects.none()
    scope = moderator_neighbourhood_ids(user)
    rows = Proposal.objects.all()
    return rows if scope is None else rows.filter(neighbourhood_id__in=scope)
