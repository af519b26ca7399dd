"""FLAG I12 (or the bare 12) by SMS: the same service and threshold as the web's Report
button, in English, Spanish and French."""

from __future__ import annotations

from typing import Any

import pytest

from participation.models import Flag, Proposal, ProposalStatus, QueueReason
from tests.factories import ProposalFactory
from tests.sms.conftest import City

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(city: City) -> Proposal:
    return ProposalFactory(
        process=city.process, status=ProposalStatus.APPROVED, neighbourhood=city.north
    )


@pytest.mark.parametrize(
    ("number", "language", "text", "reply"),
    [
        ("+14155550201", "en", "FLAG I{id} spam", "Idea I{id} is reported to the moderators"),
        ("+14155550202", "es", "denunciar i{id}", "La idea I{id} fue reportada a los moderadores"),
        # The bare number older replies taught still names the idea.
        ("+14155550203", "fr", "SIGNALER {id}", "L'idée I{id} est signalée aux modérateurs"),
    ],
)
def test_flag_by_sms_in_three_languages(
    make_phone: Any, published: Proposal, number: str, language: str, text: str, reply: str
) -> None:
    phone = make_phone(number)
    phone.send(f"LANG {language}")
    answers = phone.send(text.format(id=published.pk))
    assert reply.format(id=published.pk) in " ".join(answers)
    assert Flag.objects.filter(proposal=published, channel="sms").count() == 1


def test_sms_flags_reach_the_threshold(make_phone: Any, published: Proposal, settings: Any) -> None:
    settings.MODERATION_FLAG_THRESHOLD = 2
    first = make_phone("+14155550301")
    first.send(f"FLAG {published.pk}")
    again = first.send(f"FLAG I{published.pk}")
    assert f"already reported idea I{published.pk}" in " ".join(again)
    published.refresh_from_db()
    assert published.queued_at is None
    make_phone("+14155550302").send(f"REPORT {published.pk}")
    published.refresh_from_db()
    assert published.queue_reason == QueueReason.FLAGGED and published.queued_at is not None


def test_flag_of_an_unpublished_idea_is_no_such_idea(make_phone: Any, city: City) -> None:
    hidden = ProposalFactory(process=city.process, status=ProposalStatus.SUBMITTED)
    answers = make_phone("+14155550401").send(f"FLAG {hidden.pk}")
    assert f"There is no idea I{hidden.pk}" in " ".join(answers)
    usage = " ".join(make_phone("+14155550402").send("FLAG"))
    assert "Send FLAG and the idea number" in usage and "e.g. FLAG I12" in usage
    assert not Flag.objects.exists()


def test_a_comment_by_sms_in_a_premoderated_process_waits_for_review(
    make_phone: Any, published: Proposal, city: City
) -> None:
    from core.models import CommentModeration
    from participation.models import Comment, CommentStatus

    city.process.comment_moderation = CommentModeration.PRE
    city.process.save()
    answers = make_phone("+14155550501").send(f"COMMENT I{published.pk} Needs a ramp")
    assert "shown once a moderator reviews it" in " ".join(answers)
    comment = Comment.objects.get(proposal=published)
    assert comment.status == CommentStatus.PENDING and comment.queued_at is not None
