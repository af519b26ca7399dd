"""Writes of ideas, comments and supports, as every channel calls them."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from core.live import live_events_wait
from core.models import Phase, PhaseKind, Process
from maps import locate
from maps.models import Neighbourhood
from participation.errors import ParticipationError
from participation.models import Comment, Proposal, ProposalStatus, Resident, Support
from participation.services.ideas import (
    BODY_MAX,
    COMMENT_MAX,
    TITLE_MAX,
    Point,
    comment_post,
    proposal_submit,
    support_add,
    support_remove,
)
from tests.factories import NeighbourhoodFactory, PhaseFactory, square

pytestmark = pytest.mark.django_db

Capture = Callable[..., Any]

# Inside Riverside (the square lng -74.00..-73.99, lat 4.60..4.61).
IN_RIVERSIDE = Point(lat=4.605, lng=-73.995)
# East of every neighbourhood below.
OUTSIDE = Point(lat=4.605, lng=-73.5)
UNPUBLISHED = [ProposalStatus.SUBMITTED, ProposalStatus.REJECTED, ProposalStatus.HIDDEN]


@pytest.fixture(autouse=True)
def _fresh_index() -> None:
    # Test transactions roll back without post_delete: locate from this test's rows only.
    locate.invalidate()


@pytest.fixture
def riverside(db: None) -> Neighbourhood:
    return NeighbourhoodFactory(name="Riverside", slug="riverside", boundary=square(-74.0, 4.6))


@pytest.fixture
def hillside(db: None) -> Neighbourhood:
    return NeighbourhoodFactory(name="Hillside", slug="hillside", boundary=square(-73.98, 4.6))


@pytest.fixture
def ideas_phase(process: Process) -> Phase:
    return PhaseFactory(
        process=process,
        kind=PhaseKind.IDEAS,
        starts_at=timezone.now() - dt.timedelta(days=1),
        ends_at=timezone.now() + dt.timedelta(days=7),
    )


@pytest.fixture
def open_process(process: Process, ideas_phase: Phase, riverside: Neighbourhood) -> Process:
    return process


def submit(author: Resident, process: Process, **overrides: Any) -> Proposal:
    fields: dict[str, Any] = {
        "title": "Shade at the bus stop",
        "body": "Trees along Calle 10.",
        "channel": "web",
        "point": IN_RIVERSIDE,
    }
    fields.update(overrides)
    return proposal_submit(author=author, process=process, **fields)


def refused(code: str, call: Callable[[], object]) -> None:
    """``call`` raises ParticipationError with ``code`` and leaves no idea behind."""
    with pytest.raises(ParticipationError) as excinfo:
        call()
    assert excinfo.value.code == code
    assert str(excinfo.value)  # a message fit to show the resident
    assert not Proposal.objects.exists()


# --- proposal_submit: the ideas phase -----------------------------------------------------


def test_an_idea_submitted_while_ideas_are_open_awaits_review(
    resident: Resident, open_process: Process, riverside: Neighbourhood
) -> None:
    proposal = submit(resident, open_process, channel="sms")
    stored = Proposal.objects.get()
    assert stored.pk == proposal.pk
    assert stored.status == ProposalStatus.SUBMITTED
    assert (stored.author_id, stored.process_id) == (resident.pk, open_process.pk)
    assert (stored.title, stored.body) == ("Shade at the bus stop", "Trees along Calle 10.")
    assert stored.channel == "sms"
    assert stored.neighbourhood_id == riverside.pk


def test_ideas_not_yet_open_are_refused(
    resident: Resident, open_process: Process, ideas_phase: Phase
) -> None:
    ideas_phase.starts_at = timezone.now() + dt.timedelta(hours=1)
    ideas_phase.save()
    refused("ideas_closed", lambda: submit(resident, open_process))


def test_ideas_after_the_phase_ended_are_refused(
    resident: Resident, open_process: Process, ideas_phase: Phase
) -> None:
    ideas_phase.starts_at = timezone.now() - dt.timedelta(days=3)
    ideas_phase.ends_at = timezone.now() - dt.timedelta(seconds=1)
    ideas_phase.save()
    refused("ideas_closed", lambda: submit(resident, open_process))


def test_ideas_are_refused_when_only_another_phase_is_open(
    resident: Resident, process: Process, riverside: Neighbourhood
) -> None:
    PhaseFactory(process=process, kind=PhaseKind.VOTING)
    refused("ideas_closed", lambda: submit(resident, process))


def test_the_ideas_phase_of_another_process_does_not_open_this_one(
    resident: Resident, open_process: Process, process_factory: Any
) -> None:
    other = process_factory()
    refused("ideas_closed", lambda: submit(resident, other))


def test_the_window_is_open_from_its_first_instant_by_the_server_clock(
    resident: Resident, open_process: Process, ideas_phase: Phase, monkeypatch: Any
) -> None:
    monkeypatch.setattr(timezone, "now", lambda: ideas_phase.starts_at)
    assert submit(resident, open_process).pk


def test_the_window_is_open_until_just_before_it_ends(
    resident: Resident, open_process: Process, ideas_phase: Phase, monkeypatch: Any
) -> None:
    monkeypatch.setattr(timezone, "now", lambda: ideas_phase.ends_at - dt.timedelta(microseconds=1))
    assert submit(resident, open_process).pk


def test_the_window_is_closed_exactly_at_its_end(
    resident: Resident, open_process: Process, ideas_phase: Phase, monkeypatch: Any
) -> None:
    monkeypatch.setattr(timezone, "now", lambda: ideas_phase.ends_at)
    refused("ideas_closed", lambda: submit(resident, open_process))


# --- proposal_submit: title and body ------------------------------------------------------


def test_whitespace_in_the_title_is_collapsed_to_single_spaces(
    resident: Resident, open_process: Process
) -> None:
    proposal = submit(resident, open_process, title="  Shade \n at   the\tbus stop  ")
    assert proposal.title == "Shade at the bus stop"


@pytest.mark.parametrize("title", ["", "   ", "\n\t", None])
def test_an_idea_needs_a_title(
    resident: Resident, open_process: Process, title: str | None
) -> None:
    refused("title_required", lambda: submit(resident, open_process, title=title))


def test_a_title_of_the_maximum_length_is_kept(resident: Resident, open_process: Process) -> None:
    assert submit(resident, open_process, title="x" * TITLE_MAX).title == "x" * TITLE_MAX


def test_a_title_over_the_maximum_is_refused(resident: Resident, open_process: Process) -> None:
    refused("title_too_long", lambda: submit(resident, open_process, title="x" * (TITLE_MAX + 1)))


def test_the_title_limit_counts_after_whitespace_is_collapsed(
    resident: Resident, open_process: Process
) -> None:
    padded = "  " + "word  " * 40 + "   "  # 199 characters once collapsed
    assert len(padded) > TITLE_MAX
    assert len(submit(resident, open_process, title=padded).title) == TITLE_MAX - 1


def test_the_body_is_trimmed_and_keeps_its_paragraphs(
    resident: Resident, open_process: Process
) -> None:
    proposal = submit(resident, open_process, body="\n  First line.\n\nSecond line.  \n")
    assert proposal.body == "First line.\n\nSecond line."


@pytest.mark.parametrize("body", ["", "   \n", None])
def test_an_idea_without_a_body_uses_its_title(
    resident: Resident, open_process: Process, body: str | None
) -> None:
    assert submit(resident, open_process, title="Bike racks", body=body).body == "Bike racks"


def test_a_body_of_the_maximum_length_is_kept(resident: Resident, open_process: Process) -> None:
    assert len(submit(resident, open_process, body="y" * BODY_MAX).body) == BODY_MAX


def test_a_body_over_the_maximum_is_refused(resident: Resident, open_process: Process) -> None:
    refused("body_too_long", lambda: submit(resident, open_process, body="y" * (BODY_MAX + 1)))


def test_the_address_is_trimmed_and_cut_to_its_column(
    resident: Resident, open_process: Process
) -> None:
    assert submit(resident, open_process, address="  Calle 10 #4-20 ").address == "Calle 10 #4-20"
    assert len(submit(resident, open_process, address="a" * 400).address) == 300


def test_the_idea_is_in_the_authors_language_unless_told(
    resident_factory: Any, open_process: Process
) -> None:
    author = resident_factory(language="es")
    assert submit(author, open_process).language == "es"
    assert submit(author, open_process, language="fr").language == "fr"


# --- proposal_submit: where ---------------------------------------------------------------


def test_the_map_pin_locates_the_neighbourhood(
    resident: Resident, open_process: Process, riverside: Neighbourhood, hillside: Neighbourhood
) -> None:
    proposal = submit(resident, open_process, point=Point(lat=4.605, lng=-73.975))
    assert proposal.neighbourhood_id == hillside.pk
    assert (proposal.lat, proposal.lng) == (4.605, -73.975)


def test_the_map_pin_overrides_a_given_neighbourhood(
    resident: Resident, open_process: Process, riverside: Neighbourhood, hillside: Neighbourhood
) -> None:
    proposal = submit(resident, open_process, point=IN_RIVERSIDE, neighbourhood=hillside)
    assert proposal.neighbourhood_id == riverside.pk


def test_without_a_pin_the_given_neighbourhood_is_used(
    resident: Resident, open_process: Process, hillside: Neighbourhood
) -> None:
    proposal = submit(resident, open_process, point=None, neighbourhood=hillside)
    assert proposal.neighbourhood_id == hillside.pk
    assert (proposal.lat, proposal.lng) == (None, None)


def test_a_pin_outside_every_neighbourhood_is_refused(
    resident: Resident, open_process: Process, hillside: Neighbourhood
) -> None:
    refused(
        "outside_city",
        lambda: submit(resident, open_process, point=OUTSIDE, neighbourhood=hillside),
    )


def test_an_idea_needs_a_pin_or_a_neighbourhood(resident: Resident, open_process: Process) -> None:
    refused("neighbourhood_required", lambda: submit(resident, open_process, point=None))


@pytest.mark.parametrize(
    ("lat", "lng"),
    [
        (90.0001, -73.995),
        (-91.0, -73.995),
        (4.605, 180.5),
        (4.605, -181.0),
        (math.nan, -73.995),
        (4.605, math.inf),
    ],
)
def test_a_pin_that_is_not_on_the_globe_is_refused(
    resident: Resident, open_process: Process, lat: float, lng: float
) -> None:
    refused("bad_point", lambda: submit(resident, open_process, point=Point(lat=lat, lng=lng)))


# --- comment_post -------------------------------------------------------------------------


@pytest.fixture
def idea(proposal_factory: Any, process: Process) -> Proposal:
    return proposal_factory(process=process, status=ProposalStatus.APPROVED)


@pytest.fixture
def sent(monkeypatch: Any) -> list[tuple[int, dict[str, Any]]]:
    """Live events as our broadcaster would send them to the process's group."""
    events: list[tuple[int, dict[str, Any]]] = []
    monkeypatch.setattr("core.live.broadcast", lambda pid, event: events.append((pid, event)))
    return events


