"""Review (costing) at /staff/review/: published ideas become ballot projects through
``proposal_to_project``, one or many at once, audited, and the author is told."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from budgets.models import Pot, Project
from budgets.services.review import ReviewError, proposal_to_project
from core.models import Channel, Process
from maps.models import Neighbourhood
from participation.models import AuditLog, NoticeKind, Proposal, ProposalStatus, ResidentNotice
from sms.author_notices import proposal_to_project_and_tell
from sms.models import OutboundMessage
from tests.factories import ProposalFactory, ResidentFactory, UserFactory

pytestmark = pytest.mark.django_db
REVIEW = "/staff/review/"
ADD = "/staff/review/add/"


def reviewer(name: str = "reviewer") -> Any:
    user = UserFactory(username=name)
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="participation", codename="review_proposals")
    )
    return type(user).objects.get(pk=user.pk)


@pytest.fixture
def rev_client(client: Client) -> Client:
    client.force_login(reviewer())
    return client


def published(city: Process, area: Neighbourhood, title: str, **kw: Any) -> Proposal:
    return ProposalFactory(
        process=city, title=title, status=ProposalStatus.APPROVED, neighbourhood=area, **kw
    )


def test_review_page_is_for_reviewers_only(client: Client, city: Process) -> None:
    assert client.get(REVIEW).status_code == 302
    client.force_login(UserFactory(username="nobody"))
    assert client.get(REVIEW).status_code == 403
    assert client.post(ADD, {"one": "1"}).status_code == 403


def test_an_idea_goes_on_the_ballot_and_its_sms_author_is_told(
    rev_client: Client, city: Process, area: Neighbourhood
) -> None:
    author = ResidentFactory(language="fr")
    idea = published(
        city,
        area,
        "Bancs au bord de l'eau",
        author=author,
        channel=Channel.SMS,
        lat=4.605,
        lng=-73.995,
    )
    pot = Pot.objects.get(process=city, neighbourhood=area)
    Project.objects.filter(pot=pot).delete()  # a fresh pot without ballots
    page = rev_client.get(REVIEW).content.decode()
    assert f'id="review-{idea.pk}"' in page
    response = rev_client.post(
        ADD,
        {
            "one": str(idea.pk),
            f"cost-{idea.pk}": "12 500",
            f"pot-{idea.pk}": str(pot.pk),
            f"code-{idea.pk}": "41",
            f"note-{idea.pk}": "Parks can install in spring.",
        },
    )
    assert response.status_code == 303
    project = Project.objects.get(source_proposal=idea)
    assert (project.cost, project.short_code, project.pot) == (Decimal("12500"), 41, pot)
    assert project.feasibility_note == "Parks can install in spring."
    assert project.title == "Bancs au bord de l'eau" and project.neighbourhood == area
    entry = AuditLog.objects.get(action="review.to_project")
    assert entry.object_id == str(idea.pk) and entry.data["after"]["short_code"] == 41
    text = OutboundMessage.objects.get(to_e164=author.phone_e164)
    assert text.language == "fr" and "41" in text.body and f"I{idea.pk}" in text.body
    assert f'id="review-{idea.pk}"' not in rev_client.get(REVIEW).content.decode()


def test_bulk_review_with_bad_rows_reported_one_by_one(
    rev_client: Client, city: Process, area: Neighbourhood
) -> None:
    a = published(city, area, "A")
    b = published(city, area, "B")
    c = published(city, area, "C")
    citywide = Pot.objects.get(process=city, neighbourhood=None)
    Project.objects.filter(pot=citywide).delete()
    response = rev_client.post(
        ADD,
        {
            "items": [str(a.pk), str(b.pk), str(c.pk), "9" * 30, "\x00"],
            f"cost-{a.pk}": "1000",
            f"pot-{a.pk}": str(citywide.pk),
            f"code-{a.pk}": "50",
            f"cost-{b.pk}": "lots\x00",
            f"pot-{b.pk}": str(citywide.pk),
            f"code-{b.pk}": "51",
            f"cost-{c.pk}": "2000",
            f"pot-{c.pk}": str(citywide.pk),
            f"code-{c.pk}": "50",  # taken by a
        },
        follow=True,
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert Project.objects.filter(source_proposal=a).exists()
    assert not Project.objects.filter(source_proposal__in=[b, c]).exists()
    assert "Write the cost as a number" in body
    assert "SMS number 50 is already used" in body
    assert "no such idea" in body
    # The web author of a is told on their updates page.
    assert ResidentNotice.objects.get(resident=a.author).kind == NoticeKind.ON_BALLOT


def test_a_second_reviewer_is_told_the_idea_is_already_on_the_ballot(
    city: Process, area: Neighbourhood
) -> None:
    idea = published(city, area, "Twice")
    pot = Pot.objects.get(process=city, neighbourhood=None)
    Project.objects.filter(pot=pot).delete()
    proposal_to_project_and_tell(
        actor=reviewer("r1"), proposal=idea, pot=pot, cost=Decimal("10"), short_code=60
    )
    with pytest.raises(ReviewError) as refused:
        proposal_to_project(
            actor=reviewer("r2"), proposal=idea, pot=pot, cost=Decimal("10"), short_code=61
        )
    assert refused.value.code == "stale"


def test_a_pot_people_already_voted_in_takes_no_new_project(
    city: Process, area: Neighbourhood, ballot_factory: Any
) -> None:
    idea = published(city, area, "Late")
    pot = Pot.objects.get(process=city, neighbourhood=None)
    ballot_factory(pot=pot)
    with pytest.raises(ReviewError) as refused:
        proposal_to_project(
            actor=reviewer(), proposal=idea, pot=pot, cost=Decimal("10"), short_code=70
        )
    assert refused.value.code == "ballot_started"


def test_an_unpublished_idea_or_another_neighbourhoods_pot_is_refused(
    city: Process, area: Neighbourhood, neighbourhood_factory: Any, pot_factory: Any
) -> None:
    pending = ProposalFactory(process=city, neighbourhood=area)
    pot = Pot.objects.get(process=city, neighbourhood=None)
    with pytest.raises(ReviewError) as refused:
        proposal_to_project(
            actor=reviewer(), proposal=pending, pot=pot, cost=Decimal("1"), short_code=80
        )
    assert refused.value.code == "stale"
    other = pot_factory(process=city, neighbourhood=neighbourhood_factory(), name="Other")
    with pytest.raises(ReviewError) as refused:
        proposal_to_project(
            actor=reviewer("r9"),
            proposal=published(city, area, "X"),
            pot=other,
            cost=Decimal("1"),
            short_code=81,
        )
    assert refused.value.code == "bad_pot"
