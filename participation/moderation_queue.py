"""The moderation queue as staff read it: new and revised ideas, new comments, and ideas
and comments residents flagged past the threshold, oldest first, within the reader's
scope (``participation.access``). The queue page, its live refresh and the item page
read it here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q

from participation.access import MAX_ID, comments_for_moderator, proposals_for_moderator
from participation.models import (
    Comment,
    CommentStatus,
    Flag,
    ModerationDecision,
    ModerationNote,
    Proposal,
    ProposalStatus,
    QueueReason,
)

# The kinds the queue's filter offers ("flagged": either kind, flagged by residents).
QUEUE_KINDS = ("idea", "comment", "flagged")
QUEUE_LIMIT = 200


@dataclass(frozen=True)
class QueueItem:
    kind: str  # "proposal" | "comment"
    pk: int
    title: str
    text: str
    process_title: str
    neighbourhood: str
    status: str
    status_label: str
    reason: str
    reason_label: str
    flags: int
    queued_at: dt.datetime
    seen_decision: int
    proposal_id: int
    author_id: int | None

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.pk}"


def _latest_decisions(field: str, ids: list[int]) -> dict[int, int]:
    latest: dict[int, int] = {}
    for target, pk in ModerationDecision.objects.filter(**{f"{field}__in": ids}).values_list(
        field, "pk"
    ):
        latest[target] = max(pk, latest.get(target, 0))
    return latest


def moderation_queue(
    user: Any, *, kind: str = "", neighbourhood_id: int | None = None, status: str = ""
) -> list[QueueItem]:
    """The queue ``user`` may see, filtered by kind (``QUEUE_KINDS``), neighbourhood
    and status, oldest first (at most ``QUEUE_LIMIT``)."""
    open_flags = Count("flags", filter=Q(flags__resolved_at__isnull=True))
    items: list[QueueItem] = []
    if neighbourhood_id is not None and not 0 < neighbourhood_id <= MAX_ID:
        return []
    if kind in ("", "idea", "flagged"):
        ideas = (
            proposals_for_moderator(user)
            .filter(queued_at__isnull=False)
            .select_related("process", "neighbourhood")
            .annotate(open_flags=open_flags)
        )
        if kind == "flagged":
            ideas = ideas.filter(queue_reason=QueueReason.FLAGGED)
        if neighbourhood_id is not None:
            ideas = ideas.filter(neighbourhood_id=neighbourhood_id)
        if status:
            ideas = ideas.filter(status=status)
        rows = list(ideas.order_by("queued_at", "pk")[:QUEUE_LIMIT])
        latest = _latest_decisions("proposal", [p.pk for p in rows])
        items += [
            QueueItem(
                kind="proposal",
                pk=p.pk,
                title=p.title,
                text=p.body,
                process_title=p.process.title,
                neighbourhood=p.neighbourhood.name if p.neighbourhood else "",
                status=p.status,
                status_label=str(p.get_status_display()),
                reason=p.queue_reason,
                reason_label=str(QueueReason(p.queue_reason).label) if p.queue_reason else "",
                flags=getattr(p, "open_flags", 0),
                queued_at=p.queued_at,  # type: ignore[arg-type]
                seen_decision=latest.get(p.pk, 0),
                proposal_id=p.pk,
                author_id=p.author_id,
            )
            for p in rows
        ]
    if kind in ("", "comment", "flagged"):
        comments = (
            comments_for_moderator(user)
            .filter(queued_at__isnull=False)
            .select_related("proposal", "proposal__process", "proposal__neighbourhood")
            .annotate(open_flags=open_flags)
        )
        if kind == "flagged":
            comments = comments.filter(queue_reason=QueueReason.FLAGGED)
        if neighbourhood_id is not None:
            comments = comments.filter(proposal__neighbourhood_id=neighbourhood_id)
        if status:
            comments = comments.filter(status=status)
        crows = list(comments.order_by("queued_at", "pk")[:QUEUE_LIMIT])
        clatest = _latest_decisions("comment", [c.pk for c in crows])
        items += [
            QueueItem(
                kind="comment",
                pk=c.pk,
                title=c.proposal.title,
                text=c.body,
                process_title=c.proposal.process.title,
                neighbourhood=c.proposal.neighbourhood.name if c.proposal.neighbourhood else "",
                status=c.status,
                status_label=str(c.get_status_display()),
                reason=c.queue_reason,
                reason_label=str(QueueReason(c.queue_reason).label) if c.queue_reason else "",
                flags=getattr(c, "open_flags", 0),
                queued_at=c.queued_at,  # type: ignore[arg-type]
                seen_decision=clatest.get(c.pk, 0),
                proposal_id=c.proposal_id,
                author_id=c.author_id,
            )
            for c in crows
        ]
    items.sort(key=lambda item: (item.queued_at, item.kind, item.pk))
    return items[:QUEUE_LIMIT]


# The status filter's choices: what an item in the queue can be.
QUEUE_STATUSES: tuple[tuple[str, Any], ...] = (
    (ProposalStatus.SUBMITTED.value, ProposalStatus.SUBMITTED.label),
    (ProposalStatus.CHANGES_REQUESTED.value, ProposalStatus.CHANGES_REQUESTED.label),
    (ProposalStatus.APPROVED.value, ProposalStatus.APPROVED.label),
    (CommentStatus.PENDING.value, CommentStatus.PENDING.label),
    (CommentStatus.VISIBLE.value, CommentStatus.VISIBLE.label),
)


@dataclass(frozen=True)
class ItemHistory:
    decisions: list[ModerationDecision]
    notes: list[ModerationNote]
    flags: list[Flag]


def moderation_item_history(
    *, proposal: Proposal | None = None, comment: Comment | None = None, resident: Any = None
) -> ItemHistory:
    """Decisions (newest first), internal notes (oldest first) and flags of one item."""
    target: dict[str, Any] = (
        {"proposal": proposal}
        if proposal is not None
        else {"comment": comment}
        if comment is not None
        else {"resident": resident}
    )
    flags = list(Flag.objects.filter(**target)) if "resident" not in target else []
    return ItemHistory(
        decisions=list(
            ModerationDecision.objects.filter(**target)
            .select_related("moderator", "merged_into")
            .order_by("-created_at", "-pk")
        ),
        notes=list(ModerationNote.objects.filter(**target).select_related("author")),
        flags=flags,
    )