def test_a_comment_on_a_published_idea_is_kept_trimmed(resident: Resident, idea: Proposal) -> None:
    comment = comment_post(author=resident, proposal=idea, body="  Yes, please!\n", channel="sms")
    stored = Comment.objects.get()
    assert stored.pk == comment.pk
    assert (stored.proposal_id, stored.author_id, stored.parent_id) == (idea.pk, resident.pk, None)
    assert (stored.body, stored.channel) == ("Yes, please!", "sms")


@pytest.mark.parametrize("status", UNPUBLISHED)
def test_comments_are_refused_on_unpublished_ideas(
    resident: Resident, proposal_factory: Any, status: str
) -> None:
    proposal = proposal_factory(status=status)
    with pytest.raises(ParticipationError) as excinfo:
        comment_post(author=resident, proposal=proposal, body="Hello", channel="web")
    assert excinfo.value.code == "not_open"
    assert not Comment.objects.exists()


def test_comments_are_refused_on_a_merged_idea(
    resident: Resident, idea: Proposal, proposal_factory: Any
) -> None:
    merged = proposal_factory(process=idea.process, status=ProposalStatus.MERGED, merged_into=idea)
    with pytest.raises(ParticipationError) as excinfo:
        comment_post(author=resident, proposal=merged, body="Hello", channel="web")
    assert excinfo.value.code == "not_open"
    assert not Comment.objects.exists()


