"""The equity dashboards and the 'about you' self-report, as a resident sees them."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.test import Client

from budgets.ballot_validation import Choice
from budgets.models import Project
from budgets.services.ballots import ballot_cast
from core.models import Channel, Process
from maps.models import Neighbourhood
from participation.models import Resident
from tests.factories import ResidentFactory
from tests.frontend.conftest import sign_in

pytestmark = pytest.mark.django_db


def _voters(process: Process, area: Neighbourhood, n: int, channel: str) -> list[Resident]:
    project = Project.objects.get(process=process, short_code=1)
    voters = []
    for _ in range(n):
        resident = ResidentFactory(neighbourhood=area)
        ballot_cast(
            resident=resident, process=process, choices=[Choice(project.pk)], channel=channel
        )
        voters.append(resident)
    return voters


@pytest.fixture
def voted(city: Process, area: Neighbourhood, settings: Any) -> Process:
    settings.EQUITY_MIN_CELL = 3
    _voters(city, area, 4, Channel.WEB)
    _voters(city, area, 3, Channel.SMS)
    return city


@pytest.mark.parametrize(
    ("language", "heading"),
    [("en", "Equity scorecard"), ("es", "Índice de equidad"), ("fr", "Tableau d’équité")],
)
def test_process_dashboard_in_three_languages(
    client: Client, voted: Process, language: str, heading: str
) -> None:
    client.cookies["django_language"] = language
    response = client.get(f"/processes/{voted.slug}/equity/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    html = response.content.decode()
    assert heading in html
    assert 'id="choropleth"' in html and 'role="img"' in html
    assert 'id="scorecard-table"' in html and 'id="funnel-overall"' in html
    assert "<script" not in html.split('id="main"')[1].split("</main>")[0]


def test_process_page_links_to_the_dashboard_and_counts_residents(
    client: Client, voted: Process
) -> None:
    html = client.get(f"/processes/{voted.slug}/").content.decode()
    assert f"/processes/{voted.slug}/equity/" in html
    assert '<strong id="live-turnout">7</strong>' in html


def test_csv_downloads(client: Client, voted: Process) -> None:
    base = f"/processes/{voted.slug}/equity"
    for path, header in [
        (f"{base}/scorecard.csv", "process,criterion,principle,metric,value,target"),
        (f"{base}/participation.csv", "breakdown,key,participants,rate"),
        (f"{base}/representation.csv", "criterion,group,participants,share,census_share"),
        (f"{base}/funnel.csv", "breakdown,group,step,residents,drop_off"),
        ("/equity/scorecards.csv", "process,criterion"),
    ]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert response["Content-Type"].startswith("text/csv")
        text = response.content.decode()
        assert text.startswith(header), path
    rows = list(csv.reader(io.StringIO(client.get(f"{base}/participation.csv").content.decode())))
    assert ["channel", "sms", "3", ""] in rows and ["all", "", "7", ""] in rows


def test_city_dashboard_lists_every_process(client: Client, voted: Process) -> None:
    html = client.get("/equity/").content.decode()
    assert voted.title in html and 'id="city-scorecards"' in html


def test_about_you_saves_declines_and_withdraws(client: Client, voted: Process) -> None:
    resident = Resident.objects.filter(neighbourhood__isnull=False).first()
    assert resident is not None
    sign_in(client, resident)
    page = client.get("/me/about-you/").content.decode()
    assert 'value="nonbinary"' in page and "I would rather not say" in page
    client.post("/me/about-you/", {"action": "save", "age_band": "30_44", "gender": "nonbinary"})
    resident.refresh_from_db()
    assert resident.demographics == {"age_band": "30_44", "gender": "nonbinary"}
    assert resident.demographics_consent_at is not None
    # declining records nothing more
    client.post("/me/about-you/", {"action": "decline", "tenure": "renter"})
    resident.refresh_from_db()
    assert "tenure" not in resident.demographics
    # withdrawing consent deletes the answers
    assert "about-you-withdraw" in client.get("/me/about-you/").content.decode()
    client.post("/me/about-you/", {"action": "withdraw"})
    resident.refresh_from_db()
    assert resident.demographics == {} and resident.demographics_consent_at is None


def test_about_you_refuses_an_answer_off_the_list(client: Client, voted: Process) -> None:
    resident = Resident.objects.first()
    assert resident is not None
    sign_in(client, resident)
    response = client.post("/me/about-you/", {"action": "save", "age_band": "999"})
    assert response.status_code == 200
    resident.refresh_from_db()
    assert resident.demographics == {}


def test_about_you_needs_sign_in(client: Client, voted: Process) -> None:
    response = client.get("/me/about-you/")
    assert response.status_code == 302 and "/sign-in/" in response["Location"]
