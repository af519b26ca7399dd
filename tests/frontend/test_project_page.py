"""A project page carries more than a title: the description, where it is in words (and a
small map with JavaScript), the resident's idea it grew from with its discussion, and
delivery."""

from __future__ import annotations

import pytest
from django.test import Client

from budgets.models import ImplementationStatus, Project
from core.models import Process
from participation.models import CommentStatus, Proposal, ProposalStatus
from tests.factories import CommentFactory, ProposalFactory
from tests.frontend.html import parse

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(city: Process, idea: Proposal) -> Project:
    project = Project.objects.get(process=city, short_code=1)
    project.title = "Benches in Riverside park"
    project.description = "Ten benches with shade along the river path."
    project.source_proposal = idea
    project.save()
    idea.address = "River path, by the north gate"
    idea.save()
    CommentFactory(proposal=idea, body="Please add one near the playground.")
    CommentFactory(proposal=idea, body="Spam spam", status=CommentStatus.HIDDEN)
    return project


def test_description_location_source_idea_and_its_discussion(
    client: Client, project: Project, idea: Proposal
) -> None:
    response = client.get(f"/projects/{project.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    page = parse(response.content)
    assert "Ten benches with shade along the river path." in html
    location = html[html.index('id="project-location"') :]
    location = location[: location.index("</p>")]
    assert "In Riverside." in location
    assert "River path, by the north gate" in location
    assert "Latitude 4.60500, longitude -73.99500." in location
    assert "?neighbourhood=riverside" in location
    # The small map is for JavaScript only: hidden in the HTML, the words stand alone.
    map_div = page.by_id("project-map")
    assert map_div is not None
    assert 'class="js-only" hidden' in html
    source = html[html.index('id="project-source"') :]
    assert idea.title in source
    assert "Please add one near the playground." in source
    assert "Spam spam" not in source
    assert "Discussion: 1 comment" in source
    assert f"/proposals/{idea.pk}/#comments" in source
    # Read here, joined on the idea's page: no reply forms on the project page.
    assert "Post reply" not in html


def test_delivery_status_and_update(client: Client, project: Project) -> None:
    project.implementation_status = ImplementationStatus.IN_PROGRESS
    project.implementation_note = "Benches ordered; installation in May."
    project.save()
    html = client.get(f"/projects/{project.pk}/").content.decode()
    delivery = html[html.index('id="delivery-heading"') :]
    assert "In progress" in delivery
    assert "Benches ordered; installation in May." in delivery


def test_an_idea_under_review_is_not_shown_to_others(
    client: Client, project: Project, city: Process
) -> None:
    hidden = ProposalFactory(process=city, status=ProposalStatus.SUBMITTED, title="Secret plan")
    project.source_proposal = hidden
    project.save()
    html = client.get(f"/projects/{project.pk}/").content.decode()
    assert "Secret plan" not in html
    assert 'id="project-source"' not in html


def test_a_project_without_a_place_says_so_and_draws_no_map(client: Client, city: Process) -> None:
    project = Project.objects.get(process=city, short_code=6)  # no lat/lng, a local pot
    project.neighbourhood = None
    project.save()
    html = client.get(f"/projects/{project.pk}/").content.decode()
    assert "City-wide: the project is not in one place." in html
    assert 'id="project-map"' not in html
    assert "leaflet" not in html
