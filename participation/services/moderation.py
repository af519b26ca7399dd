"""``proposal_moderate``: the one writer of moderation state. Every decision on an idea,
a comment or a resident goes through it (the staff queue and item pages, bulk actions,
commands): the status of the item, the queue, the open flags, a ``ModerationDecision``
row and an audit entry, in one transaction.

Also here: putting an item in the queue (``moderation_queue_add``, called when an idea
or comment is sent, revised or flagged past the threshold) and internal notes
(``moderation_note_add``).

Who may act: the named permission ``participation.moderate_proposals`` and, for a
moderator scoped to neighbourhoods, only items there (``participation.access``). An
item outside the scope is "not found", like one that does not exist.

Authors are not told here: the result lists the ``AuthorNotice``s to deliver, and
``sms.author_notices.proposal_moderate_and_tell`` (which can reach the SMS queue)
delivers them in the same transaction.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.live import MODERATION_GROUP, broadcast_on_commit, broadcast_to_group_on_commit
from participation.access import MODERATE, moderation_scope_allows
from participation.errors import ParticipationError
from participation.models import (
    Comment,
    CommentStatus,
    Flag,
    ModerationAction,
    ModerationDecision,
    ModerationNote,
    NoticeKind,
    Proposal,
    ProposalStatus,
    Resident,
    Support,
)
from participation.notices import AuthorNotice
from participation.services.audit_trail import audit_trail_write
from participation.staff_permissions import staff_require

logger = logging.getLogger(__name__)

REASON_MAX = 2000
NOTE_MAX = 5000

# Which actions apply to which kind of item.
PROPOSAL_ACTIONS = (
    ModerationAction.APPROVE,
    ModerationAction.REJECT,
    ModerationAction.REQUEST_CHANGES,
    ModerationAction.MERGE,
    ModerationAction.HIDE,
    ModerationAction.RESTORE,
)
COMMENT_ACTIONS = (ModerationAction.APPROVE, ModerationAction.HIDE, ModerationAction.RESTORE)
RESIDENT_ACTIONS = (ModerationAction.BLOCK, ModerationAction.UNBLOCK)
# Actions residents must be given a reason for.
REASON_REQUIRED = (
    ModerationAction.REJECT,
    ModerationAction.REQUEST_CHANGES,
    ModerationAction.BLOCK,
)

S = ProposalStatus
# The statuses an idea may be in for each action (a published idea only when it is
# back in the queue, for approve and reject); any other is a stale form.
_PROPOSAL_FROM: dict[str, tuple[str, ...]] = {
    ModerationAction.APPROVE: (S.SUBMITTED, S.CHANGES_REQUESTED, S.REJECTED),
    ModerationAction.REJECT: (S.SUBMITTED, S.CHANGES_REQUESTED),
    ModerationAction.REQUEST_CHANGES: (S.SUBMITTED, S.APPROVED),
    ModerationAction.MERGE: (S.SUBMITTED, S.CHANGES_REQUESTED, S.APPROVED),
    ModerationAction.HIDE: (S.SUBMITTED, S.CHANGES_REQUESTED, S.APPROVED),
    ModerationAction.RESTORE: (S.HIDDEN,),
}
_PROPOSAL_TO: dict[str, str] = {
    ModerationAction.APPROVE: S.APPROVED,
    ModerationAction.REJECT: S.REJECTED,
    ModerationAction.REQUEST_CHANGES: S.CHANGES_REQUESTED,
    ModerationAction.MERGE: S.MERGED,
    ModerationAction.HIDE: S.HIDDEN,
    ModerationAction.RESTORE: S.APPROVED,
}
C = CommentStatus
_COMMENT_FROM: dict[str, tuple[str, ...]] = {
    ModerationAction.APPROVE: (C.PENDING,),
    ModerationAction.HIDE: (C.PENDING, C.VISIBLE),
    ModerationAction.RESTORE: (C.HIDDEN,),
}
_COMMENT_TO: dict[str, str] = {
    ModerationAction.APPROVE: C.VISIBLE,
    ModerationAction.HIDE: C.HIDDEN,
    ModerationAction.RESTORE: C.VISIBLE,
}


class ModerationError(ParticipationError):
    """A refused moderation act. ``code``: ``not_found`` (no such item, or outside the
    moderator's scope), ``stale`` (decided meanwhile by someone else), ``bad_action``,
    ``reason_required``, ``too_long``, ``bad_merge``."""


@dataclass(frozen=True)
class ModerationResult:
    decision: ModerationDecision
    notices: tuple[AuthorNotice, ...]


def _clean_text(text: str, limit: int) -> str:
    # NUL and other control characters cannot be stored (PostgreSQL refuses NUL) and
    # mean nothing to a reader; line breaks stay.
    cleaned = "".join(ch for ch in (text or "") if ch in "\n\t" or ch >= " ").strip()
    if len(cleaned) > limit:
        raise ModerationError("too_long", _("Keep it under %(n)d characters.") % {"n": limit})
    return cleaned


def _not_found() -> ModerationError:
    return ModerationError("not_found", _("That item does not exist or is not yours to moderate."))


def _stale(current: str) -> ModerationError:
    return ModerationError(
        "stale",
        _("Someone else already decided on this item (it is now: %(status)s). Nothing was changed.")
        % {"status": current},
    )


def latest_decision_id(
    *,
    proposal: Proposal | None = None,
    comment: Comment | None = None,
    resident: Resident | None = None,
) -> int:
    """The id of the newest decision on the item (0: none). Forms carry it, so a form
    shown before another moderator's decision is refused as stale."""
    target: dict[str, Any] = (
        {"proposal": proposal}
        if proposal
        else {"comment": comment}
        if comment
        else {"resident": resident}
    )
    return int(ModerationDecision.objects.filter(**target).aggregate(m=Max("pk"))["m"] or 0)


def _queue_event(kind: str, pk: int, neighbourhood_id: int | None, change: str) -> None:
    broadcast_to_group_on_commit(
        MODERATION_GROUP,
        {
            "kind": "moderation",
            "data": {"item": f"{kind}:{pk}", "neighbourhood": neighbourhood_id, "change": change},
        },
    )


def moderation_queue_add(
    *, proposal: Proposal | None = None, comment: Comment | None = None, reason: str
) -> None:
    """Put an idea or a comment (one of them) in the moderation queue, or keep it there
    with the newer reason, and tell the live queue. Called by ``proposal_submit``,
    ``proposal_revise``, ``comment_post`` and ``flag_raise`` inside their transaction."""
    now = timezone.now()
    if proposal is not None:
        Proposal.objects.filter(pk=proposal.pk).update(queued_at=now, queue_reason=reason)
        proposal.queued_at, proposal.queue_reason = now, reason
        _queue_event("proposal", proposal.pk, proposal.neighbourhood_id, "queued")
    elif comment is not None:
        Comment.objects.filter(pk=comment.pk).update(queued_at=now, queue_reason=reason)
        comment.queued_at, comment.queue_reason = now, reason
        neighbourhood_id = (
            Proposal.objects.filter(pk=comment.proposal_id)
            .values_list("neighbourhood_id", flat=True)
            .first()
        )
        _queue_event("comment", comment.pk, neighbourhood_id, "queued")


def proposal_moderate(
    *,
    actor: Any,
    action: str,
    proposal: Proposal | None = None,
    comment: Comment | None = None,
    resident: Resident | None = None,
    reason: str = "",
    merge_into: Proposal | None = None,
    seen_decision: int | None = None,
) -> ModerationResult:
    """Decide on one item: an idea (approve, reject, request changes, merge into
    ``merge_into``, hide, restore), a comment (approve, hide, restore) or a resident
    (block, unblock).

    - Checks ``participation.moderate_proposals`` (PermissionDenied) and the actor's
      neighbourhood scope (``not_found``).
    - Locks the item's row; refuses (``stale``) when its status no longer allows the
      action, or when ``seen_decision`` (the newest decision id the moderator's form
      showed) is older than the newest decision: someone else decided meanwhile.
    - Reject, request changes and block need a ``reason``; the author is told it.
    - Clears the item from the queue and resolves its open flags; writes the decision
      and one audit entry (before, after, reason).

    Returns the decision and the notices for the authors concerned."""
    staff_require(actor, MODERATE)
    reason = _clean_text(reason, REASON_MAX)
    if action in REASON_REQUIRED and not reason:
        raise ModerationError("reason_required", _("Give a reason: the author is told it."))
    targets = [t for t in (proposal, comment, resident) if t is not None]
    if len(targets) != 1:
        raise ModerationError("bad_action", _("Choose one item to decide on."))
    with transaction.atomic():
        if proposal is not None:
            return _moderate_proposal(actor, action, proposal.pk, reason, merge_into, seen_decision)
        if comment is not None:
            return _moderate_comment(actor, action, comment.pk, reason, seen_decision)
        assert resident is not None
        return _moderate_resident(actor, action, resident.pk, reason, seen_decision)


def _check_seen(seen_decision: int | None, **target: Any) -> None:
    if seen_decision is None:
        return
    newest = latest_decision_id(**target)
    if newest != seen_decision:
        decision = ModerationDecision.objects.get(pk=newest) if newest else None
        raise _stale(str(decision.get_action_display()) if decision else "?")


def _resolve_flags(**target: Any) -> int:
    return Flag.objects.filter(resolved_at__isnull=True, **target).update(
        resolved_at=timezone.now()
    )


def _actor_user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


def _audit(
    actor: Any,
    action: str,
    object_type: str,
    object_id: int,
    *,
    before: Any,
    after: Any,
    reason: str,
    **extra: Any,
) -> None:
    audit_trail_write(
        actor=actor,
        action=f"moderation.{action}",
        object_type=object_type,
        object_id=object_id,
        data={"before": before, "after": after, "reason": reason, **extra},
    )


def _moderate_proposal(
    actor: Any,
    action: str,
    pk: int,
    reason: str,
    merge_into: Proposal | None,
    seen_decision: int | None,
) -> ModerationResult:
    if action not in PROPOSAL_ACTIONS:
        raise ModerationError("bad_action", _("That action does not apply to an idea."))
    locked = Proposal.objects.select_for_update().filter(pk=pk).first()
    if locked is None or not moderation_scope_allows(actor, locked.neighbourhood_id):
        raise _not_found()
    _check_seen(seen_decision, proposal=locked)
    before = locked.status
    allowed = _PROPOSAL_FROM[action]
    # A published idea is approved or rejected again only when flags put it back in
    # the queue; otherwise an "approve" on it is a form shown before someone decided.
    if before == S.APPROVED and locked.queued_at is not None:
        allowed = (*allowed, S.APPROVED)
    if before not in allowed:
        raise _stale(str(locked.get_status_display()))
    notices: list[AuthorNotice] = []
    extra: dict[str, Any] = {}
    target: Proposal | None = None
    if action == ModerationAction.MERGE:
        target = _merge(actor, locked, merge_into)
        extra = {"into": target.pk, **_merge_carry(locked, target)}
    after = _PROPOSAL_TO[action]
    locked.status = after
    locked.merged_into = target if target is not None else locked.merged_into
    if action == ModerationAction.RESTORE:
        locked.merged_into = None
    locked.queued_at = None
    locked.queue_reason = ""
    locked.save(update_fields=["status", "merged_into", "queued_at", "queue_reason", "updated_at"])
    extra["flags_resolved"] = _resolve_flags(proposal=locked)
    decision = ModerationDecision.objects.create(
        proposal=locked,
        moderator=_actor_user(actor),
        action=action,
        reason=reason,
        merged_into=target,
    )
    author = locked.author
    if author is not None:
        told: dict[str, str] = {
            ModerationAction.REJECT: NoticeKind.REJECTED,
            ModerationAction.REQUEST_CHANGES: NoticeKind.CHANGES,
            ModerationAction.MERGE: NoticeKind.MERGED,
        }
        kind = told.get(action)
        if action == ModerationAction.APPROVE and before != S.APPROVED:
            kind = NoticeKind.APPROVED
        if kind is not None:
            data = {"into": target.pk} if target is not None else {}
            notices.append(AuthorNotice(author, kind, locked, reason, data))
    if target is not None and target.author is not None and target.author_id != locked.author_id:
        notices.append(AuthorNotice(target.author, NoticeKind.MERGED_IN, target, "", {"from": pk}))
    _audit(actor, action, "proposal", pk, before=before, after=after, reason=reason, **extra)
    _queue_event("proposal", pk, locked.neighbourhood_id, "decided")
    logger.info("proposal %s: %s (%s → %s)", pk, action, before, after)
    return ModerationResult(decision=decision, notices=tuple(notices))


def _merge(actor: Any, source: Proposal, merge_into: Proposal | None) -> Proposal:
    """The idea ``source`` may be merged into, locked; refused unless it is another
    published or waiting idea of the same process within the moderator's scope."""
    if merge_into is None:
        raise ModerationError("bad_merge", _("Choose the idea to merge into."))
    target = Proposal.objects.select_for_update().filter(pk=merge_into.pk).first()
    if target is None or not moderation_scope_allows(actor, target.neighbourhood_id):
        raise ModerationError("bad_merge", _("There is no such idea to merge into."))
    if target.pk == source.pk:
        raise ModerationError("bad_merge", _("An idea cannot be merged into itself."))
    if target.process_id != source.process_id:
        raise ModerationError("bad_merge", _("Both ideas must be in the same process."))
    if target.status not in (S.APPROVED, S.SUBMITTED):
        raise ModerationError("bad_merge", _("Merge into a published idea or one awaiting review."))
    return target


def _merge_carry(source: Proposal, target: Proposal) -> dict[str, int]:
    """Carry supports and comments over from ``source`` to ``target``: a resident who
    supported both counts once; ideas merged into ``source`` before now point at
    ``target``. Returns the counts for the audit entry."""
    already = set(Support.objects.filter(proposal=target).values_list("resident_id", flat=True))
    moved = Support.objects.filter(proposal=source).exclude(resident_id__in=already)
    moved_count = moved.update(proposal=target)
    doubles, _counts = Support.objects.filter(proposal=source).delete()
    comments = Comment.objects.filter(proposal=source).update(proposal=target)
    chained = Proposal.objects.filter(merged_into=source).update(merged_into=target)
    return {
        "supports_moved": moved_count,
        "supports_already_there": doubles,
        "comments_moved": comments,
        "merged_before": chained,
    }


def _moderate_comment(
    actor: Any, action: str, pk: int, reason: str, seen_decision: int | None
) -> ModerationResult:
    if action not in COMMENT_ACTIONS:
        raise ModerationError("bad_action", _("That action does not apply to a comment."))
    locked = Comment.objects.select_for_update().filter(pk=pk).first()
    if locked is None:
        raise _not_found()
    proposal = Proposal.objects.get(pk=locked.proposal_id)
    if not moderation_scope_allows(actor, proposal.neighbourhood_id):
        raise _not_found()
    _check_seen(seen_decision, comment=locked)
    before = locked.status
    allowed = _COMMENT_FROM[action]
    if action == ModerationAction.APPROVE and locked.queued_at is not None:
        allowed = (*allowed, C.VISIBLE)  # a new or flagged visible comment: keep it
    if before not in allowed:
        raise _stale(str(locked.get_status_display()))
    after = _COMMENT_TO[action]
    locked.status = after
    locked.queued_at = None
    locked.queue_reason = ""
    locked.save(update_fields=["status", "queued_at", "queue_reason"])
    flags = _resolve_flags(comment=locked)
    decision = ModerationDecision.objects.create(
        comment=locked, moderator=_actor_user(actor), action=action, reason=reason
    )
    if before != C.VISIBLE and after == C.VISIBLE:
        # Shown now (approved after pre-moderation, or restored): as new to readers.
        broadcast_on_commit(
            proposal.process_id,
            {
                "kind": "comment",
                "data": {"proposal": proposal.pk, "comment": pk, "parent": locked.parent_id},
            },
        )
    _audit(
        actor,
        action,
        "comment",
        pk,
        before=before,
        after=after,
        reason=reason,
        flags_resolved=flags,
    )
    _queue_event("comment", pk, proposal.neighbourhood_id, "decided")
    return ModerationResult(decision=decision, notices=())


def _moderate_resident(
    actor: Any, action: str, pk: int, reason: str, seen_decision: int | None
) -> ModerationResult:
    """Block: the resident's ideas (not yet rejected or merged) and comments are hidden
    and leave the queue, and new posts are refused (``proposal_submit``,
    ``comment_post``). Their ballots and supports are untouched: blocking is about what
    they post, never about their vote. Unblock lifts the refusal; hidden posts stay
    hidden until a moderator restores each one."""
    if action not in RESIDENT_ACTIONS:
        raise ModerationError("bad_action", _("That action does not apply to a resident."))
    locked = Resident.objects.select_for_update().filter(pk=pk).first()
    if locked is None or not moderation_scope_allows(actor, locked.neighbourhood_id):
        raise _not_found()
    _check_seen(seen_decision, resident=locked)
    blocked = locked.blocked_at is not None
    if (action == ModerationAction.BLOCK) == blocked:
        raise _stale(str(_("blocked") if blocked else _("not blocked")))
    extra: dict[str, Any] = {}
    if action == ModerationAction.BLOCK:
        locked.blocked_at = timezone.now()
        ideas = Proposal.objects.filter(
            author=locked, status__in=(S.SUBMITTED, S.CHANGES_REQUESTED, S.APPROVED)
        )
        idea_ids = list(ideas.values_list("pk", flat=True))
        ideas.update(status=S.HIDDEN, queued_at=None, queue_reason="", updated_at=timezone.now())
        comments = Comment.objects.filter(author=locked, status__in=(C.PENDING, C.VISIBLE))
        comment_ids = list(comments.values_list("pk", flat=True))
        comments.update(status=C.HIDDEN, queued_at=None, queue_reason="")
        Flag.objects.filter(resolved_at__isnull=True, proposal_id__in=idea_ids).update(
            resolved_at=timezone.now()
        )
        Flag.objects.filter(resolved_at__isnull=True, comment_id__in=comment_ids).update(
            resolved_at=timezone.now()
        )
        extra = {"ideas_hidden": idea_ids, "comments_hidden": comment_ids}
    else:
        locked.blocked_at = None
    locked.save(update_fields=["blocked_at"])
    decision = ModerationDecision.objects.create(
        resident=locked, moderator=_actor_user(actor), action=action, reason=reason
    )
    _audit(
        actor,
        action,
        "resident",
        pk,
        before="blocked" if blocked else "active",
        after="active" if blocked else "blocked",
        reason=reason,
        **extra,
    )
    _queue_event("resident", pk, locked.neighbourhood_id, "decided")
    return ModerationResult(decision=decision, notices=())


def moderation_note_add(
    *,
    actor: Any,
    body: str,
    proposal: Proposal | None = None,
    comment: Comment | None = None,
    resident: Resident | None = None,
) -> ModerationNote:
    """An internal staff note on one item (never shown to residents), audited. Same
    permission and scope as a decision."""
    staff_require(actor, MODERATE)
    body = _clean_text(body, NOTE_MAX)
    if not body:
        raise ModerationError("empty", _("Write the note first."))
    targets = [t for t in (proposal, comment, resident) if t is not None]
    if len(targets) != 1:
        raise ModerationError("bad_action", _("Choose one item to note."))
    if proposal is not None:
        neighbourhood_id, object_type, pk = proposal.neighbourhood_id, "proposal", proposal.pk
    elif comment is not None:
        neighbourhood_id = (
            Proposal.objects.filter(pk=comment.proposal_id)
            .values_list("neighbourhood_id", flat=True)
            .first()
        )
        object_type, pk = "comment", comment.pk
    else:
        assert resident is not None
        neighbourhood_id, object_type, pk = resident.neighbourhood_id, "resident", resident.pk
    if not moderation_scope_allows(actor, neighbourhood_id):
        raise _not_found()
    with transaction.atomic():
        note = ModerationNote.objects.create(
            proposal=proposal,
            comment=comment,
            resident=resident,
            author=_actor_user(actor),
            body=body,
        )
        audit_trail_write(
            actor=actor,
            action="moderation.note",
            object_type=object_type,
            object_id=pk,
            data={"note": note.pk},
        )
    return note
