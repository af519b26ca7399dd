"""Every resident page renders for the right visitors, and unknown ids are 404s."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from budgets.models import ImplementationStatus, Pot, Project
from core.models import Process
from maps.models import Neighbourhood
from participation.models import Proposal
from tests.frontend.html import Page, parse

pytestmark = pytest.mark.django_db


def public_urls(city: Process, area: Neighbourhood, idea: Proposal) -> list[str]:
    project = city.projects.get(short_code=1)
    return [
        "/",
        "/neighbourhoods/",
        f"/neighbourhoods/{area.slug}/",
        f"/processes/{city.slug}/",
        f"/processes/{city.slug}/map/",
        f"/processes/{city.slug}/map/?neighbourhood={area.slug}&status=on_ballot&kind=project",
        f"/processes/{city.slug}/results/",
        f"/processes/{city.slug}/delivery/",
        f"/proposals/{idea.pk}/",
        f"/projects/{project.pk}/",
        "/receipt/",
        "/sign-in/",
        "/sign-in/voter-code/",
        "/sign-out/",
    ]


def resident_urls(city: Process) -> list[str]:
    return [
        f"/processes/{city.slug}/ballot/",
        f"/processes/{city.slug}/propose/",
        "/me/neighbourhood/",
    ]


def test_public_pages_render_for_anonymous_and_signed_in(
    client: Client, voter_client: Client, city: Process, area: Neighbourhood, idea: Proposal
) -> None:
    anonymous = Client()
    for url in public_urls(city, area, idea):
        for visitor in (anonymous, voter_client):
            response = visitor.get(url)
            assert response.status_code == 200, url
            page = parse(response.content)
            html_tag = page.named("html")[0]
            assert html_tag.attrs["lang"] == "en"
            assert page.by_id("main") is not None, url
            assert len(page.named("h1")) == 1, url
            assert page.named("title")[0] is not None


def test_resident_pages_render_signed_in_and_redirect_anonymous(
    voter_client: Client, city: Process
) -> None:
    for url in resident_urls(city):
        assert voter_client.get(url).status_code == 200, url
        anonymous = Client().get(url)
        assert anonymous.status_code == 302, url
        assert anonymous["Location"].startswith("/sign-in/?next="), url


@pytest.mark.parametrize(
    "url",
    [
        "/processes/nope/",
        "/processes/nope/map/",
        "/processes/nope/results/",
        "/processes/nope/delivery/",
        "/neighbourhoods/nope/",
        "/proposals/0/",
        "/projects/0/",
        "/no/such/page/",
    ],
)
def test_unknown_things_are_404(client: Client, db: None, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_unknown_process_pages_for_residents_are_404(voter_client: Client, db: None) -> None:
    assert voter_client.get("/processes/nope/ballot/").status_code == 404
    assert voter_client.get("/processes/nope/propose/").status_code == 404


def test_home_lists_processes_with_their_phase(client: Client, city: Process) -> None:
    html = client.get("/").content.decode()
    assert city.title in html
    assert "Now: Voting" in html


def test_process_page_links_to_every_flow(client: Client, city: Process) -> None:
    page = parse(client.get(f"/processes/{city.slug}/").content)
    for element_id in ("vote-link", "propose-link", "map-link", "delivery-link", "live-turnout"):
        assert page.by_id(element_id) is not None, element_id
    config = json.loads(_script_text(page, "live-config"))
    assert config["socket"] == f"/ws/processes/{city.pk}/"


def _script_text(page: Page, element_id: str) -> str:
    node = page.by_id(element_id)
    assert node is not None
    return node.text


def test_map_list_and_map_data_use_the_same_filters(
    client: Client, city: Process, area: Neighbourhood, idea: Proposal
) -> None:
    other = Neighbourhood.objects.create(
        name="Hill", slug="hill", boundary=area.boundary, population=5
    )
    # A map filters by the neighbourhoods its process covers (a pot of theirs).
    Pot.objects.create(process=city, neighbourhood=other, name="Hill", amount=1000)
    Project.objects.filter(process=city, short_code=2).update(
        neighbourhood=other, implementation_status=ImplementationStatus.IN_PROGRESS
    )
    everything = parse(client.get(f"/processes/{city.slug}/map/").content)
    data = json.loads(_script_text(everything, "map-data"))
    assert {i["kind"] for i in data["items"]} == {"idea", "project"}
    assert everything.by_id(f"item-idea-{idea.pk}") is not None

    url = f"/processes/{city.slug}/map/?neighbourhood=hill&status=in_progress&kind=project"
    filtered = parse(client.get(url).content)
    data = json.loads(_script_text(filtered, "map-data"))
    project = city.projects.get(short_code=2)
    assert [i["title"] for i in data["items"]] == [project.title]
    rows = [t for t in filtered.named("tr") if (t.attrs.get("id") or "").startswith("item-")]
    assert [r.attrs["id"] for r in rows] == [f"item-project-{project.pk}"]
    assert data["selected"] == "hill"

    ideas_only = json.loads(
        _script_text(
            parse(client.get(f"/processes/{city.slug}/map/?kind=idea").content), "map-data"
        )
    )
    assert [i["kind"] for i in ideas_only["items"]] == ["idea"]


def test_map_with_bad_filters_is_400_not_500(client: Client, city: Process) -> None:
    response = client.get(f"/processes/{city.slug}/map/?neighbourhood=nope&status=<b>&kind=x")
    assert response.status_code == 400
    assert 'id="error-summary"' in response.content.decode()


def test_map_has_a_legend_and_text_labels(client: Client, city: Process) -> None:
    html = client.get(f"/processes/{city.slug}/map/").content.decode()
    assert "On the ballot" in html and "Idea, open for comments" in html
    assert 'id="main-map"' in html
    assert 'id="map-list"' in html


def test_project_page_shows_delivery(client: Client, city: Process) -> None:
    project = city.projects.get(short_code=3)
    project.implementation_status = ImplementationStatus.DELIVERED
    project.implementation_note = "Opened in May."
    project.save()
    html = client.get(f"/projects/{project.pk}/").content.decode()
    assert "Delivered" in html
    assert "Opened in May." in html


def test_withdrawn_project_is_404(client: Client, city: Process) -> None:
    project = city.projects.get(short_code=3)
    project.withdrawn = True
    project.save()
    assert client.get(f"/projects/{project.pk}/").status_code == 404


def test_neighbourhood_page_lists_its_projects_and_ideas(
    client: Client, city: Process, area: Neighbourhood, idea: Proposal
) -> None:
    html = client.get(f"/neighbourhoods/{area.slug}/").content.decode()
    assert idea.title in html
    assert city.projects.get(short_code=1).title in html
    assert "This neighbourhood's budget: $30,000" in html


def test_skip_link_and_landmarks(client: Client, city: Process) -> None:
    page = parse(client.get(f"/processes/{city.slug}/").content)
    skip = page.named("a")[0]
    assert skip.attrs["href"] == "#main"
    assert page.named("header") and page.named("footer") and page.named("nav")
    language = page.by_id("language-select")
    assert language is not None
    assert any(t.attrs.get("for") == "language-select" for t in page.named("label"))
