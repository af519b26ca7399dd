"""Writes of ideas, comments and supports, shared by every channel: an SMS IDEA and a
web form get the same checks and the same answer."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from core.live import broadcast_on_commit
from core.models import Channel, CommentModeration, PhaseKind, Process
from core.selectors import process_phase_open
from maps.locate import neighbourhood_at
from maps.models import Neighbourhood
from participation.errors import ParticipationError
from participation.models import (
    Comment,
    CommentStatus,
    ParticipationKind,
    Proposal,
    ProposalStatus,
    QueueReason,
    Resident,
    Support,
)
from participation.posting_limits import COMMENT, IDEA, posting_limit_check
from participation.services.moderation import moderation_queue_add
from participation.services.participation_record import participation_record

logger = logging.getLogger(__name__)

# Limits shared by every channel (an SMS IDEA and a web form get the same answer).
TITLE_MAX = 200
BODY_MAX = 5000
COMMENT_MAX = 2000


@dataclass(frozen=True)
class Point:
    lat: float
    lng: float


def _lock_author(author: Resident) -> None:
    """Lock the author's row for the rest of the transaction: two posts racing from
    one resident are then counted against the posting limit one after the other. A
    resident a moderator blocked posts nothing more (their vote is untouched)."""
    blocked = (
        Resident.objects.select_for_update()
        .filter(pk=author.pk)
        .values_list("blocked_at", flat=True)
        .first()
    )
    if blocked is not None:
        raise ParticipationError(
            "blocked", _("Moderators have stopped your posts. You can still vote.")
        )


def proposal_submit(
    *,
    author: Resident,
    process: Process,
    title: str,
    body: str,
    channel: str,
    point: Point | None = None,
    neighbourhood: Neighbourhood | None = None,
    address: str = "",
    language: str | None = None,
) -> Proposal:
    """A resident's idea, awaiting moderation. The neighbourhood comes from the map pin
    (point-in-polygon) when there is one, else from the given neighbourhood.

    Refused (``ParticipationError``) when ideas are closed, the text or place is
    wrong, or the author has reached the posting limit (``rate_limited``)."""
    title = " ".join((title or "").split())
    body = (body or "").strip()
    if not process_phase_open(process, PhaseKind.IDEAS):
        raise ParticipationError("ideas_closed", _("Ideas are not being collected right now."))
    if not title:
        raise ParticipationError("title_required", _("Give your idea a short title."))
    if len(title) > TITLE_MAX:
        raise ParticipationError(
            "title_too_long", _("Keep the title under %(n)d characters.") % {"n": TITLE_MAX}
        )
    if len(body) > BODY_MAX:
        raise ParticipationError(
            "body_too_long", _("Keep the description under %(n)d characters.") % {"n": BODY_MAX}
        )
    if point is not None:
        if not (-90 <= point.lat <= 90 and -180 <= point.lng <= 180):
            raise ParticipationError("bad_point", _("That map position is not valid."))
        located = neighbourhood_at(point.lat, point.lng)
        if located is None:
            raise ParticipationError(
                "outside_city", _("That place is outside the city's neighbourhoods.")
            )
        neighbourhood = located
    if neighbourhood is None:
        raise ParticipationError(
            "neighbourhood_required", _("Tell us which neighbourhood the idea is for.")
        )
    with transaction.atomic():
        _lock_author(author)
        posting_limit_check(resident=author, kind=IDEA)
        proposal = _proposal_create(
            process=process,
            author=author,
            title=title,
            body=body,
            point=point,
            address=address,
            neighbourhood=neighbourhood,
            channel=channel,
            language=language or author.language,
        )
        moderation_queue_add(proposal=proposal, reason=QueueReason.NEW)
        participation_record(
            process=process, resident=author, kind=ParticipationKind.IDEA, channel=channel
        )
    logger.info("proposal %s submitted via %s", proposal.pk, channel)
    return proposal


def _proposal_create(
    *,
    process: Process,
    author: Resident,
    title: str,
    body: str,
    point: Point | None,
    address: str,
    neighbourhood: Neighbourhood,
    channel: str,
    language: str,
) -> Proposal:
    # The text goes into the column of the language it was written in (modeltranslation
    # would otherwise file it under whatever language the request happens to be in);
    # readers in other languages fall back to it until staff add a translation.
    written_in = (
        language
        if language in settings.MODELTRANSLATION_LANGUAGES
        else settings.MODELTRANSLATION_DEFAULT_LANGUAGE
    )
    texts = {f"title_{written_in}": title, f"body_{written_in}": body or title}
    return Proposal.objects.create(
        **texts,
        process=process,
        author=author,
        lat=point.lat if point else None,
        lng=point.lng if point else None,
        address=address.strip()[:300],
        neighbourhood=neighbourhood,
        status=ProposalStatus.SUBMITTED,
        channel=channel,
        language=language,
    )


def comment_post(
    *, author: Resident, proposal: Proposal, body: str, channel: str, parent: Comment | None = None
) -> Comment:
    body = (body or "").strip()
    if proposal.status != ProposalStatus.APPROVED:
        raise ParticipationError("not_open", _("Comments are open on published ideas only."))
    if not body:
        raise ParticipationError("empty", _("Write something to comment."))
    if len(body) > COMMENT_MAX:
        raise ParticipationError(
            "too_long", _("Keep comments under %(n)d characters.") % {"n": COMMENT_MAX}
        )
    if parent is not None and parent.proposal_id != proposal.pk:
        raise ParticipationError("bad_parent", _("You can only reply on the same idea."))
    if parent is not None and parent.status != CommentStatus.VISIBLE:
        raise ParticipationError("bad_parent", _("That comment cannot be answered."))
    # Pre-moderated processes show a comment once a moderator approved it; in others
    # it shows at once and moderators review it after. Either way it is queued.
    premoderated = proposal.process.comment_moderation == CommentModeration.PRE
    with transaction.atomic():
        _lock_author(author)
        posting_limit_check(resident=author, kind=COMMENT)
        comment = Comment.objects.create(
            proposal=proposal,
            author=author,
            parent=parent,
            body=body,
            channel=channel,
            status=CommentStatus.PENDING if premoderated else CommentStatus.VISIBLE,
        )
        moderation_queue_add(comment=comment, reason=QueueReason.NEW)
        participation_record(
            process=proposal.process_id,
            resident=author,
            kind=ParticipationKind.COMMENT,
            channel=channel,
        )
    if premoderated:
        return comment
    broadcast_on_commit(
        proposal.process_id,
        {
            "kind": "comment",
            "data": {
                "proposal": proposal.pk,
                "comment": comment.pk,
                "parent": parent and parent.pk,
            },
        },
    )
    return comment


def proposal_revise(*, author: Resident, proposal: Proposal, title: str, body: str) -> Proposal:
    """The author rewrites an idea moderators asked changes of; it goes back to the
    queue (reason ``revised``) and stays unpublished until a moderator decides. The
    status is the moderators' to change (``proposal_moderate``), never the author's."""
    title = " ".join((title or "").split())
    body = (body or "").strip()
    if proposal.author_id != author.pk or proposal.status != ProposalStatus.CHANGES_REQUESTED:
        raise ParticipationError("not_open", _("Only ideas sent back for changes can be edited."))
    if not title:
        raise ParticipationError("title_required", _("Give your idea a short title."))
    if len(title) > TITLE_MAX:
        raise ParticipationError(
            "title_too_long", _("Keep the title under %(n)d characters.") % {"n": TITLE_MAX}
        )
    if len(body) > BODY_MAX:
        raise ParticipationError(
            "body_too_long", _("Keep the description under %(n)d characters.") % {"n": BODY_MAX}
        )
    written_in = (
        proposal.language
        if proposal.language in settings.MODELTRANSLATION_LANGUAGES
        else settings.MODELTRANSLATION_DEFAULT_LANGUAGE
    )
    with transaction.atomic():
        _lock_author(author)
        locked = Proposal.objects.select_for_update().get(pk=proposal.pk)
        if locked.status != ProposalStatus.CHANGES_REQUESTED:
            raise ParticipationError(
                "not_open", _("Only ideas sent back for changes can be edited.")
            )
        setattr(locked, f"title_{written_in}", title)
        setattr(locked, f"body_{written_in}", body or title)
        locked.save(update_fields=[f"title_{written_in}", f"body_{written_in}", "updated_at"])
        moderation_queue_add(proposal=locked, reason=QueueReason.REVISED)
    return locked


def support_add(*, resident: Resident, proposal: Proposal, channel: str = Channel.WEB) -> bool:
    """Support an idea; idempotent. Returns True when a new support was recorded."""
    if proposal.status != ProposalStatus.APPROVED:
        raise ParticipationError("not_open", _("Only published ideas can be supported."))
    try:
        with transaction.atomic():
            Support.objects.create(resident=resident, proposal=proposal)
            participation_record(
                process=proposal.process_id,
                resident=resident,
                kind=ParticipationKind.SUPPORT,
                channel=channel,
            )
    except IntegrityError:
        return False
    return True


def support_remove(*, resident: Resident, proposal: Proposal) -> bool:
    deleted, _counts = Support.objects.filter(resident=resident, proposal=proposal).delete()
    return deleted > 0
