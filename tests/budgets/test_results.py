from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from budgets.ballot_validation import Choice
from budgets.models import TallyRun
from budgets.results import process_results
from budgets.services.ballots import ballot_cast
from budgets.services.results import ResultsError, results_publish
from budgets.tally import election_for_pot, tally_process
from core.models import TallyRule
from participation.models import AuditLog
from tests.budgets.conftest import citywide, close_voting, project
from tests.factories import ResidentFactory, grant

pytestmark = pytest.mark.django_db


def vote(process, *codes: int) -> None:  # type: ignore[no-untyped-def]
    ballot_cast(
        resident=ResidentFactory(),
        process=process,
        choices=[Choice(project(process, c).pk) for c in codes],
        channel="web",
    )


@pytest.fixture
def voted(voting_process):  # type: ignore[no-untyped-def]
    # Budget 100k; costs 10k·code. Votes: 1 ×5, 2 ×4, 5 ×3, 4 ×2, 3 ×1.
    for codes in [(1, 2, 5), (1, 2, 5), (1, 2, 5), (1, 2, 4), (1, 4, 3)]:
        vote(voting_process, *codes)
    return voting_process


def test_election_from_database_merges_identical_ballots(voted) -> None:  # type: ignore[no-untyped-def]
    election, projects = election_for_pot(voted, citywide(voted))
    assert election.num_voters == 5
    assert sorted(b.weight for b in election.ballots) == [1, 1, 3]
    assert election.budget == 100_000
    assert election.project_votes == {
        "000001": 5,
        "000002": 4,
        "000003": 1,
        "000004": 2,
        "000005": 3,
    }
    assert projects["000005"].short_code == 5


def test_greedy_tally_funds_in_vote_order_and_explains(voted) -> None:  # type: ignore[no-untyped-def]
    (outcome,) = tally_process(voted).values()
    # 1 (10k) → 2 (20k) → 5 (50k) = 80k; 4 (40k) does not fit (20k left); 3 (30k) neither.
    assert outcome.selected == ["000001", "000002", "000005"]
    assert outcome.explanations["000004"].reason == "did_not_fit"
    assert outcome.explanations["000004"].remaining_budget == 20_000


def test_results_hidden_until_published(voted, client) -> None:  # type: ignore[no-untyped-def]
    assert process_results(voted) is None
    response = client.get(f"/api/processes/{voted.slug}/results/")
    assert response.status_code == 404
    assert "not published" in response.json()["detail"]


def test_publish_refused_while_voting_is_open(voted) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ResultsError, match="not closed"):
        results_publish(process=voted, actor=None)


@pytest.fixture
def publisher(staff_user):  # type: ignore[no-untyped-def]
    return grant(staff_user, "core.publish_results")


def test_publish_needs_the_permission(voted, staff_user) -> None:  # type: ignore[no-untyped-def]
    close_voting(voted)
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        results_publish(process=voted, actor=staff_user)
    assert not TallyRun.objects.exists()


def test_publish_freezes_results_with_reasons(voted, publisher, client) -> None:  # type: ignore[no-untyped-def]
    close_voting(voted)
    (run,) = results_publish(process=voted, actor=publisher)
    assert run.ballots_counted == 5
    assert run.spent == Decimal("80000")
    assert [project(voted, c).pk for c in (1, 2, 5)] == run.selected
    with pytest.raises(ResultsError, match="already"):
        results_publish(process=voted, actor=publisher)
    (pot_result,) = process_results(voted) or []
    funded = [r.project.short_code for r in pot_result.funded]
    assert funded == [1, 2, 5]
    reasons = {r.project.short_code: r.reason for r in pot_result.projects}
    assert reasons[4] == "Did not fit: 20,000 USD left when its turn came, and it costs 40,000 USD."
    assert reasons[1].startswith("Funded: 5 votes")
    api = client.get(f"/api/processes/{voted.slug}/results/").json()
    assert api["pots"][0]["spent"] == "80000.00"
    assert {p["short_code"] for p in api["pots"][0]["projects"] if p["funded"]} == {1, 2, 5}
    audit = AuditLog.objects.get(action="results.publish")
    assert audit.actor == publisher


def test_mes_results_explain_price_per_supporter(voted, publisher) -> None:  # type: ignore[no-untyped-def]
    voted.rule = TallyRule.MES
    voted.save()
    close_voting(voted)
    results_publish(process=voted, actor=publisher)
    (pot_result,) = process_results(voted) or []
    funded = pot_result.funded
    assert funded
    assert any("supporters paid up to" in r.reason for r in funded)
    assert TallyRun.objects.get().rule == "mes_cost"


def test_withdrawn_project_does_not_count_but_its_voters_do(voted) -> None:  # type: ignore[no-untyped-def]
    gone = project(voted, 3)
    gone.withdrawn = True
    gone.save()
    election, _ = election_for_pot(voted, citywide(voted))
    assert "000003" not in election.project_votes
    assert election.num_voters == 5


def test_results_published_event(
    voted, publisher, django_capture_on_commit_callbacks, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    sent = []
    monkeypatch.setattr("core.live.broadcast", lambda pid, event: sent.append(event["kind"]))
    close_voting(voted)
    with django_capture_on_commit_callbacks(execute=True):
        results_publish(process=voted, actor=publisher)
    assert sent == ["results"]


def test_receipt_api(voting_process, client) -> None:  # type: ignore[no-untyped-def]
    result = ballot_cast(
        resident=ResidentFactory(),
        process=voting_process,
        choices=[Choice(project(voting_process, 1).pk)],
        channel="paper",
    )
    code = result.receipts[0].receipt
    data = client.get(f"/api/receipts/{code}/").json()
    assert data["counted"] is True and data["channel"] == "paper"
    assert "selections" not in data and "projects" not in data
    assert client.get("/api/receipts/NOPE/").status_code == 404


def test_api_never_shows_counts_before_publication(voted, client) -> None:  # type: ignore[no-untyped-def]
    for url in (
        "/api/processes/",
        f"/api/processes/{voted.slug}/",
        f"/api/processes/{voted.slug}/projects/",
    ):
        text = client.get(url).content.decode()
        assert '"votes":' not in text and '"score":' not in text, url


def test_close_voting_helper_sets_a_past_window(voting_process) -> None:  # type: ignore[no-untyped-def]
    phase = close_voting(voting_process)
    assert phase.ends_at < timezone.now() and phase.ends_at - phase.starts_at == dt.timedelta(
        days=3
    )


def test_staff_publish_results_from_the_admin(voted, admin_client) -> None:  # type: ignore[no-untyped-def]
    close_voting(voted)
    response = admin_client.post(
        "/admin/core/process/",
        {"action": "publish_results", "_selected_action": [voted.pk]},
        follow=True,
    )
    assert response.status_code == 200
    voted.refresh_from_db()
    assert voted.results_published_at is not None
    assert AuditLog.objects.filter(action="results.publish").exists()


def test_staff_without_permission_cannot_publish(voted, client, staff_user) -> None:  # type: ignore[no-untyped-def]
    close_voting(voted)
    client.force_login(staff_user)  # staff, but no budgets permissions
    response = client.post(
        "/admin/core/process/", {"action": "publish_results", "_selected_action": [voted.pk]}
    )
    assert response.status_code == 403
    voted.refresh_from_db()
    assert voted.results_published_at is None
