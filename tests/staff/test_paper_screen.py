"""The poll-worker screen, the supervisor's void, and voter codes from the staff pages."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from budgets.models import Ballot
from budgets.selectors import process_turnout
from budgets.services.results import results_publish
from budgets.tally import tally_process
from core.models import Process
from participation.models import AuditLog, Resident
from participation.services.voter_codes import voter_codes_issue
from tests.budgets.conftest import citywide, close_voting

pytestmark = pytest.mark.django_db

ENTER = "budgets.enter_paper_ballots"
VOID = "budgets.void_paper_ballots"


def screen(client: Client, process: Process, **data: str) -> Any:
    return client.post(reverse("staff:paper-entry", args=[process.slug]), data)


@pytest.fixture
def poll_worker(client: Client, staff_with: Any) -> Client:
    client.force_login(staff_with(ENTER))
    return client


def test_five_paper_ballots_at_the_screen_one_over_budget_refused_all_counted(
    voting_process: Process, poll_worker: Client, settings: Any
) -> None:
    settings.EQUITY_MIN_CELL = 1  # four voters: show the small cells in this test
    codes = voter_codes_issue(count=5, process=voting_process)
    for code in codes[:4]:
        response = screen(poll_worker, voting_process, voter_code=code, projects="1 2")
        assert response.status_code == 200
        assert "Entered." in response.content.decode()
    refused = screen(poll_worker, voting_process, voter_code=codes[4], projects="3 4 5")
    assert refused.status_code == 400
    page = refused.content.decode()
    # The web's message, from ballot_problems through paper_ballot_enter.
    assert "over the limit" in page
    # The screen keeps what was typed, and the server's running total says why.
    assert 'value="3 4 5"' in page
    assert "over the budget" in page
    assert Ballot.objects.filter(process=voting_process, channel="paper").count() == 4
    assert process_turnout(voting_process) == 4
    outcome = tally_process(voting_process)[citywide(voting_process).pk]
    assert outcome.explanations["000001"].votes == 4
    assert outcome.explanations["000003"].votes == 0
    assert AuditLog.objects.filter(action="paper.enter").count() == 4

    participation = Client().get(f"/api/processes/{voting_process.slug}/participation/").json()
    assert participation["participants"] == 4
    assert participation["by_channel"]["paper"] == 4

    close_voting(voting_process)
    results_publish(process=voting_process, actor=None)
    results = Client().get(reverse("frontend:results", args=[voting_process.slug]))
    assert "<dd>4</dd>" in results.content.decode()  # the pot's ballots: the paper ones
    rows = list(
        csv.reader(
            io.StringIO(
                Client()
                .get(reverse("frontend:results-csv", args=[voting_process.slug]))
                .content.decode()
            )
        )
    )
    votes = {row[rows[0].index("project_number")]: row[rows[0].index("votes")] for row in rows[1:]}
    assert votes["1"] == "4"


def test_double_entry_is_refused_with_the_time_of_the_first(
    voting_process: Process, poll_worker: Client
) -> None:
    (code,) = voter_codes_issue(count=1, process=voting_process)
    screen(poll_worker, voting_process, voter_code=code, projects="1")
    again = screen(poll_worker, voting_process, voter_code=code, projects="2")
    assert again.status_code == 400
    assert "Already entered on paper at" in again.content.decode()


def test_checked_identity_creates_then_finds_the_resident(
    voting_process: Process, poll_worker: Client
) -> None:
    before = Resident.objects.count()
    first = screen(
        poll_worker, voting_process, name="Ana Ruiz", address="12 River St", projects="1"
    )
    assert first.status_code == 200
    assert Resident.objects.count() == before + 1
    resident = Resident.objects.latest("pk")
    assert resident.checked_identity_hash and "Ana" not in resident.checked_identity_hash
    again = screen(
        poll_worker, voting_process, name="ana  ruiz", address="12 river st", projects="2"
    )
    assert again.status_code == 400 and "Already entered on paper" in again.content.decode()
    assert Resident.objects.count() == before + 1


def test_check_totals_without_javascript_enters_nothing(
    voting_process: Process, poll_worker: Client
) -> None:
    (code,) = voter_codes_issue(count=1, process=voting_process)
    response = screen(poll_worker, voting_process, voter_code=code, projects="4 5 1", check="1")
    assert response.status_code == 200
    assert "3 projects, $100,000 of $100,000" in response.content.decode()
    assert not Ballot.objects.exists()


@pytest.mark.parametrize(
    ("language", "total", "cost"),
    [
        ("es", "3 proyectos, 100.000\xa0US$ de 100.000\xa0US$", "<td>40.000\xa0US$</td>"),
        (
            "fr",
            "3 projets, 100\u202f000\xa0$US sur 100\u202f000\xa0$US",
            "<td>40\u202f000\xa0$US</td>",
        ),
    ],
)
def test_amounts_on_the_screen_are_formatted_for_the_language(
    voting_process: Process,
    poll_worker: Client,
    settings: Any,
    language: str,
    total: str,
    cost: str,
) -> None:
    """The running total and the project table use the one formatter (core.l10n.money),
    as the resident pages do, never the template's own number format."""
    poll_worker.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    (code,) = voter_codes_issue(count=1, process=voting_process)
    page = screen(
        poll_worker, voting_process, voter_code=code, projects="4 5 1", check="1"
    ).content.decode()
    assert total in page
    assert cost in page  # project 4 in the table of projects


