"""'My activity': a resident's own ideas with their status and moderation reason, their
comments, and their ballots' receipt codes, which say counted or replaced and never
the choices."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from budgets.ballot_validation import Choice
from budgets.models import Project
from budgets.services.ballots import ballot_cast
from core.models import Channel, Process
from participation.models import (
    CommentStatus,
    ModerationAction,
    ModerationDecision,
    Proposal,
    ProposalStatus,
    Resident,
)
from tests.factories import CommentFactory, ProposalFactory
from tests.frontend.html import parse

pytestmark = pytest.mark.django_db

URL = "/me/activity/"


def test_needs_sign_in(client: Client) -> None:
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"] == "/sign-in/?next=%2Fme%2Factivity%2F"


def test_ideas_with_status_and_the_latest_moderation_reason(
    voter_client: Client, voter: Resident, city: Process, staff_user: Any
) -> None:
    waiting = ProposalFactory(process=city, author=voter, title="Benches by the pond")
    rejected = ProposalFactory(
        process=city, author=voter, title="A casino", status=ProposalStatus.REJECTED
    )
    ModerationDecision.objects.create(
        proposal=rejected, moderator=staff_user, action=ModerationAction.APPROVE, reason=""
    )
    ModerationDecision.objects.create(
        proposal=rejected,
        moderator=staff_user,
        action=ModerationAction.REJECT,
        reason="The city cannot fund gambling.",
        note="Staff only: third time this month.",
    )
    ProposalFactory(process=city, title="Someone else's idea")
    response = voter_client.get(URL)
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    html = response.content.decode()
    page = parse(response.content)
    first = page.by_id(f"my-idea-{waiting.pk}")
    assert first is not None
    assert "Benches by the pond" in html and "Awaiting review" in html
    assert "Rejected" in html
    assert "Reason given by the moderators:" in html
    assert "The city cannot fund gambling." in html
    assert "third time this month" not in html  # the note is for staff only
    assert "Someone else" not in html


def test_comments_and_a_hidden_one_says_so(
    voter_client: Client, voter: Resident, idea: Proposal, staff_user: Any
) -> None:
    CommentFactory(proposal=idea, author=voter, body="Yes please, near the school.")
    hidden = CommentFactory(
        proposal=idea, author=voter, body="Rude words", status=CommentStatus.HIDDEN
    )
    ModerationDecision.objects.create(
        comment=hidden, moderator=staff_user, action=ModerationAction.HIDE, reason="Be kind."
    )
    html = voter_client.get(URL).content.decode()
    assert "Yes please, near the school." in html
    assert f"/proposals/{idea.pk}/#comment-" in html
    assert "Hidden by the moderators." in html and "Be kind." in html


def test_receipts_counted_and_replaced_never_the_choices(
    voter_client: Client, voter: Resident, city: Process, resident_factory: Any
) -> None:
    project = {p.short_code: p for p in Project.objects.filter(process=city)}
    first = ballot_cast(
        resident=voter,
        process=city,
        choices=[Choice(project_id=project[1].pk)],
        channel=Channel.WEB,
    )
    second = ballot_cast(
        resident=voter,
        process=city,
        choices=[Choice(project_id=project[2].pk), Choice(project_id=project[6].pk)],
        channel=Channel.SMS,
    )
    other = ballot_cast(
        resident=resident_factory(),
        process=city,
        choices=[Choice(project_id=project[3].pk)],
        channel=Channel.WEB,
    )
    html = voter_client.get(URL).content.decode()
    old = first.receipts[0].receipt
    new_codes = {r.receipt for r in second.receipts}
    assert len(new_codes) == 2  # city-wide and the neighbourhood's pot
    for code in new_codes | {old}:
        assert f'href="/receipt/{code}"' in html
    assert other.receipts[0].receipt not in html
    section = html[html.index('id="my-receipts"') :]
    assert section.count("Counted.") == 2
    assert section.count("Replaced by a later ballot.") == 1
    # The page lists receipts, never what any ballot chose.
    for p in project.values():
        assert p.title not in html


def test_query_count_is_bounded(
    voter_client: Client,
    voter: Resident,
    city: Process,
    django_assert_max_num_queries: Any,
) -> None:
    for n in range(5):
        ProposalFactory(process=city, author=voter, title=f"Idea {n}")
    with django_assert_max_num_queries(12):
        assert voter_client.get(URL).status_code == 200


def test_empty_page(voter_client: Client) -> None:
    page = parse(voter_client.get(URL).content)
    for element_id in ("my-ideas-empty", "my-comments-empty", "my-receipts-empty"):
        assert page.by_id(element_id) is not None
    # Following projects is issue 10's: no section until a follow model exists.
    assert page.by_id("my-followed-heading") is None


def test_nav_links_to_it_when_signed_in(voter_client: Client, client: Client) -> None:
    assert 'id="my-activity-link"' in voter_client.get("/").content.decode()
    assert 'id="my-activity-link"' not in Client().get("/").content.decode()
