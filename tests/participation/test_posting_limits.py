"""Posting limits: ideas and comments per resident per hour, one rule for every channel
(participation.posting_limits, called by proposal_submit and comment_post)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from core.models import Channel, Process
from maps.models import Neighbourhood
from participation.errors import ParticipationError
from participation.models import Comment, Proposal, Resident
from participation.services.ideas import comment_post, proposal_submit
from tests.frontend.conftest import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _limits(settings: Any) -> None:
    settings.IDEAS_PER_HOUR = 3
    settings.COMMENTS_PER_HOUR = 4


def _submit(process: Process, resident: Resident, area: Neighbourhood, n: int) -> Proposal:
    return proposal_submit(
        author=resident,
        process=process,
        title=f"Idea {n}",
        body="",
        channel=Channel.WEB,
        neighbourhood=area,
    )


def test_a_fourth_idea_within_the_hour_is_refused_with_the_wait(
    city: Process, voter: Resident, area: Neighbourhood
) -> None:
    for n in range(3):
        _submit(city, voter, area, n)
    with pytest.raises(ParticipationError) as refused:
        _submit(city, voter, area, 3)
    assert refused.value.code == "rate_limited"
    assert str(refused.value) == (
        "You have sent 3 ideas in the last hour, the most allowed. "
        "You can post again in 60 minutes."
    )
    assert Proposal.objects.filter(author=voter).count() == 3


def test_the_allowance_comes_back_as_old_ideas_leave_the_hour(
    city: Process, voter: Resident, area: Neighbourhood
) -> None:
    for n in range(3):
        _submit(city, voter, area, n)
    # The oldest idea was sent 50 minutes ago: one more is possible in 10 minutes.
    oldest = Proposal.objects.filter(author=voter).order_by("created_at").first()
    assert oldest is not None
    Proposal.objects.filter(pk=oldest.pk).update(
        created_at=timezone.now() - dt.timedelta(minutes=50)
    )
    with pytest.raises(ParticipationError, match="in 10 minutes"):
        _submit(city, voter, area, 3)
    Proposal.objects.filter(pk=oldest.pk).update(
        created_at=timezone.now() - dt.timedelta(minutes=61)
    )
    _submit(city, voter, area, 3)
    assert Proposal.objects.filter(author=voter).count() == 4


def test_limits_are_per_resident(
    city: Process, voter: Resident, area: Neighbourhood, resident_factory: Any
) -> None:
    for n in range(3):
        _submit(city, voter, area, n)
    other = resident_factory()
    _submit(city, other, area, 0)
    assert Proposal.objects.filter(author=other).count() == 1


def test_comments_are_limited_too(idea: Proposal, voter: Resident) -> None:
    for n in range(4):
        comment_post(author=voter, proposal=idea, body=f"Comment {n}", channel=Channel.WEB)
    with pytest.raises(ParticipationError) as refused:
        comment_post(author=voter, proposal=idea, body="One too many", channel=Channel.SMS)
    assert refused.value.code == "rate_limited"
    assert "4 comments in the last hour" in str(refused.value)
    assert Comment.objects.filter(author=voter).count() == 4


def test_zero_turns_a_limit_off(
    settings: Any, city: Process, voter: Resident, area: Neighbourhood
) -> None:
    settings.IDEAS_PER_HOUR = 0
    for n in range(6):
        _submit(city, voter, area, n)
    assert Proposal.objects.filter(author=voter).count() == 6


def test_the_web_answers_429_with_the_reason_and_keeps_the_text(
    client: Client, city: Process, voter: Resident, area: Neighbourhood
) -> None:
    sign_in(client, voter)
    url = f"/processes/{city.slug}/propose/"
    for n in range(3):
        response = client.post(url, {"title": f"Idea {n}", "neighbourhood": area.pk})
        assert response.status_code == 302, response.content
    response = client.post(url, {"title": "Thirty ideas in four seconds", "neighbourhood": area.pk})
    assert response.status_code == 429
    text = response.content.decode()
    assert "You have sent 3 ideas in the last hour" in text
    assert 'value="Thirty ideas in four seconds"' in text
    assert Proposal.objects.filter(author=voter).count() == 3


def test_the_web_comment_form_answers_429(client: Client, idea: Proposal, voter: Resident) -> None:
    sign_in(client, voter)
    url = f"/proposals/{idea.pk}/comments/"
    for n in range(4):
        assert client.post(url, {"body": f"Comment {n}"}).status_code == 302
    response = client.post(url, {"body": "Again"})
    assert response.status_code == 429
    assert "4 comments in the last hour" in response.content.decode()


def test_spanish_message(city: Process, voter: Resident, area: Neighbourhood) -> None:
    from django.utils import translation

    for n in range(3):
        _submit(city, voter, area, n)
    with translation.override("es"), pytest.raises(ParticipationError) as refused:
        _submit(city, voter, area, 3)
    assert str(refused.value).startswith("Has enviado 3 ideas en la última hora")