def test_void_then_enter_again_both_audited(
    voting_process: Process, client: Client, staff_with: Any
) -> None:
    (code,) = voter_codes_issue(count=1, process=voting_process)
    client.force_login(staff_with(ENTER, VOID))
    screen(client, voting_process, voter_code=code, projects="1")
    void_url = reverse("staff:paper-void", args=[voting_process.slug])
    no_reason = client.post(void_url, {"voter_code": code, "reason": ""})
    assert no_reason.status_code == 400
    voided = client.post(void_url, {"voter_code": code, "reason": "Entered the wrong sheet"})
    assert voided.status_code == 200 and "Voided 1 ballot." in voided.content.decode()
    assert screen(client, voting_process, voter_code=code, projects="2").status_code == 200
    actions = list(
        AuditLog.objects.filter(action__startswith="paper.")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["paper.enter", "paper.void", "paper.enter"]
    assert AuditLog.objects.get(action="paper.void").data["reason"] == "Entered the wrong sheet"
    counted = Ballot.objects.filter(process=voting_process).counted().get()
    assert list(counted.selections.values_list("project__short_code", flat=True)) == [2]


def test_a_poll_worker_cannot_void(voting_process: Process, poll_worker: Client) -> None:
    response = poll_worker.get(reverse("staff:paper-void", args=[voting_process.slug]))
    assert response.status_code == 403


def test_issue_codes_downloads_them_once_and_prints_letters_in_spanish(
    voting_process: Process, client: Client, staff_with: Any
) -> None:
    client.force_login(staff_with("participation.issue_voter_codes"))
    url = reverse("staff:voter-codes", args=[voting_process.slug])
    assert client.get(url).status_code == 200
    before = Resident.objects.count()
    response = client.post(url, {"count": "3", "language": "es"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["voter_code"] and len(rows) == 4
    assert Resident.objects.count() == before + 3
    audit = AuditLog.objects.get(action="voter_codes.issue")
    assert audit.data["count"] == 3 and rows[1][0] not in str(audit.data)

    upload = io.BytesIO(response.content)
    upload.name = "codes.csv"
    letters = client.post(
        reverse("staff:voter-letters", args=[voting_process.slug]),
        {"codes": upload, "language": "es", "layout": "letters"},
    )
    assert letters.status_code == 200
    page = letters.content.decode()
    assert rows[1][0] in page and "Tu código de votante" in page
    assert client.post(url, {"count": "0", "language": "es"}).status_code == 400