@pytest.mark.parametrize("body", ["", "  \n\t ", None])
def test_an_empty_comment_is_refused(resident: Resident, idea: Proposal, body: str | None) -> None:
    with pytest.raises(ParticipationError) as excinfo:
        comment_post(author=resident, proposal=idea, body=body, channel="web")  # type: ignore[arg-type]
    assert excinfo.value.code == "empty"
    assert not Comment.objects.exists()


def test_a_comment_of_the_maximum_length_is_kept(resident: Resident, idea: Proposal) -> None:
    comment = comment_post(author=resident, proposal=idea, body="z" * COMMENT_MAX, channel="web")
    assert len(comment.body) == COMMENT_MAX


def test_a_comment_over_the_maximum_is_refused(resident: Resident, idea: Proposal) -> None:
    with pytest.raises(ParticipationError) as excinfo:
        comment_post(author=resident, proposal=idea, body="z" * (COMMENT_MAX + 1), channel="web")
    assert excinfo.value.code == "too_long"
    assert not Comment.objects.exists()


def test_a_reply_answers_a_comment_on_the_same_idea(
    resident: Resident, idea: Proposal, comment_factory: Any
) -> None:
    parent = comment_factory(proposal=idea)
    reply = comment_post(
        author=resident, proposal=idea, body="Agreed.", channel="web", parent=parent
    )
    assert reply.parent_id == parent.pk
    assert list(parent.replies.all()) == [reply]


def test_a_reply_to_a_comment_on_another_idea_is_refused(
    resident: Resident, idea: Proposal, comment_factory: Any, proposal_factory: Any
) -> None:
    elsewhere = comment_factory(
        proposal=proposal_factory(process=idea.process, status=ProposalStatus.APPROVED)
    )
    with pytest.raises(ParticipationError) as excinfo:
        comment_post(
            author=resident, proposal=idea, body="Agreed.", channel="web", parent=elsewhere
        )
    assert excinfo.value.code == "bad_parent"
    assert list(Comment.objects.all()) == [elsewhere]


