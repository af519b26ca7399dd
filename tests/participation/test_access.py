"""Fetch-and-authorise: which ideas and comments a resident or staff member may see."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser, Permission

from participation.access import (
    comment_for_reply,
    proposal_for_resident,
    proposal_visible_to,
    proposals_for_staff,
)
from participation.models import Proposal, ProposalStatus, Resident

pytestmark = pytest.mark.django_db

PUBLIC = [ProposalStatus.APPROVED, ProposalStatus.MERGED]
PRIVATE = [
    ProposalStatus.SUBMITTED,
    ProposalStatus.CHANGES_REQUESTED,
    ProposalStatus.REJECTED,
    ProposalStatus.HIDDEN,
]
VIEWERS = ["anonymous", "author", "other resident"]


def make_proposal(proposal_factory: Any, status: str) -> Proposal:
    if status == ProposalStatus.MERGED:
        target = proposal_factory(status=ProposalStatus.APPROVED)
        return proposal_factory(process=target.process, status=status, merged_into=target)
    return proposal_factory(status=status)


def viewer_of(proposal: Proposal, who: str, resident_factory: Any) -> Resident | None:
    return {"anonymous": None, "author": proposal.author, "other resident": resident_factory()}[who]


@pytest.mark.parametrize("who", VIEWERS)
@pytest.mark.parametrize("status", PUBLIC)
def test_published_and_merged_ideas_are_visible_to_everyone(
    proposal_factory: Any, resident_factory: Any, status: str, who: str
) -> None:
    proposal = make_proposal(proposal_factory, status)
    viewer = viewer_of(proposal, who, resident_factory)
    assert proposal_visible_to(proposal, viewer) is True
    found = proposal_for_resident(pk=proposal.pk, resident=viewer)
    assert found is not None
    assert found.pk == proposal.pk


@pytest.mark.parametrize("status", PRIVATE)
def test_an_unpublished_idea_is_visible_to_its_author(proposal_factory: Any, status: str) -> None:
    proposal = make_proposal(proposal_factory, status)
    assert proposal_visible_to(proposal, proposal.author) is True
    found = proposal_for_resident(pk=proposal.pk, resident=proposal.author)
    assert found is not None
    assert found.pk == proposal.pk


@pytest.mark.parametrize("who", ["anonymous", "other resident"])
@pytest.mark.parametrize("status", PRIVATE)
def test_an_unpublished_idea_is_not_found_by_anyone_else(
    proposal_factory: Any, resident_factory: Any, status: str, who: str
) -> None:
    proposal = make_proposal(proposal_factory, status)
    viewer = viewer_of(proposal, who, resident_factory)
    assert proposal_visible_to(proposal, viewer) is False
    assert proposal_for_resident(pk=proposal.pk, resident=viewer) is None


@pytest.mark.parametrize("status", PRIVATE)
def test_an_unpublished_idea_whose_author_is_gone_is_visible_to_nobody(
    proposal_factory: Any, resident: Resident, status: str
) -> None:
    proposal = proposal_factory(status=status, author=None)
    for viewer in (None, resident):
        assert proposal_visible_to(proposal, viewer) is False
        assert proposal_for_resident(pk=proposal.pk, resident=viewer) is None


@pytest.mark.parametrize("who", VIEWERS)
def test_an_idea_that_does_not_exist_looks_like_one_that_is_hidden(
    proposal_factory: Any, resident_factory: Any, who: str
) -> None:
    proposal = proposal_factory(status=ProposalStatus.APPROVED)
    viewer = viewer_of(proposal, who, resident_factory)
    assert proposal_for_resident(pk=proposal.pk + 1000, resident=viewer) is None


def test_a_reply_may_answer_a_comment_on_the_same_idea(comment_factory: Any) -> None:
    comment = comment_factory()
    found = comment_for_reply(proposal=comment.proposal, pk=comment.pk)
    assert found is not None
    assert found.pk == comment.pk


def test_a_reply_may_not_answer_a_comment_on_another_idea(
    comment_factory: Any, proposal_factory: Any
) -> None:
    comment = comment_factory()
    other = proposal_factory(process=comment.proposal.process)
    assert comment_for_reply(proposal=other, pk=comment.pk) is None


def test_a_reply_to_a_comment_that_does_not_exist_finds_none(comment_factory: Any) -> None:
    comment = comment_factory()
    assert comment_for_reply(proposal=comment.proposal, pk=comment.pk + 1000) is None


# --- staff -------------------------------------------------------------------------------


@pytest.fixture
def every_status(proposal_factory: Any) -> set[int]:
    return {make_proposal(proposal_factory, status).pk for status in PUBLIC + PRIVATE}


def with_view_permission(user: Any) -> Any:
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="participation", codename="view_proposal")
    )
    # A fresh instance: Django caches a user's permissions on the object.
    return type(user).objects.get(pk=user.pk)


def test_staff_without_the_view_permission_see_no_ideas(
    staff_user: Any, every_status: set[int]
) -> None:
    assert staff_user.is_staff
    assert not proposals_for_staff(staff_user).exists()


def test_staff_with_the_view_permission_see_every_idea(
    staff_user: Any, every_status: set[int]
) -> None:
    user = with_view_permission(staff_user)
    seen = proposals_for_staff(user)
    assert set(seen.values_list("pk", flat=True)) == set(
        Proposal.objects.values_list("pk", flat=True)
    )
    assert set(seen.values_list("status", flat=True)) == set(ProposalStatus.values)


def test_an_inactive_user_sees_no_ideas_even_with_the_permission(
    staff_user: Any, every_status: set[int]
) -> None:
    user = with_view_permission(staff_user)
    user.is_active = False
    user.save()
    assert not proposals_for_staff(user).exists()


def test_an_active_superuser_sees_every_idea(staff_user: Any, every_status: set[int]) -> None:
    staff_user.is_superuser = True
    staff_user.save()
    assert proposals_for_staff(staff_user).count() == Proposal.objects.count()


def test_an_anonymous_user_sees_no_ideas(every_status: set[int]) -> None:
    assert not proposals_for_staff(AnonymousUser()).exists()
