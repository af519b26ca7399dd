"""Proposing ideas (pin or neighbourhood), threaded comments, support."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from core.models import PhaseKind, Process
from maps.models import Neighbourhood
from participation.models import Comment, CommentStatus, Proposal, ProposalStatus, Resident, Support
from tests.factories import CommentFactory
from tests.frontend.conftest import close_phase, sign_in
from tests.frontend.html import parse

pytestmark = pytest.mark.django_db


def propose_url(process: Process) -> str:
    return f"/processes/{process.slug}/propose/"


def test_propose_needs_sign_in(client: Client, city: Process) -> None:
    response = client.get(propose_url(city))
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/?next=")


def test_propose_page_has_pin_picker_and_no_js_fields(voter_client: Client, city: Process) -> None:
    response = voter_client.get(propose_url(city))
    assert response.status_code == 200
    page = parse(response.content)
    for element_id in ("title", "body", "neighbourhood", "address", "lat", "lng", "propose-map"):
        assert page.by_id(element_id) is not None, element_id
    picker = page.by_id("pin-picker")
    assert picker is not None and "hidden" in picker.attrs
    assert page.by_id("lat").attrs["type"] == "hidden"  # type: ignore[union-attr]


def test_propose_with_a_pin_finds_the_neighbourhood(
    voter_client: Client, voter: Resident, city: Process, area: Neighbourhood
) -> None:
    response = voter_client.post(
        propose_url(city),
        {
            "title": "  Benches   by the river ",
            "body": "Shade too.",
            "lat": "4.605",
            "lng": "-73.995",
        },
    )
    assert response.status_code == 302
    proposal = Proposal.objects.get()
    assert proposal.neighbourhood == area
    assert proposal.title == "Benches by the river"
    assert (proposal.lat, proposal.lng) == (4.605, -73.995)
    assert proposal.author == voter
    assert proposal.status == ProposalStatus.SUBMITTED
    assert response["Location"] == f"/proposals/{proposal.pk}/"
    # The author sees it, with its status; nobody else does until it is published.
    own = voter_client.get(response["Location"])
    assert own.status_code == 200
    assert "Only you can see this idea until it is reviewed." in own.content.decode()
    assert Client().get(response["Location"]).status_code == 404


def test_propose_without_javascript_uses_the_neighbourhood_select(
    voter_client: Client, city: Process, area: Neighbourhood
) -> None:
    response = voter_client.post(
        propose_url(city),
        {
            "title": "Library hours",
            "neighbourhood": area.pk,
            "address": "12 Main St",
            "lat": "",
            "lng": "",
        },
    )
    assert response.status_code == 302
    proposal = Proposal.objects.get()
    assert proposal.neighbourhood == area
    assert proposal.lat is None
    assert proposal.address == "12 Main St"


def test_a_pin_outside_the_city_is_refused_in_words(voter_client: Client, city: Process) -> None:
    response = voter_client.post(propose_url(city), {"title": "Far", "lat": "10", "lng": "10"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "That place is outside the city&#x27;s neighbourhoods." in html
    assert 'href="#neighbourhood"' in html
    assert not Proposal.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"title": "No place"}, "Tell us which neighbourhood the idea is for."),
        ({"title": "", "neighbourhood": ""}, "This field is required."),
        ({"title": "Half", "lat": "4.6"}, "That map position is not valid."),
        ({"title": "Nan", "lat": "nan", "lng": "1"}, "Enter a number."),
        (
            {"title": "x" * 201, "lat": "4.605", "lng": "-73.995"},
            "Keep the title under 200 characters.",
        ),
        ({"title": "Odd", "neighbourhood": "999999"}, "Select a valid choice."),
    ],
)
def test_bad_ideas_are_form_errors(
    voter_client: Client, city: Process, data: dict[str, str], message: str
) -> None:
    response = voter_client.post(propose_url(city), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert 'id="error-summary"' in response.content.decode()


def test_ideas_closed(voter_client: Client, city: Process) -> None:
    close_phase(city, PhaseKind.IDEAS)
    page = voter_client.get(propose_url(city))
    assert 'id="ideas-closed"' in page.content.decode()
    refused = voter_client.post(
        propose_url(city), {"title": "Late", "lat": "4.605", "lng": "-73.995"}
    )
    assert refused.status_code == 400
    assert "Ideas are not being collected right now." in refused.content.decode()


def test_comment_and_reply_are_threaded(
    voter_client: Client, idea: Proposal, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        first = voter_client.post(f"/proposals/{idea.pk}/comments/", {"body": "Great idea"})
    comment = Comment.objects.get()
    assert first.status_code == 302
    assert first["Location"] == f"/proposals/{idea.pk}/#comment-{comment.pk}"
    reply = voter_client.post(
        f"/proposals/{idea.pk}/comments/", {"body": "Agreed", "parent": comment.pk}
    )
    assert reply.status_code == 302
    child = Comment.objects.get(parent=comment)
    page = parse(voter_client.get(f"/proposals/{idea.pk}/").content)
    assert page.by_id(f"comment-{child.pk}") is not None
    assert page.by_id(f"reply-{comment.pk}-body") is not None
    html = voter_client.get(f"/proposals/{idea.pk}/").content.decode()
    # The reply sits inside its parent's list item.
    parent_start = html.index(f'id="comment-{comment.pk}"')
    reply_start = html.index(f'id="comment-{child.pk}"')
    assert parent_start < html.index('class="comments replies"') < reply_start


def test_empty_comment_and_reply_are_errors_in_place(voter_client: Client, idea: Proposal) -> None:
    empty = voter_client.post(f"/proposals/{idea.pk}/comments/", {"body": "   "})
    assert empty.status_code == 400
    assert 'href="#comment-body"' in empty.content.decode()
    parent = CommentFactory(proposal=idea)
    bad_reply = voter_client.post(
        f"/proposals/{idea.pk}/comments/", {"body": "", "parent": parent.pk}
    )
    assert bad_reply.status_code == 400
    html = bad_reply.content.decode()
    assert f'href="#reply-{parent.pk}-body"' in html
    assert f'id="reply-{parent.pk}-error"' in html


def test_reply_to_another_ideas_comment_is_refused(
    voter_client: Client, idea: Proposal, city: Process
) -> None:
    elsewhere = CommentFactory(proposal__process=city, proposal__status=ProposalStatus.APPROVED)
    response = voter_client.post(
        f"/proposals/{idea.pk}/comments/", {"body": "Hi", "parent": elsewhere.pk}
    )
    assert response.status_code == 400
    assert not Comment.objects.filter(body="Hi").exists()


def test_anonymous_comment_goes_to_sign_in(client: Client, idea: Proposal) -> None:
    response = client.post(f"/proposals/{idea.pk}/comments/", {"body": "Hi"})
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")
    assert not Comment.objects.exists()
    page = client.get(f"/proposals/{idea.pk}/").content.decode()
    assert 'id="comment-sign-in"' in page


def test_support_and_withdraw(voter_client: Client, voter: Resident, idea: Proposal) -> None:
    added = voter_client.post(f"/proposals/{idea.pk}/support/", {"action": "add"})
    assert added.status_code == 302
    assert Support.objects.filter(resident=voter, proposal=idea).exists()
    page = voter_client.get(f"/proposals/{idea.pk}/").content.decode()
    assert "1 resident supports this idea." in page
    assert "Withdraw my support" in page
    voter_client.post(f"/proposals/{idea.pk}/support/", {"action": "remove"})
    assert not Support.objects.exists()


def test_support_of_an_unpublished_idea_is_refused(
    voter_client: Client, voter: Resident, city: Process
) -> None:
    own = Proposal.objects.create(
        process=city, author=voter, title="Mine", body="b", status=ProposalStatus.SUBMITTED
    )
    response = voter_client.post(f"/proposals/{own.pk}/support/", {"action": "add"}, follow=True)
    assert "Only published ideas can be supported." in response.content.decode()
    assert not Support.objects.exists()


def test_hidden_comment_keeps_its_visible_replies(client: Client, idea: Proposal) -> None:
    hidden = CommentFactory(proposal=idea, body="rude words", status=CommentStatus.HIDDEN)
    CommentFactory(proposal=idea, parent=hidden, body="calm reply")
    CommentFactory(proposal=idea, body="gone", status=CommentStatus.HIDDEN)
    html = client.get(f"/proposals/{idea.pk}/").content.decode()
    assert "rude words" not in html and "gone" not in html
    assert "calm reply" in html
    assert html.count("This comment was hidden by a moderator.") == 1


def test_a_very_deep_thread_still_renders(client: Client, idea: Proposal) -> None:
    parent = None
    for i in range(40):
        parent = CommentFactory(proposal=idea, parent=parent, body=f"level {i}")
    html = client.get(f"/proposals/{idea.pk}/").content.decode()
    assert "level 39" in html
    assert html.count('class="comments replies"') <= 6


def test_unknown_ids_are_404(client: Client, db: None) -> None:
    assert client.get("/proposals/999999/").status_code == 404
    assert client.post("/proposals/999999/comments/", {"body": "x"}).status_code == 404
    assert client.post("/proposals/999999/support/").status_code == 404
    assert client.get("/projects/999999/").status_code == 404


def test_signed_in_resident_who_is_not_author_cannot_see_submitted_idea(
    client: Client, resident_factory: Any, city: Process
) -> None:
    author, other = resident_factory(), resident_factory()
    idea = Proposal.objects.create(process=city, author=author, title="Secret", body="b")
    sign_in(client, other)
    assert client.get(f"/proposals/{idea.pk}/").status_code == 404
