"""Residents' side of moderation: a rejected or hidden idea is the site's own 404/410
page to visitors while its author sees it with the reason; reporting ideas and
comments; rewriting an idea sent back for changes; notices on the updates page."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from core.models import Channel, Process
from maps.models import Neighbourhood
from participation.models import Flag, Proposal, ProposalStatus, QueueReason
from participation.services.ideas import comment_post, proposal_submit
from sms.author_notices import proposal_moderate_and_tell
from tests.factories import ResidentFactory
from tests.frontend.conftest import sign_in
from tests.participation.test_moderation import moderator

pytestmark = pytest.mark.django_db


def decided(city: Process, area: Neighbourhood, *actions: tuple[str, str]) -> Proposal:
    author = ResidentFactory(neighbourhood=area)
    idea = proposal_submit(
        author=author,
        process=city,
        title="Dog park",
        body="Fenced.",
        channel=Channel.WEB,
        neighbourhood=area,
    )
    mod = moderator("m")
    for action, reason in actions:
        proposal_moderate_and_tell(actor=mod, action=action, proposal=idea, reason=reason)
    idea.refresh_from_db()
    return idea


def test_a_rejected_idea_is_not_found_for_visitors_and_explained_to_its_author(
    client: Client, city: Process, area: Neighbourhood
) -> None:
    idea = decided(city, area, ("reject", "We already have one nearby."))
    visitor = client.get(f"/proposals/{idea.pk}/")
    assert visitor.status_code == 404
    assert "404.html" in [t.name for t in visitor.templates]
    assert "frontend/base.html" in [t.name for t in visitor.templates]
    assert "We already have one nearby." not in visitor.content.decode()
    author = sign_in(Client(), idea.author).get(f"/proposals/{idea.pk}/")
    assert author.status_code == 200
    assert "We already have one nearby." in author.content.decode()


def test_an_idea_hidden_after_publication_is_gone(
    client: Client, city: Process, area: Neighbourhood, settings: Any
) -> None:
    settings.DEBUG = True  # never Django's technical page, even then
    idea = decided(city, area, ("approve", ""), ("hide", "Spam"))
    response = client.get(f"/proposals/{idea.pk}/")
    assert response.status_code == 410
    assert "410.html" in [t.name for t in response.templates]
    never = client.get("/proposals/99999999999999999999999/")
    assert never.status_code == 404 and "404.html" in [t.name for t in never.templates]


def test_residents_report_an_idea_and_a_comment_from_the_page(
    client: Client, city: Process, idea: Proposal, settings: Any
) -> None:
    settings.MODERATION_FLAG_THRESHOLD = 1
    page = client.get(f"/proposals/{idea.pk}/").content.decode()
    assert "Report this idea" in page
    reporter = sign_in(client, ResidentFactory())
    comment = comment_post(
        author=ResidentFactory(), proposal=idea, body="Buy pills", channel=Channel.WEB
    )
    page = reporter.get(f"/proposals/{idea.pk}/").content.decode()
    assert f'id="flag-comment-{comment.pk}"' in page
    assert reporter.post(f"/proposals/{idea.pk}/flag/", {"reason": "off topic"}).status_code == 303
    assert reporter.post(f"/proposals/{idea.pk}/flag/", {"comment": comment.pk}).status_code == 303
    assert Flag.objects.filter(proposal=idea).count() == 1
    assert Flag.objects.filter(comment=comment).count() == 1
    idea.refresh_from_db()
    assert idea.queue_reason == QueueReason.FLAGGED
    # Bad input is a message, never a 500.
    for data in ({"comment": "9" * 40}, {"comment": "x\x00"}, {"reason": "a\x00b"}):
        assert reporter.post(f"/proposals/{idea.pk}/flag/", data).status_code in (303, 429)


def test_reporting_is_rate_limited(
    client: Client, city: Process, idea: Proposal, settings: Any
) -> None:
    settings.FLAGS_PER_HOUR = 1
    reporter = sign_in(client, ResidentFactory())
    reporter.post(f"/proposals/{idea.pk}/flag/", {})
    comment = comment_post(author=ResidentFactory(), proposal=idea, body="x", channel=Channel.WEB)
    assert reporter.post(f"/proposals/{idea.pk}/flag/", {"comment": comment.pk}).status_code == 429


def test_the_author_rewrites_an_idea_sent_back_and_reads_the_notice(
    client: Client, city: Process, area: Neighbourhood
) -> None:
    idea = decided(city, area, ("changes", "Which street?"))
    author = sign_in(client, idea.author)
    page = author.get(f"/proposals/{idea.pk}/").content.decode()
    assert 'id="revise-form"' in page and "Which street?" in page
    updates = author.get("/me/updates/").content.decode()
    assert f"change your idea #{idea.pk}" in updates and "Which street?" in updates
    response = author.post(
        f"/proposals/{idea.pk}/revise/", {"title": "Dog park on Elm St", "body": "Fenced."}
    )
    assert response.status_code == 303
    idea.refresh_from_db()
    assert idea.title == "Dog park on Elm St" and idea.queue_reason == QueueReason.REVISED
    assert idea.status == ProposalStatus.CHANGES_REQUESTED


def test_the_updates_page_speaks_the_readers_language(
    client: Client, city: Process, area: Neighbourhood
) -> None:
    idea = decided(city, area, ("approve", ""))
    author = sign_in(client, idea.author)
    author.post("/language/", {"language": "es", "next": "/"})
    page = author.get("/me/updates/").content.decode()
    assert f"Tu idea #{idea.pk} está publicada" in page
