"""Results (bar chart readable without JavaScript, the why per project) and delivery."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from budgets.models import ImplementationStatus
from budgets.results import PotResult, ProjectResult
from core.models import Process
from tests.frontend.html import parse

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(city: Process, monkeypatch: pytest.MonkeyPatch) -> list[PotResult]:
    """Results as budgets.results gives them once published: project 1 funded, 5 not."""
    pot = city.pots.get(neighbourhood=None)
    one, five = city.projects.get(short_code=1), city.projects.get(short_code=5)
    one.implementation_status = ImplementationStatus.IN_PROGRESS
    one.implementation_note = "Contractor chosen."
    one.save()
    rows = [
        ProjectResult(
            project=one,
            votes=312,
            score=Decimal(312),
            funded=True,
            reason_code="funded",
            reason="Funded: 312 supporters paid up to $32.05 each from their equal shares.",
            share_of_votes=0.78,
        ),
        ProjectResult(
            project=five,
            votes=40,
            score=Decimal(40),
            funded=False,
            reason_code="did_not_fit",
            reason="Did not fit: $12,000 left when its turn came, and it costs $50,000.",
            share_of_votes=0.1,
        ),
    ]
    result = PotResult(
        pot=pot,
        rule="mes_cost",
        rule_label="Method of Equal Shares",
        budget=Decimal("100000"),
        spent=Decimal("88000"),
        ballots=400,
        computed_at=timezone.now() - dt.timedelta(hours=1),
        projects=rows,
    )
    city.results_published_at = timezone.now()
    city.save()
    monkeypatch.setattr("frontend.views.results.process_results", lambda process: [result])
    return [result]


def test_results_before_publication(client: Client, city: Process) -> None:
    response = client.get(f"/processes/{city.slug}/results/")
    assert response.status_code == 200
    assert 'id="results-pending"' in response.content.decode()
    delivery = client.get(f"/processes/{city.slug}/delivery/").content.decode()
    assert 'id="delivery-pending"' in delivery


def test_results_chart_readable_without_javascript(
    client: Client, city: Process, published: list[PotResult]
) -> None:
    html = client.get(f"/processes/{city.slug}/results/").content.decode()
    page = parse(html)
    funded_row = page.by_id("result-1")
    assert funded_row is not None and funded_row.attrs["class"] == "funded"
    assert "Funded: 312 supporters paid up to $32.05 each" in html
    assert "Did not fit: $12,000 left" in html
    assert "78.0% of ballots" in html
    widths = [
        t.attrs.get("width") for t in page.named("rect") if t.attrs.get("class") == "bar-fill"
    ]
    assert "78.0%" in widths and "10.0%" in widths and "88.0%" in widths
    assert "Method of Equal Shares" in html
    # Funded is said in words, not only by colour.
    assert html.count(">Funded<") >= 1 and ">Not funded<" in html


def test_delivery_lists_funded_projects(
    client: Client, city: Process, published: list[PotResult]
) -> None:
    html = client.get(f"/processes/{city.slug}/delivery/").content.decode()
    page = parse(html)
    assert page.by_id("delivery-1") is not None
    assert page.by_id("delivery-5") is None
    assert "In progress" in html and "Contractor chosen." in html


def test_project_page_shows_its_result(
    client: Client, city: Process, published: list[PotResult]
) -> None:
    project = city.projects.get(short_code=5)
    html = client.get(f"/projects/{project.pk}/").content.decode()
    assert "Not funded" in html
    assert "Did not fit" in html


def test_process_page_links_results_once_published(
    client: Client, city: Process, published: list[PotResult]
) -> None:
    page = parse(client.get(f"/processes/{city.slug}/").content)
    assert page.by_id("results-link") is not None
