"""Results (bar chart readable without JavaScript, the why per project) and delivery."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from budgets.models import ImplementationStatus, TallyRun
from budgets.results import PotResult, ProjectResult
from budgets.services.paper import PaperVoter, paper_ballot_enter
from budgets.services.results import outcome_override, results_count, results_publish
from core.l10n import money
from core.models import PhaseKind, Process
from participation.services.voter_codes import voter_codes_issue
from tests.budgets.conftest import close_voting
from tests.factories import PhaseFactory, PotFactory, ProcessFactory, ProjectFactory
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


@pytest.fixture
def adjusted() -> Process:
    """A counted, overridden and published approval process in USD: a 100,000 city-wide
    pot, projects 1..5 costing 10k..50k, four paper ballots, project 1 removed."""
    process = ProcessFactory(currency="USD")
    PhaseFactory(process=process, kind=PhaseKind.VOTING)
    pot = PotFactory(process=process, amount=Decimal("100000"))
    for code in range(1, 6):
        ProjectFactory(pot=pot, process=process, short_code=code, cost=Decimal(code * 10_000))
    codes = voter_codes_issue(count=4, process=process)
    for code, marks in zip(codes, ([1, 2], [1, 2], [1, 5], [3]), strict=True):
        paper_ballot_enter(
            process=process,
            voter=PaperVoter(voter_code=code),
            marks=[(m, None) for m in marks],
            actor=None,
        )
    close_voting(process)
    results_count(process=process, actor=None)
    outcome_override(
        process=process,
        pot=pot,
        actor=None,
        kind="remove",
        project=process.projects.get(short_code=1),
        reason="The library roof cannot wait another year.",
    )
    results_publish(process=process, actor=None)
    return process


@pytest.mark.parametrize(("language", "currency"), [("es", "US$"), ("fr", "$US")])
def test_override_sentence_gives_amounts_as_the_language_writes_them(
    client: Client, adjusted: Process, language: str, currency: str
) -> None:
    run = TallyRun.objects.filter(pot__process=adjusted).latest("pk")
    client.cookies["django_language"] = language
    html = client.get(
        f"/processes/{adjusted.slug}/results/", HTTP_ACCEPT_LANGUAGE=language
    ).content.decode()
    found = re.search(r'<div class="overrides"[^>]*>\s*<h3>.*?</h3>\s*<p>(.*?)</p>', html, re.S)
    assert found is not None
    sentence = " ".join(found.group(1).split())
    spent, budget = money(run.spent, "USD", language), money(run.budget, "USD", language)
    assert " ".join(spent.split()) in sentence and " ".join(budget.split()) in sentence
    assert currency in sentence and "USD" not in sentence
    assert "100,000" not in sentence  # not the English grouping


def test_fairness_page_gives_amounts_as_the_language_writes_them(
    client: Client, adjusted: Process
) -> None:
    client.cookies["django_language"] = "es"
    html = client.get(
        f"/processes/{adjusted.slug}/results/fairness/", HTTP_ACCEPT_LANGUAGE="es"
    ).content.decode()
    cells = [
        " ".join(re.sub(r"<[^>]+>", "", td).split())
        for td in re.findall(r"<td>(.*?)</td>", html, re.S)
    ]
    money_cells = [c for c in cells if "US$" in c]
    assert money_cells and not any("USD" in c for c in cells)
    assert all(re.fullmatch(r"[\d.]+(,\d\d)? US\$( \(.*\))?", c) for c in money_cells), cells
