"""The moderation workflow through its services: every decision goes through
``proposal_moderate`` (here via ``proposal_moderate_and_tell``, as the staff pages call
it), leaves a decision row and an audit entry, and tells the author on their channel."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied

from budgets.ballot_validation import Choice
from budgets.models import Ballot
from budgets.services.ballots import ballot_cast
from core.models import Channel, CommentModeration, Process
from frontend.selectors import comment_tree
from maps.models import Neighbourhood
from participation.errors import ParticipationError
from participation.models import (
    AuditLog,
    Comment,
    CommentStatus,
    Flag,
    ModerationDecision,
    ModerationNote,
    ModeratorScope,
    NoticeKind,
    Proposal,
    ProposalStatus,
    QueueReason,
    Resident,
    ResidentNotice,
    Support,
)
from participation.moderation_queue import moderation_queue
from participation.services.flags import flag_raise
from participation.services.ideas import comment_post, proposal_revise, proposal_submit
from participation.services.moderation import (
    ModerationError,
    moderation_note_add,
    proposal_moderate,
)
from sms import outbox
from sms.author_notices import proposal_moderate_and_tell
from sms.models import OutboundMessage, OutboundPurpose
from tests.factories import NeighbourhoodFactory, ResidentFactory, UserFactory, square

pytestmark = pytest.mark.django_db


def moderator(name: str = "mod", *, scope: list[Neighbourhood] | None = None) -> Any:
    user = UserFactory(username=name)
    user.user_permissions.add(
        Permission.objects.get(
            content_type__app_label="participation", codename="moderate_proposals"
        )
    )
    for n in scope or []:
        ModeratorScope.objects.create(user=user, neighbourhood=n)
    return type(user).objects.get(pk=user.pk)


@pytest.fixture
def mod() -> Any:
    return moderator()


def submit(city: Process, area: Neighbourhood, author: Resident, title: str, **kw: Any) -> Proposal:
    return proposal_submit(
        author=author,
        process=city,
        title=title,
        body=f"{title}, please.",
        channel=kw.pop("channel", Channel.WEB),
        neighbourhood=area,
        **kw,
    )


def audit(action: str, object_id: int) -> AuditLog:
    entry = AuditLog.objects.filter(action=f"moderation.{action}", object_id=str(object_id)).first()
    assert entry is not None, f"no audit entry moderation.{action} for {object_id}"
    return entry


def test_a_new_idea_waits_in_the_queue_and_approval_publishes_it(
    city: Process, area: Neighbourhood, mod: Any
) -> None:
    author = ResidentFactory(neighbourhood=area)
    idea = submit(city, area, author, "Benches by the river")
    assert idea.status == ProposalStatus.SUBMITTED
    assert [i.key for i in moderation_queue(mod)] == [f"proposal:{idea.pk}"]

    result = proposal_moderate_and_tell(actor=mod, action="approve", proposal=idea)

    idea.refresh_from_db()
    assert idea.status == ProposalStatus.APPROVED
    assert idea.queued_at is None
    assert moderation_queue(mod) == []
    assert result.decision.moderator == mod
    entry = audit("approve", idea.pk)
    assert entry.actor == mod
    assert entry.data["before"] == "submitted" and entry.data["after"] == "approved"
    # A web author is told on their updates page, not by text.
    notice = ResidentNotice.objects.get(resident=author)
    assert notice.kind == NoticeKind.APPROVED and notice.proposal == idea
    assert outbox.messages == []


def test_reject_with_a_reason_texts_the_sms_author_in_spanish(
    city: Process, area: Neighbourhood, mod: Any, django_capture_on_commit_callbacks: Any
) -> None:
    author = ResidentFactory(neighbourhood=area, language="es", first_channel="sms")
    idea = submit(city, area, author, "Parque para perros", channel=Channel.SMS, language="es")

    with pytest.raises(ModerationError) as refused:
        proposal_moderate_and_tell(actor=mod, action="reject", proposal=idea)
    assert refused.value.code == "reason_required"

    with django_capture_on_commit_callbacks(execute=True):
        proposal_moderate_and_tell(
            actor=mod, action="reject", proposal=idea, reason="Ya existe un parque en esa calle."
        )

    idea.refresh_from_db()
    assert idea.status == ProposalStatus.REJECTED
    assert (
        ModerationDecision.objects.get(proposal=idea).reason == "Ya existe un parque en esa calle."
    )
    assert audit("reject", idea.pk).data["reason"] == "Ya existe un parque en esa calle."
    [queued] = OutboundMessage.objects.filter(purpose=OutboundPurpose.NOTICE)
    assert queued.language == "es"
    [text] = [m for m in outbox.messages if m.to == author.phone_e164]
    assert text.body == queued.body
    assert f"Tu idea I{idea.pk} no fue aceptada" in text.body
    assert "Ya existe un parque en esa calle." in text.body
    assert not ResidentNotice.objects.exists()


def test_request_changes_then_the_author_revises_and_it_comes_back(
    city: Process, area: Neighbourhood, mod: Any
) -> None:
    author = ResidentFactory(neighbourhood=area)
    idea = submit(city, area, author, "Lights")
    proposal_moderate_and_tell(
        actor=mod, action="changes", proposal=idea, reason="Say which street."
    )
    idea.refresh_from_db()
    assert idea.status == ProposalStatus.CHANGES_REQUESTED and idea.queued_at is None
    assert ResidentNotice.objects.get(resident=author).kind == NoticeKind.CHANGES

    proposal_revise(author=author, proposal=idea, title="Lights on Mill Street", body="At night.")
    idea.refresh_from_db()
    assert idea.title == "Lights on Mill Street"
    assert idea.queue_reason == QueueReason.REVISED
    assert idea.status == ProposalStatus.CHANGES_REQUESTED  # the moderators' to change
    proposal_moderate_and_tell(actor=mod, action="approve", proposal=idea)
    idea.refresh_from_db()
    assert idea.status == ProposalStatus.APPROVED
    assert audit("changes", idea.pk).data["reason"] == "Say which street."


def test_merge_moves_supports_and_comments_without_double_support(
    city: Process, area: Neighbourhood, mod: Any
) -> None:
    a, b = ResidentFactory(neighbourhood=area), ResidentFactory(neighbourhood=area)
    target = submit(city, area, a, "Shade trees")
    source = submit(city, area, b, "More trees for shade")
    proposal_moderate(actor=mod, action="approve", proposal=target)
    proposal_moderate(actor=mod, action="approve", proposal=source)
    source.refresh_from_db()
    r1, r2, r3 = (ResidentFactory() for _ in range(3))
    for resident, idea in [(r1, source), (r2, source), (r2, target), (r3, target)]:
        Support.objects.create(resident=resident, proposal=idea)
    comment = comment_post(author=r1, proposal=source, body="Yes!", channel=Channel.WEB)

    proposal_moderate_and_tell(actor=mod, action="merge", proposal=source, merge_into=target)

    source.refresh_from_db()
    assert source.status == ProposalStatus.MERGED and source.merged_into == target
    assert set(target.supports.values_list("resident_id", flat=True)) == {r1.pk, r2.pk, r3.pk}
    assert target.supports.count() == 3  # r2 supported both: counted once
    assert not source.supports.exists()
    comment.refresh_from_db()
    assert comment.proposal == target
    entry = audit("merge", source.pk)
    assert entry.data["into"] == target.pk
    assert entry.data["supports_moved"] == 1 and entry.data["supports_already_there"] == 1
    told = {(n.resident_id, n.kind) for n in ResidentNotice.objects.all()}
    assert (b.pk, NoticeKind.MERGED) in told and (a.pk, NoticeKind.MERGED_IN) in told


def test_merge_refuses_itself_and_another_process(
    city: Process, area: Neighbourhood, mod: Any, process_factory: Any, proposal_factory: Any
) -> None:
    idea = submit(city, area, ResidentFactory(), "One")
    other = proposal_factory(process=process_factory(), status=ProposalStatus.APPROVED)
    for into in (idea, other, None):
        with pytest.raises(ModerationError) as refused:
            proposal_moderate(actor=mod, action="merge", proposal=idea, merge_into=into)
        assert refused.value.code == "bad_merge"
    assert Proposal.objects.get(pk=idea.pk).status == ProposalStatus.SUBMITTED


def test_flags_put_a_published_idea_back_in_the_queue_at_the_threshold(
    city: Process, idea: Proposal, mod: Any, settings: Any
) -> None:
    settings.MODERATION_FLAG_THRESHOLD = 3
    flaggers = [ResidentFactory() for _ in range(3)]
    flag_raise(resident=flaggers[0], proposal=idea, reason="spam", channel=Channel.WEB)
    again = flag_raise(resident=flaggers[0], proposal=idea, channel=Channel.WEB)
    assert not again.new  # the same resident twice counts once
    flag_raise(resident=flaggers[1], proposal=idea, channel=Channel.WEB)
    assert moderation_queue(mod) == []
    third = flag_raise(resident=flaggers[2], proposal=idea, channel=Channel.SMS)
    assert third.queued
    [item] = moderation_queue(mod, kind="flagged")
    assert item.key == f"proposal:{idea.pk}" and item.flags == 3

    # Keeping it published clears the flags; the author is not told anything new.
    proposal_moderate_and_tell(actor=mod, action="approve", proposal=idea)
    assert moderation_queue(mod) == []
    assert not Flag.objects.filter(resolved_at__isnull=True).exists()
    assert not ResidentNotice.objects.exists()
    assert audit("approve", idea.pk).data["flags_resolved"] == 3


def test_flags_are_limited_per_hour(city: Process, idea: Proposal, settings: Any) -> None:
    settings.FLAGS_PER_HOUR = 1
    resident = ResidentFactory()
    flag_raise(resident=resident, proposal=idea, channel=Channel.WEB)
    comment = comment_post(author=ResidentFactory(), proposal=idea, body="x", channel=Channel.WEB)
    with pytest.raises(ParticipationError) as refused:
        flag_raise(resident=resident, comment=comment, channel=Channel.WEB)
    assert refused.value.code == "rate_limited"


def test_an_unpublished_idea_cannot_be_flagged(city: Process, area: Neighbourhood) -> None:
    idea = submit(city, area, ResidentFactory(), "Hidden one")
    with pytest.raises(ParticipationError) as refused:
        flag_raise(resident=ResidentFactory(), proposal=idea, channel=Channel.WEB)
    assert refused.value.code == "not_found"


def test_block_hides_the_residents_posts_and_leaves_their_vote(
    city: Process, area: Neighbourhood, idea: Proposal, mod: Any
) -> None:
    troll = ResidentFactory(neighbourhood=area)
    own = submit(city, area, troll, "Spam idea")
    proposal_moderate(actor=mod, action="approve", proposal=own)
    comment = comment_post(author=troll, proposal=idea, body="rude", channel=Channel.WEB)
    project = city.projects.get(short_code=1)
    ballot_cast(
        resident=troll, process=city, choices=[Choice(project_id=project.pk)], channel=Channel.WEB
    )
    ballots_before = Ballot.objects.count()

    with pytest.raises(ModerationError):
        proposal_moderate(actor=mod, action="block", resident=troll)  # a reason is needed
    proposal_moderate_and_tell(actor=mod, action="block", resident=troll, reason="Abuse.")

    own.refresh_from_db()
    comment.refresh_from_db()
    troll.refresh_from_db()
    assert own.status == ProposalStatus.HIDDEN
    assert comment.status == CommentStatus.HIDDEN
    assert troll.blocked_at is not None
    assert Ballot.objects.count() == ballots_before  # voting untouched
    with pytest.raises(ParticipationError) as refused:
        submit(city, area, troll, "Another")
    assert refused.value.code == "blocked"
    entry = audit("block", troll.pk)
    assert entry.data["ideas_hidden"] == [own.pk] and entry.data["comments_hidden"] == [comment.pk]
    assert entry.data["reason"] == "Abuse."


def test_hide_and_restore_a_comment(city: Process, idea: Proposal, mod: Any) -> None:
    comment = comment_post(author=ResidentFactory(), proposal=idea, body="Off", channel=Channel.WEB)
    proposal_moderate(actor=mod, action="hide", comment=comment, reason="Off topic")
    comment.refresh_from_db()
    assert comment.status == CommentStatus.HIDDEN
    assert comment_tree(idea) == []
    proposal_moderate(actor=mod, action="restore", comment=comment)
    comment.refresh_from_db()
    assert comment.status == CommentStatus.VISIBLE
    audit("hide", comment.pk)
    audit("restore", comment.pk)


def test_post_moderated_comments_show_at_once_and_wait_in_the_queue(
    city: Process, idea: Proposal, mod: Any
) -> None:
    assert city.comment_moderation == CommentModeration.POST
    comment = comment_post(author=ResidentFactory(), proposal=idea, body="Hi", channel=Channel.WEB)
    assert comment.status == CommentStatus.VISIBLE
    assert [n.comment.pk for n in comment_tree(idea)] == [comment.pk]
    assert [i.key for i in moderation_queue(mod, kind="comment")] == [f"comment:{comment.pk}"]
    proposal_moderate(actor=mod, action="approve", comment=comment)  # "keep"
    assert moderation_queue(mod) == []
    audit("approve", comment.pk)


def test_pre_moderated_comments_show_only_after_approval(
    city: Process, idea: Proposal, mod: Any
) -> None:
    city.comment_moderation = CommentModeration.PRE
    city.save()
    idea.refresh_from_db()
    author = ResidentFactory()
    comment = comment_post(author=author, proposal=idea, body="Wait", channel=Channel.WEB)
    assert comment.status == CommentStatus.PENDING
    assert comment_tree(idea) == []  # others do not see it
    [mine] = comment_tree(idea, viewer=author)
    assert mine.pending
    proposal_moderate(actor=mod, action="approve", comment=comment)
    assert [n.comment.pk for n in comment_tree(idea)] == [comment.pk]
    audit("approve", comment.pk)


def test_a_scoped_moderator_acts_on_nothing_outside_their_neighbourhoods(
    city: Process, area: Neighbourhood
) -> None:
    elsewhere = NeighbourhoodFactory(name="Far", slug="far", boundary=square(-75.0, 4.6))
    scoped = moderator("scoped", scope=[elsewhere])
    idea = submit(city, area, ResidentFactory(neighbourhood=area), "Near")
    assert moderation_queue(scoped) == []
    with pytest.raises(ModerationError) as refused:
        proposal_moderate(actor=scoped, action="approve", proposal=idea)
    assert refused.value.code == "not_found"
    with pytest.raises(ModerationError):
        moderation_note_add(actor=scoped, proposal=idea, body="peek")
    assert Proposal.objects.get(pk=idea.pk).status == ProposalStatus.SUBMITTED
    assert not AuditLog.objects.filter(action__startswith="moderation.").exists()


def test_without_the_permission_nothing_is_decided(city: Process, area: Neighbourhood) -> None:
    idea = submit(city, area, ResidentFactory(), "X")
    with pytest.raises(PermissionDenied):
        proposal_moderate(actor=UserFactory(username="nobody"), action="approve", proposal=idea)


def test_a_stale_form_is_refused_when_someone_else_decided_first(
    city: Process, area: Neighbourhood, mod: Any
) -> None:
    other = moderator("other")
    idea = submit(city, area, ResidentFactory(), "Race")
    proposal_moderate(actor=other, action="approve", proposal=idea, seen_decision=0)
    with pytest.raises(ModerationError) as refused:
        proposal_moderate(actor=mod, action="reject", proposal=idea, reason="No", seen_decision=0)
    assert refused.value.code == "stale"
    # Without the form's token, the status alone still tells: approve twice is stale.
    with pytest.raises(ModerationError):
        proposal_moderate(actor=mod, action="approve", proposal=idea)
    assert Proposal.objects.get(pk=idea.pk).status == ProposalStatus.APPROVED
    assert ModerationDecision.objects.filter(proposal=idea).count() == 1


def test_notes_are_kept_and_audited(city: Process, idea: Proposal, mod: Any) -> None:
    note = moderation_note_add(actor=mod, proposal=idea, body="Check with\x00 parks dept")
    assert ModerationNote.objects.get().body == "Check with parks dept"
    assert AuditLog.objects.get(action="moderation.note").data["note"] == note.pk


def test_nul_bytes_in_a_reason_never_reach_the_database(
    city: Process, area: Neighbourhood, mod: Any
) -> None:
    idea = submit(city, area, ResidentFactory(), "Nul")
    proposal_moderate(actor=mod, action="reject", proposal=idea, reason="bad\x00\x00 idea")
    assert ModerationDecision.objects.get(proposal=idea).reason == "bad idea"


def test_a_blocked_residents_comment_cannot_be_posted(
    city: Process, idea: Proposal, mod: Any
) -> None:
    troll = ResidentFactory()
    proposal_moderate(actor=mod, action="block", resident=troll, reason="Abuse")
    with pytest.raises(ParticipationError):
        comment_post(author=troll, proposal=idea, body="again", channel=Channel.WEB)
    assert not Comment.objects.filter(author=troll).exists()
