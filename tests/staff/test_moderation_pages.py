"""The moderation queue and item pages (/staff/moderation/): who may open them, the
plain-form actions (no JavaScript), bulk actions, scope, and bad input answered with a
message, never a 500."""

from __future__ import annotations

import pytest
from django.test import Client

from core.models import Channel, Process
from maps.models import Neighbourhood
from participation.models import (
    AuditLog,
    CommentStatus,
    ModerationDecision,
    ModerationNote,
    Proposal,
    ProposalStatus,
)
from participation.services.ideas import comment_post, proposal_submit
from participation.services.moderation import proposal_moderate
from tests.factories import NeighbourhoodFactory, ResidentFactory, UserFactory, square
from tests.participation.test_moderation import moderator

pytestmark = pytest.mark.django_db

QUEUE = "/staff/moderation/"
DECIDE = "/staff/moderation/decide/"
BULK = "/staff/moderation/bulk/"


@pytest.fixture
def mod_client(client: Client) -> Client:
    client.force_login(moderator("queue-mod"))
    return client


def new_idea(city: Process, area: Neighbourhood, title: str = "Benches") -> Proposal:
    return proposal_submit(
        author=ResidentFactory(neighbourhood=area),
        process=city,
        title=title,
        body="Please.",
        channel=Channel.WEB,
        neighbourhood=area,
    )


def test_the_queue_is_for_moderators_only(
    client: Client, city: Process, area: Neighbourhood
) -> None:
    new_idea(city, area)
    anonymous = client.get(QUEUE)
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    client.force_login(UserFactory(username="plain-staff"))
    assert client.get(QUEUE).status_code == 403
    assert (
        client.post(DECIDE, {"kind": "proposal", "pk": "1", "action": "approve"}).status_code == 403
    )


def test_the_queue_lists_new_ideas_and_comments_with_filters(
    mod_client: Client, city: Process, area: Neighbourhood, idea: Proposal
) -> None:
    waiting = new_idea(city, area, "Fountains")
    comment = comment_post(
        author=ResidentFactory(), proposal=idea, body="Nice", channel=Channel.WEB
    )
    page = mod_client.get(QUEUE).content.decode()
    assert f'data-key="proposal:{waiting.pk}"' in page
    assert f'data-key="comment:{comment.pk}"' in page
    only_comments = mod_client.get(QUEUE, {"kind": "comment"}).content.decode()
    assert f'data-key="proposal:{waiting.pk}"' not in only_comments
    assert f'data-key="comment:{comment.pk}"' in only_comments
    by_status = mod_client.get(QUEUE, {"status": "submitted"}).content.decode()
    assert f'data-key="comment:{comment.pk}"' not in by_status
    rows = mod_client.get(QUEUE, {"fragment": "rows"}).content.decode()
    assert "<html" not in rows and f'data-key="proposal:{waiting.pk}"' in rows


def test_plain_form_buttons_decide_without_javascript(
    mod_client: Client, city: Process, area: Neighbourhood
) -> None:
    idea = new_idea(city, area)
    response = mod_client.post(
        DECIDE,
        {
            "kind": "proposal",
            "pk": idea.pk,
            "action": "reject",
            "reason": "Duplicate",
            "seen": "0",
            "next": QUEUE + "?kind=idea",
        },
    )
    assert response.status_code == 303 and response["Location"] == QUEUE + "?kind=idea"
    idea.refresh_from_db()
    assert idea.status == ProposalStatus.REJECTED
    assert AuditLog.objects.filter(action="moderation.reject", object_id=str(idea.pk)).exists()


def test_a_stale_form_gets_a_clear_message(
    mod_client: Client, city: Process, area: Neighbourhood
) -> None:
    idea = new_idea(city, area)
    proposal_moderate(actor=moderator("first"), action="approve", proposal=idea)
    response = mod_client.post(
        DECIDE,
        {"kind": "proposal", "pk": idea.pk, "action": "reject", "reason": "No", "seen": "0"},
        follow=True,
    )
    assert response.status_code == 200
    assert "Someone else already decided on this item" in response.content.decode()
    assert Proposal.objects.get(pk=idea.pk).status == ProposalStatus.APPROVED


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "proposal", "pk": "99999999999999999999999", "action": "approve"},
        {"kind": "proposal", "pk": "12\x00", "action": "approve"},
        {"kind": "proposal\x00", "pk": "1", "action": "approve"},
        {"kind": "ballot", "pk": "1", "action": "approve"},
        {"kind": "proposal", "pk": "-3", "action": "approve"},
    ],
)
def test_nonsense_ids_are_not_found(mod_client: Client, data: dict[str, str]) -> None:
    assert mod_client.post(DECIDE, data).status_code == 404


