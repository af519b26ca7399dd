"""Publishing as a walk-through: close, count, review beside greedy and MES, override
with a public reason, publish; exports withheld before; un-publish needs a reason."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from budgets.services.paper import PaperVoter, paper_ballot_enter, paper_ballot_void
from core.l10n import datetime_text
from core.models import PhaseKind, Process
from participation.models import AuditLog
from participation.services.voter_codes import voter_codes_issue
from tests.budgets.conftest import citywide

pytestmark = pytest.mark.django_db


@pytest.fixture
def voted(voting_process: Process) -> tuple[Process, list[str]]:
    codes = voter_codes_issue(count=4, process=voting_process)
    for code, marks in zip(codes, ([1, 2], [1, 2], [1, 5], [3]), strict=True):
        paper_ballot_enter(
            process=voting_process,
            voter=PaperVoter(voter_code=code),
            marks=[(m, None) for m in marks],
            actor=None,
        )
    return voting_process, codes


def public_urls(process: Process) -> list[str]:
    return [
        reverse("frontend:results-csv", args=[process.slug]),
        reverse("frontend:projects-geojson", args=[process.slug]),
        reverse("frontend:results-pb", args=[process.slug, citywide(process).pk]),
        f"/api/processes/{process.slug}/results/",
    ]


def step(client: Client, process: Process, name: str, **data: str) -> str:
    response = client.post(
        reverse("staff:results-step", args=[process.slug, name]), data, follow=True
    )
    assert response.status_code == 200
    return response.content.decode()


def test_close_count_review_override_publish_unpublish(
    voted: tuple[Process, list[str]], client: Client, publisher: Any
) -> None:
    process, _codes = voted
    client.force_login(publisher)
    page = client.get(reverse("staff:results", args=[process.slug])).content.decode()
    assert "Close voting now" in page

    assert "Voting is closed." in step(client, process, "close")
    assert process.phases.get(kind=PhaseKind.VOTING).state_at().value == "closed"
    for url in public_urls(process):
        assert Client().get(url).status_code == 404, url  # counted nowhere public yet
    assert (
        "Publish the reviewed results"
        not in client.get(reverse("staff:results", args=[process.slug])).content.decode()
    )

    review = step(client, process, "count")
    assert "Equal Shares" in review and "Greedy" in review
    assert 'id="review-' in review and "Publish the reviewed results" in review
    for url in public_urls(process):
        assert Client().get(url).status_code == 404, url  # a count is not a publication

    refused = step(
        client,
        process,
        "override",
        pot=str(citywide(process).pk),
        kind="add",
        project="4",
        reason="",
    )
    assert "Write the reason" in refused
    recorded = step(
        client,
        process,
        "override",
        pot=str(citywide(process).pk),
        kind="remove",
        project="1",
        reason="The library roof cannot wait another year.",
    )
    assert "The override is recorded with its reason." in recorded
    assert "The results are published." in step(client, process, "publish")
    process.refresh_from_db()
    assert process.results_published_at is not None
    for url in public_urls(process):
        assert Client().get(url).status_code == 200, url
    results = Client().get(reverse("frontend:results", args=[process.slug])).content.decode()
    assert "The city adjusted the computed outcome" in results
    assert "The library roof cannot wait another year." in results
    assert "the count funded it" in results
    assert "Project 1 was not funded although the count funded it." in results
    api = Client().get(f"/api/processes/{process.slug}/results/").json()
    assert api["pots"][0]["overrides"][0]["reason"] == "The library roof cannot wait another year."
    csv_text = Client().get(reverse("frontend:results-csv", args=[process.slug])).content.decode()
    assert any(line.split(",")[2] == "1" and ",no," in line for line in csv_text.splitlines())

    no_reason = step(client, process, "unpublish", reason="  ")
    assert "Write the reason" in no_reason
    process.refresh_from_db()
    assert process.results_published_at is not None
    step(client, process, "unpublish", reason="A polling station's box was not counted.")
    process.refresh_from_db()
    assert process.results_published_at is None
    for url in public_urls(process):
        assert Client().get(url).status_code == 404, url
    audit = AuditLog.objects.get(action="results.unpublish")
    assert audit.data["reason"] == "A polling station's box was not counted."
    actions = set(AuditLog.objects.values_list("action", flat=True))
    assert {"voting.close", "results.count", "results.override", "results.publish"} <= actions


def test_publish_is_refused_when_ballots_changed_since_the_count(
    voted: tuple[Process, list[str]], client: Client, publisher: Any, staff_with: Any
) -> None:
    process, codes = voted
    client.force_login(publisher)
    step(client, process, "close")
    step(client, process, "count")
    paper_ballot_void(
        process=process, voter=PaperVoter(voter_code=codes[3]), actor=None, reason="wrong box"
    )
    page = step(client, process, "publish")
    assert "The ballots changed since the count" in page
    process.refresh_from_db()
    assert process.results_published_at is None
    step(client, process, "count")
    step(client, process, "publish")
    process.refresh_from_db()
    assert process.results_published_at is not None


def test_raising_the_budget_counts_again_and_says_why(
    voted: tuple[Process, list[str]], client: Client, publisher: Any
) -> None:
    process, _codes = voted
    client.force_login(publisher)
    step(client, process, "close")
    step(client, process, "count")
    step(
        client,
        process,
        "override",
        pot=str(citywide(process).pk),
        kind="budget",
        budget="120000",
        reason="The council added 20,000 so the next project fits.",
    )
    step(client, process, "publish")
    results = Client().get(reverse("frontend:results", args=[process.slug])).content.decode()
    assert "The budget was raised to $120,000" in results
    assert "The council added 20,000 so the next project fits." in results


def test_the_review_in_spanish_formats_every_amount_for_the_language(
    voted: tuple[Process, list[str]], client: Client, publisher: Any, settings: Any
) -> None:
    process, _codes = voted
    client.force_login(publisher)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    step(client, process, "close")
    page = step(client, process, "count")
    assert "4 papeletas; presupuesto 100.000\xa0US$." in page
    assert "(10.000\xa0US$)</th>" in page  # project 1's cost in the review table
    refused = step(
        client,
        process,
        "override",
        pot=str(citywide(process).pk),
        kind="budget",
        budget="50000",
        reason="Testing a lower budget, which is refused.",
    )
    assert "El nuevo presupuesto debe superar 100.000\xa0US$." in refused
    step(
        client,
        process,
        "override",
        pot=str(citywide(process).pk),
        kind="budget",
        budget="120000",
        reason="El concejo añadió 20.000.",
    )
    page = client.get(reverse("staff:results", args=[process.slug])).content.decode()
    assert "El presupuesto se subió a 120.000\xa0US$ y se volvió a contar." in page


def test_the_results_page_in_spanish_gives_dates_as_the_language_writes_them(
    voted: tuple[Process, list[str]], client: Client, publisher: Any, settings: Any
) -> None:
    process, _codes = voted
    client.force_login(publisher)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    step(client, process, "close")
    page = client.get(reverse("staff:results", args=[process.slug])).content.decode()
    closed_at = process.phases.get(kind=PhaseKind.VOTING).ends_at
    # The formatter of SMS replies and resident pages ("1 dic 2026, 13:05"), not
    # Django's own DATETIME_FORMAT ("1 de diciembre de 2026 a las 13:05").
    assert f"La votación cerró el {datetime_text(closed_at, 'es')}." in page
    assert " a las " not in page
    step(client, process, "count")
    page = step(client, process, "publish")
    process.refresh_from_db()
    assert f"Publicado el {datetime_text(process.results_published_at, 'es')}." in page
