"""Downloads on the results page: results CSV, projects GeoJSON, Pabulib .pb per
budget; every one refused before publication."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.test import Client
from django.urls import reverse

from budgets.pabulib.pb_file import parse_pb
from budgets.services.paper import PaperVoter, paper_ballot_enter
from budgets.services.results import results_publish
from core.models import PhaseKind, Process
from participation.services.voter_codes import voter_codes_issue
from tests.frontend.conftest import close_phase

pytestmark = pytest.mark.django_db


def urls(process: Process) -> list[str]:
    pot = process.pots.get(neighbourhood=None)
    return [
        reverse("frontend:results-csv", args=[process.slug]),
        reverse("frontend:projects-geojson", args=[process.slug]),
        reverse("frontend:results-pb", args=[process.slug, pot.pk]),
    ]


def vote_and_publish(city: Process, ballots: int = 12) -> None:
    for code in voter_codes_issue(count=ballots, process=city):
        paper_ballot_enter(
            process=city,
            voter=PaperVoter(voter_code=code),
            marks=[(1, None), (4, None), (5, None)],
            actor=None,
        )
    close_phase(city, PhaseKind.VOTING)
    results_publish(process=city, actor=None)


def test_every_export_is_refused_before_publication(client: Client, city: Process) -> None:
    for url in urls(city):
        response = client.get(url)
        assert response.status_code == 404, url
        assert b"not published" in response.content


def test_the_results_page_offers_the_three_downloads(client: Client, city: Process) -> None:
    vote_and_publish(city)
    html = client.get(reverse("frontend:results", args=[city.slug])).content.decode()
    for url in urls(city):
        assert f'href="{url}"' in html


def test_results_csv_has_a_row_per_project_with_paper_ballots_counted(
    client: Client, city: Process
) -> None:
    vote_and_publish(city)
    response = client.get(urls(city)[0])
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    one = next(r for r in rows if r["project_number"] == "1")
    assert one["votes"] == "12" and one["funded"] == "yes" and one["pot_ballots"] == "12"
    assert len(rows) == 7  # five city-wide projects, two local ones


def test_projects_geojson_says_funded_and_delivery_status(client: Client, city: Process) -> None:
    vote_and_publish(city)
    data = json.loads(client.get(urls(city)[1]).content)
    assert data["type"] == "FeatureCollection"
    by_number = {f["properties"]["number"]: f for f in data["features"]}
    assert by_number[1]["properties"]["funded"] is True
    assert by_number[2]["properties"]["funded"] is False
    assert by_number[1]["properties"]["status"] == "not_started"
    assert by_number[1]["geometry"] == {"type": "Point", "coordinates": [-73.995, 4.605]}


def test_the_pb_download_has_anonymous_ballots(client: Client, city: Process) -> None:
    vote_and_publish(city)
    pb = parse_pb(client.get(urls(city)[2]).content.decode())
    assert len(pb.votes) == 12
    assert {v.voter_id for v in pb.votes} == {str(n) for n in range(1, 13)}