def test_nul_bytes_and_bad_values_in_a_form_are_messages(
    mod_client: Client, city: Process, area: Neighbourhood
) -> None:
    idea = new_idea(city, area)
    for data in (
        {"kind": "proposal", "pk": idea.pk, "action": "approve\x00"},
        {"kind": "proposal", "pk": idea.pk, "action": "approve", "seen": "x\x00"},
        {"kind": "proposal", "pk": idea.pk, "action": "merge", "into": "9" * 40},
        {"kind": "proposal", "pk": idea.pk, "action": "reject", "reason": "\x00\x00"},
    ):
        assert mod_client.post(DECIDE, data).status_code == 303
    assert Proposal.objects.get(pk=idea.pk).status == ProposalStatus.SUBMITTED
    filtered = mod_client.get(
        QUEUE, {"kind": "idea\x00", "neighbourhood": "9" * 30, "status": "\x00"}
    )
    assert filtered.status_code == 200


def test_bulk_approve_and_a_bad_item_among_them(
    mod_client: Client, city: Process, area: Neighbourhood
) -> None:
    a, b = new_idea(city, area, "A"), new_idea(city, area, "B")
    response = mod_client.post(
        BULK,
        {
            "action": "approve",
            "items": [f"proposal:{a.pk}", f"proposal:{b.pk}", "proposal:999999", "x\x00"],
        },
        follow=True,
    )
    assert response.status_code == 200
    assert set(Proposal.objects.filter(pk__in=[a.pk, b.pk]).values_list("status", flat=True)) == {
        ProposalStatus.APPROVED
    }
    assert AuditLog.objects.filter(action="moderation.approve").count() == 2
    assert "no such item" in response.content.decode()


def test_the_item_page_shows_history_and_takes_notes_and_a_block(
    mod_client: Client, city: Process, area: Neighbourhood, idea: Proposal
) -> None:
    comment = comment_post(
        author=ResidentFactory(neighbourhood=area), proposal=idea, body="rude", channel=Channel.WEB
    )
    page = mod_client.get(f"/staff/moderation/comment/{comment.pk}/")
    assert page.status_code == 200 and "rude" in page.content.decode()
    mod_client.post(f"/staff/moderation/comment/{comment.pk}/note/", {"body": "Third time"})
    assert ModerationNote.objects.get(comment=comment).body == "Third time"
    mod_client.post(
        DECIDE,
        {"kind": "resident", "pk": comment.author_id, "action": "block", "reason": "Insults"},
    )
    comment.refresh_from_db()
    assert comment.status == CommentStatus.HIDDEN
    assert ModerationDecision.objects.filter(resident_id=comment.author_id, action="block").exists()
    assert (
        "Third time" in mod_client.get(f"/staff/moderation/comment/{comment.pk}/").content.decode()
    )


def test_a_scoped_moderator_gets_404_outside_their_neighbourhoods(
    client: Client, city: Process, area: Neighbourhood
) -> None:
    elsewhere = NeighbourhoodFactory(name="Far", slug="far", boundary=square(-75.0, 4.6))
    client.force_login(moderator("scoped", scope=[elsewhere]))
    idea = new_idea(city, area)
    assert f"proposal:{idea.pk}" not in client.get(QUEUE).content.decode()
    assert client.get(f"/staff/moderation/proposal/{idea.pk}/").status_code == 404
    assert client.get(f"/staff/moderation/resident/{idea.author_id}/").status_code == 404
    assert (
        client.post(DECIDE, {"kind": "proposal", "pk": idea.pk, "action": "approve"}).status_code
        == 404
    )
    assert (
        client.post(f"/staff/moderation/proposal/{idea.pk}/note/", {"body": "x"}).status_code == 404
    )
    client.post(BULK, {"action": "approve", "items": [f"proposal:{idea.pk}"]})
    assert Proposal.objects.get(pk=idea.pk).status == ProposalStatus.SUBMITTED
    for pk in (idea.pk + 1000, 0, 10**25):
        assert client.get(f"/staff/moderation/proposal/{pk}/").status_code == 404