def test_a_comment_is_broadcast_live_once_committed(
    resident: Resident,
    idea: Proposal,
    sent: list[tuple[int, dict[str, Any]]],
    django_capture_on_commit_callbacks: Capture,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        comment = comment_post(author=resident, proposal=idea, body="Yes", channel="web")
        live_events_wait()  # with Redis, events leave on the live thread
        assert sent == []  # not before the commit
    live_events_wait()  # with Redis, events leave on the live thread
    assert sent == [
        (
            idea.process_id,
            {
                "kind": "comment",
                "data": {"proposal": idea.pk, "comment": comment.pk, "parent": None},
            },
        )
    ]


def test_a_live_reply_names_its_parent(
    resident: Resident,
    idea: Proposal,
    comment_factory: Any,
    sent: list[tuple[int, dict[str, Any]]],
    django_capture_on_commit_callbacks: Capture,
) -> None:
    parent = comment_factory(proposal=idea)
    with django_capture_on_commit_callbacks(execute=True):
        reply = comment_post(
            author=resident, proposal=idea, body="Yes", channel="web", parent=parent
        )
    live_events_wait()  # with Redis, events leave on the live thread
    [(_process_id, event)] = sent
    assert event["data"] == {"proposal": idea.pk, "comment": reply.pk, "parent": parent.pk}


def test_a_comment_rolled_back_with_its_transaction_is_never_broadcast(
    resident: Resident,
    idea: Proposal,
    sent: list[tuple[int, dict[str, Any]]],
    django_capture_on_commit_callbacks: Capture,
) -> None:
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        comment_post(author=resident, proposal=idea, body="Yes", channel="web")
        raise RuntimeError("the caller's transaction fails after the comment")
    assert callbacks == []
    live_events_wait()  # with Redis, events leave on the live thread
    assert sent == []
    assert not Comment.objects.exists()


def test_a_refused_comment_broadcasts_nothing(
    resident: Resident,
    idea: Proposal,
    sent: list[tuple[int, dict[str, Any]]],
    django_capture_on_commit_callbacks: Capture,
) -> None:
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(ParticipationError),
    ):
        comment_post(author=resident, proposal=idea, body="", channel="web")
    assert callbacks == []
    live_events_wait()  # with Redis, events leave on the live thread
    assert sent == []


# --- support_add / support_remove ---------------------------------------------------------


def test_support_is_recorded_once(resident: Resident, idea: Proposal) -> None:
    assert support_add(resident=resident, proposal=idea) is True
    assert support_add(resident=resident, proposal=idea) is False
    assert Support.objects.filter(resident=resident, proposal=idea).count() == 1


def test_supports_of_different_residents_all_count(resident_factory: Any, idea: Proposal) -> None:
    for supporter in resident_factory.create_batch(3):
        assert support_add(resident=supporter, proposal=idea) is True
    assert idea.supports.count() == 3


@pytest.mark.parametrize("status", UNPUBLISHED)
def test_support_is_refused_on_unpublished_ideas(
    resident: Resident, proposal_factory: Any, status: str
) -> None:
    proposal = proposal_factory(status=status)
    with pytest.raises(ParticipationError) as excinfo:
        support_add(resident=resident, proposal=proposal)
    assert excinfo.value.code == "not_open"
    assert not Support.objects.exists()


def test_support_is_refused_on_a_merged_idea(
    resident: Resident, idea: Proposal, proposal_factory: Any
) -> None:
    merged = proposal_factory(process=idea.process, status=ProposalStatus.MERGED, merged_into=idea)
    with pytest.raises(ParticipationError):
        support_add(resident=resident, proposal=merged)
    assert not Support.objects.exists()


def test_withdrawing_support_reports_whether_there_was_one(
    resident: Resident, idea: Proposal
) -> None:
    support_add(resident=resident, proposal=idea)
    assert support_remove(resident=resident, proposal=idea) is True
    assert support_remove(resident=resident, proposal=idea) is False
    assert not Support.objects.exists()


def test_withdrawing_keeps_other_residents_support(resident_factory: Any, idea: Proposal) -> None:
    mine, theirs = resident_factory(), resident_factory()
    support_add(resident=mine, proposal=idea)
    support_add(resident=theirs, proposal=idea)
    support_remove(resident=mine, proposal=idea)
    assert list(idea.supports.values_list("resident_id", flat=True)) == [theirs.pk]


def test_support_can_be_given_again_after_withdrawing(resident: Resident, idea: Proposal) -> None:
    support_add(resident=resident, proposal=idea)
    support_remove(resident=resident, proposal=idea)
    assert support_add(resident=resident, proposal=idea) is True
