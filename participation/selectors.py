"""Reads of the participation app shared by every channel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery

from participation.identity import checked_identity_hash, voter_code_hash
from participation.models import (
    AuditLog,
    Comment,
    CommentStatus,
    ModerationDecision,
    ParticipationFact,
    ParticipationKind,
    Proposal,
    Resident,
    ResidentNotice,
)
from participation.notices import notice_sentence


def resident_for_voter_code(*, code: str) -> Resident | None:
    """The resident a printed voter code was issued to, or None for an unknown code."""
    if not (code or "").strip():
        return None
    return Resident.objects.filter(voter_code_hash=voter_code_hash(code)).first()


@dataclass(frozen=True)
class ResidentIdea:
    """One of a resident's own ideas as "My activity" shows it: its status, and the
    public reason of the latest moderation decision (never the staff-only note)."""

    proposal: Proposal
    status_label: str
    reason: str
    decided_at: datetime | None


def _latest_decision(**target: Any) -> QuerySet[ModerationDecision]:
    return ModerationDecision.objects.filter(**target).order_by("-created_at", "-pk")


def resident_ideas(resident: Resident) -> list[ResidentIdea]:
    """Every idea ``resident`` sent, newest first, whatever its status (an author sees
    what happened to each one), with the reason of its latest moderation decision."""
    latest = _latest_decision(proposal=OuterRef("pk"))
    proposals = (
        Proposal.objects.filter(author=resident)
        .select_related("process", "merged_into", "neighbourhood")
        .annotate(
            decision_reason=Subquery(latest.values("reason")[:1]),
            decided_at=Subquery(latest.values("created_at")[:1]),
        )
        .order_by("-created_at", "-pk")
    )
    return [
        ResidentIdea(
            proposal=p,
            status_label=str(p.get_status_display()),
            reason=(getattr(p, "decision_reason", None) or "").strip(),
            decided_at=getattr(p, "decided_at", None),
        )
        for p in proposals
    ]


@dataclass(frozen=True)
class ResidentComment:
    comment: Comment
    hidden: bool
    reason: str


def resident_comments(resident: Resident, limit: int = 100) -> list[ResidentComment]:
    """The resident's latest comments with the idea each is on; a hidden comment says
    so, with the moderators' reason."""
    latest = _latest_decision(comment=OuterRef("pk"))
    comments = (
        Comment.objects.filter(author=resident)
        .select_related("proposal")
        .annotate(decision_reason=Subquery(latest.values("reason")[:1]))
        .order_by("-created_at", "-pk")[:limit]
    )
    return [
        ResidentComment(
            comment=c,
            hidden=c.status != CommentStatus.VISIBLE,
            reason=(getattr(c, "decision_reason", None) or "").strip(),
        )
        for c in comments
    ]


def resident_for_checked_identity_find(
    *, name: str = "", address: str = "", id_number: str = ""
) -> Resident | None:
    """The resident a poll worker's checked identity belongs to, or None (never
    creates one; ``resident_for_checked_identity`` does)."""
    try:
        digest = checked_identity_hash(name=name, address=address, id_number=id_number)
    except ValueError:
        return None
    return Resident.objects.filter(checked_identity_hash=digest).first()


@dataclass(frozen=True)
class IdeaNotice:
    """One web notice as the updates page shows it, in the reader's language."""

    notice: ResidentNotice
    sentence: str
    new: bool


def resident_idea_notices(resident: Resident, limit: int = 50) -> list[IdeaNotice]:
    """What moderators and reviewers decided on the resident's ideas, newest first."""
    rows = ResidentNotice.objects.filter(resident=resident).order_by("-created_at", "-pk")[:limit]
    return [
        IdeaNotice(
            notice=n,
            sentence=notice_sentence(n.kind, proposal_id=n.proposal_id, data=n.data),
            new=n.seen_at is None,
        )
        for n in rows
    ]


def process_participant_count(process_id: int) -> int:
    """Residents who voted in the process, each once however many pots they voted in
    and on however many days: the turnout every page and the API show."""
    return (
        ParticipationFact.objects.filter(process_id=process_id, kind=ParticipationKind.VOTE)
        .values("resident_id")
        .distinct()
        .count()
    )


def audit_entries(
    *,
    action: str = "",
    actor: str = "",
    object_type: str = "",
    since: Any = None,
    until: Any = None,
) -> QuerySet[AuditLog]:
    """Audit entries, newest first, filtered as the staff audit page asks: ``action``
    exactly or by its prefix ending in a dot (``admin.``), ``actor`` a username (or
    ``command line`` for entries without one), ``object_type`` exactly, and the day
    range [since, until] (dates, inclusive)."""
    entries = AuditLog.objects.select_related("actor").order_by("-created_at", "-pk")
    if action:
        entries = (
            entries.filter(action__startswith=action)
            if action.endswith(".")
            else entries.filter(action=action)
        )
    if actor == "command line":
        entries = entries.filter(actor__isnull=True)
    elif actor:
        entries = entries.filter(actor__username=actor)
    if object_type:
        entries = entries.filter(object_type=object_type)
    if since is not None:
        entries = entries.filter(created_at__date__gte=since)
    if until is not None:
        entries = entries.filter(created_at__date__lte=until)
    return entries


def audit_vocabulary() -> tuple[list[str], list[str]]:
    """The actions and object types that occur in the log (for the page's choices)."""
    actions = list(AuditLog.objects.order_by("action").values_list("action", flat=True).distinct())
    types = list(
        AuditLog.objects.order_by("object_type").values_list("object_type", flat=True).distinct()
    )
    return actions, types
