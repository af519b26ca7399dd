"""``flag_raise``: a resident reports an idea or a comment to the moderators, by web
(the button on the idea page and under each comment) or by SMS (``FLAG 12``). One
service, so both channels count alike, against the same hourly limit
(``FLAGS_PER_HOUR``) and the same threshold (``MODERATION_FLAG_THRESHOLD`` open flags
put the item back in the moderation queue)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from participation.access import comment_visible_to, proposal_visible_to
from participation.errors import ParticipationError
from participation.models import Comment, Flag, Proposal, QueueReason, Resident
from participation.posting_limits import FLAG, posting_limit_check
from participation.services.moderation import moderation_queue_add

FLAG_REASON_MAX = 500


@dataclass(frozen=True)
class FlagResult:
    """``new``: this resident had not flagged the item yet (a second flag counts
    once). ``queued``: this flag reached the threshold and put the item in the queue."""

    flag: Flag | None
    new: bool
    queued: bool


def flag_raise(
    *,
    resident: Resident,
    channel: str,
    proposal: Proposal | None = None,
    comment: Comment | None = None,
    reason: str = "",
) -> FlagResult:
    """Flag one published idea or visible comment. Refused (``ParticipationError``)
    for an item the resident cannot see (``not_found``, as every channel answers for an
    unpublished idea) or past the hourly limit (``rate_limited``)."""
    if (proposal is None) == (comment is None):
        raise ParticipationError("bad_target", _("Choose one idea or comment to report."))
    reason = "".join(ch for ch in (reason or "") if ch >= " ").strip()[:FLAG_REASON_MAX]
    if proposal is not None and not proposal_visible_to(proposal, None):
        raise ParticipationError("not_found", _("There is no such idea."))
    if comment is not None and not comment_visible_to(comment, None):
        raise ParticipationError("not_found", _("There is no such comment."))
    target = {"proposal": proposal} if proposal is not None else {"comment": comment}
    with transaction.atomic():
        # The resident's row lock orders their flags, so the hourly count is exact.
        Resident.objects.select_for_update().filter(pk=resident.pk).values_list("pk").first()
        if Flag.objects.filter(resident=resident, resolved_at__isnull=True, **target).exists():
            return FlagResult(flag=None, new=False, queued=False)
        posting_limit_check(resident=resident, kind=FLAG)
        try:
            with transaction.atomic():
                flag = Flag.objects.create(
                    resident=resident, reason=reason, channel=channel, **target
                )
        except IntegrityError:
            return FlagResult(flag=None, new=False, queued=False)
        # Lock the item so two residents' flags reaching the threshold queue it once.
        model = Proposal if proposal is not None else Comment
        item = model.objects.select_for_update().get(pk=(proposal or comment).pk)  # type: ignore[union-attr]
        open_flags = Flag.objects.filter(resolved_at__isnull=True, **target).count()
        queued = False
        if open_flags >= settings.MODERATION_FLAG_THRESHOLD and item.queued_at is None:
            if isinstance(item, Proposal):
                moderation_queue_add(proposal=item, reason=QueueReason.FLAGGED)
            else:
                moderation_queue_add(comment=item, reason=QueueReason.FLAGGED)
            queued = True
    return FlagResult(flag=flag, new=True, queued=queued)
