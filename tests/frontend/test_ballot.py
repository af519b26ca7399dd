"""The ballot page: every ballot type, errors in words, re-voting, receipts."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.test import Client

from budgets.models import Ballot, Project, Selection
from core.models import BallotType, PhaseKind, Process
from maps.models import Neighbourhood
from participation.models import Resident
from tests.frontend.conftest import close_phase, set_ballot_type, sign_in
from tests.frontend.html import parse

pytestmark = pytest.mark.django_db


def pk(process: Process, code: int) -> int:
    return Project.objects.get(process=process, short_code=code).pk


def url(process: Process) -> str:
    return f"/processes/{process.slug}/ballot/"


def receipts(html: str) -> list[str]:
    return re.findall(r'href="/receipt/([A-Z0-9]{10})"', html)


def test_ballot_lists_citywide_and_own_neighbourhood_projects(
    voter_client: Client, city: Process
) -> None:
    response = voter_client.get(url(city))
    assert response.status_code == 200
    page = parse(response.content)
    for code in range(1, 8):
        box = page.by_id(f"project-{pk(city, code)}")
        assert box is not None and box.attrs["type"] == "checkbox"
    assert page.by_id("ballot-form") is not None
    meter = page.by_id(f"meter-{city.pots.get(neighbourhood=None).pk}")
    assert meter is not None and float(meter.attrs["max"] or 0) == 100000
    assert response["Cache-Control"].startswith("max-age=0")


def test_vote_within_budget_shows_receipts(voter_client: Client, city: Process) -> None:
    response = voter_client.post(url(city), {"project": [pk(city, 1), pk(city, 2), pk(city, 6)]})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Your ballot is counted" in html
    codes = receipts(html)
    assert len(codes) == 2  # city-wide and Riverside pots
    assert f"{codes[0][:5]}-{codes[0][5:]}" in html
    assert Ballot.objects.filter(process=city).count() == 2
    assert "no-store" in response["Cache-Control"]


def test_a_session_whose_resident_is_gone_is_sent_to_sign_in(
    voter_client: Client, voter: Resident, city: Process
) -> None:
    """A cast reads the resident under its lock, not before: if they are gone, the
    page sends the visitor to sign in again (never a 500), and nothing is cast."""
    voter.delete()
    for response in (
        voter_client.post(url(city), {"project": [pk(city, 1)]}),
        voter_client.get(url(city)),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith("/sign-in/")
    assert Ballot.objects.count() == 0


def test_a_signed_in_cast_page_says_signed_in(voter_client: Client, city: Process) -> None:
    """The confirmation's header knows the resident from the cast itself."""
    response = voter_client.post(url(city), {"project": [pk(city, 1)]})
    assert response.status_code == 200
    assert parse(response.content).by_id("sign-out-form") is not None


def test_over_budget_is_an_error_in_words_next_to_the_form(
    voter_client: Client, city: Process
) -> None:
    chosen = [pk(city, 3), pk(city, 4), pk(city, 5)]  # 120,000 of 100,000
    response = voter_client.post(url(city), {"project": chosen})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Your choices cost $120,000, which is $20,000 over the limit of $100,000" in html
    page = parse(html)
    summary = page.by_id("error-summary")
    assert summary is not None and summary.attrs["role"] == "alert"
    citywide = city.pots.get(neighbourhood=None)
    assert f'href="#pot-{citywide.pk}"' in html
    # The choices are kept ticked, and nothing was cast.
    for project_id in chosen:
        box = page.by_id(f"project-{project_id}")
        assert box is not None and "checked" in box.attrs
    assert not Ballot.objects.exists()


def test_revote_replaces_the_earlier_ballot(voter_client: Client, city: Process) -> None:
    first = receipts(voter_client.post(url(city), {"project": [pk(city, 1)]}).content.decode())
    page = voter_client.get(url(city)).content.decode()
    assert 'id="already-voted"' in page
    second_html = voter_client.post(url(city), {"project": [pk(city, 2)]}).content.decode()
    assert "It replaces your earlier ballot" in second_html
    second = receipts(second_html)
    ballot = Ballot.objects.get(process=city)
    assert list(ballot.selections.values_list("project__short_code", flat=True)) == [2]
    assert ballot.receipt == second[0]

    replaced = Client().get(f"/receipt/{first[0]}")
    assert replaced.status_code == 200
    assert "Replaced by a later ballot." in replaced.content.decode()
    counted = Client().get(f"/receipt/?code={second[0].lower()}")
    assert "Counted." in counted.content.decode()


def test_receipt_page_never_shows_the_choices(voter_client: Client, city: Process) -> None:
    [code] = receipts(voter_client.post(url(city), {"project": [pk(city, 4)]}).content.decode())
    html = Client().get(f"/receipt/{code[:5]}-{code[5:]}/").content.decode()
    assert "Counted." in html
    assert Project.objects.get(pk=pk(city, 4)).title not in html


def test_unknown_receipt_is_404_with_the_form(client: Client, db: None) -> None:
    response = client.get("/receipt/?code=NOPE")
    assert response.status_code == 404
    html = response.content.decode()
    assert "We found no ballot with the receipt code" in html
    assert 'id="receipt-form"' in html
    assert client.get("/receipt/").status_code == 200
    assert client.get("/receipt/" + "x" * 60).status_code == 404
    assert client.get("/receipt/?code=" + "x" * 60).status_code == 400


def test_plain_form_post_as_sent_without_javascript(voter: Resident, city: Process) -> None:
    """What a browser with JavaScript off sends: the page's own CSRF token and the
    ticked checkboxes, nothing else."""
    browser = sign_in(Client(enforce_csrf_checks=True), voter)
    page = parse(browser.get(url(city)).content)
    token = next(
        t.attrs["value"]
        for t in page.named("input")
        if t.attrs.get("name") == "csrfmiddlewaretoken"
    )
    response = browser.post(
        url(city), {"csrfmiddlewaretoken": token, "project": [str(pk(city, 2)), str(pk(city, 7))]}
    )
    assert response.status_code == 200
    assert "Your ballot is counted" in response.content.decode()
    assert Selection.objects.count() == 2


def test_ballot_post_without_csrf_token_is_refused(voter: Resident, city: Process) -> None:
    browser = sign_in(Client(enforce_csrf_checks=True), voter)
    response = browser.post(url(city), {"project": [pk(city, 1)]})
    assert response.status_code == 403
    assert not Ballot.objects.exists()


def test_k_of_n_too_many(voter_client: Client, city: Process) -> None:
    set_ballot_type(city, BallotType.K_OF_N, max_projects=2)
    page = voter_client.get(url(city)).content.decode()
    assert "Tick up to 2 projects." in page
    response = voter_client.post(url(city), {"project": [pk(city, 1), pk(city, 2), pk(city, 3)]})
    assert response.status_code == 400
    assert "Choose at most 2 projects (you chose 3)." in response.content.decode()
    ok = voter_client.post(url(city), {"project": [pk(city, 1), pk(city, 2)]})
    assert ok.status_code == 200


def test_cumulative_points(voter_client: Client, city: Process) -> None:
    set_ballot_type(city, BallotType.CUMULATIVE, max_points_per_project=5, max_total_points=10)
    page = parse(voter_client.get(url(city)).content)
    field = page.by_id(f"points-{pk(city, 1)}")
    assert field is not None and field.attrs["type"] == "number"
    bad = voter_client.post(url(city), {f"points-{pk(city, 1)}": "lots"})
    assert bad.status_code == 400
    assert f'href="#points-{pk(city, 1)}"' in bad.content.decode()
    too_many = voter_client.post(
        url(city),
        {f"points-{pk(city, 1)}": "5", f"points-{pk(city, 2)}": "5", f"points-{pk(city, 3)}": "5"},
    )
    assert too_many.status_code == 400
    assert "You gave 15 points; the most you can give is 10." in too_many.content.decode()
    ok = voter_client.post(url(city), {f"points-{pk(city, 1)}": "4", f"points-{pk(city, 2)}": "1"})
    assert ok.status_code == 200
    points = dict(Selection.objects.values_list("project__short_code", "points"))
    assert points == {1: 4, 2: 1}


def test_ranked(voter_client: Client, city: Process) -> None:
    set_ballot_type(city, BallotType.RANKED, max_projects=3)
    page = parse(voter_client.get(url(city)).content)
    select = page.by_id(f"rank-{pk(city, 1)}")
    assert select is not None and select.name == "select"
    dupe = voter_client.post(url(city), {f"rank-{pk(city, 1)}": "1", f"rank-{pk(city, 2)}": "1"})
    assert dupe.status_code == 400
    assert "Rank 1 is given to more than one project (1, 2)." in dupe.content.decode()
    ok = voter_client.post(
        url(city),
        {f"rank-{pk(city, 3)}": "1", f"rank-{pk(city, 1)}": "2", f"rank-{pk(city, 2)}": "3"},
    )
    assert ok.status_code == 200
    ranks = dict(Selection.objects.values_list("project__short_code", "rank"))
    assert ranks == {3: 1, 1: 2, 2: 3}


def test_voting_closed(voter_client: Client, city: Process) -> None:
    close_phase(city, PhaseKind.VOTING)
    page = voter_client.get(url(city))
    assert page.status_code == 200
    assert 'id="voting-closed"' in page.content.decode()
    assert 'id="ballot-form"' not in page.content.decode()
    refused = voter_client.post(url(city), {"project": [pk(city, 1)]})
    assert refused.status_code == 400
    assert "Voting is closed." in refused.content.decode()


@pytest.mark.parametrize(
    "data",
    [
        {"project": "abc"},
        {"project": "-3"},
        {"project": "99999999999999999999"},
        {"project": ["1"] * 600},
        {},
    ],
)
def test_garbage_ballots_are_400_not_500(
    voter_client: Client, city: Process, data: dict[str, object]
) -> None:
    response = voter_client.post(url(city), data)
    assert response.status_code == 400
    assert 'id="error-summary"' in response.content.decode()


def test_resident_without_neighbourhood_is_asked_once(
    client: Client, resident: Resident, city: Process, area: Neighbourhood
) -> None:
    sign_in(client, resident)
    page = client.get(url(city)).content.decode()
    assert 'id="claim-form"' in page
    assert f'id="project-{pk(city, 6)}"' not in page  # local pot hidden until then
    response = client.post("/me/neighbourhood/", {"neighbourhood": area.pk, "next": url(city)})
    assert response.status_code == 302
    assert response["Location"] == url(city)
    resident.refresh_from_db()
    assert resident.neighbourhood == area
    other = Neighbourhood.objects.create(name="Elsewhere", slug="elsewhere", boundary=area.boundary)
    again = client.post("/me/neighbourhood/", {"neighbourhood": other.pk})
    assert again.status_code == 400
    assert "Your neighbourhood is already set" in again.content.decode()
    assert client.post("/me/neighbourhood/", {"neighbourhood": "nope"}).status_code == 400


def test_unknown_process_ballot_is_404(voter_client: Client, db: None) -> None:
    assert voter_client.get("/processes/nope/ballot/").status_code == 404


def test_confirmation_shows_remaining_budget(voter_client: Client, city: Process) -> None:
    html = voter_client.post(url(city), {"project": [pk(city, 1)]}).content.decode()
    assert "Total cost $10,000; $90,000 of this budget left unspent." in html
    assert Decimal("10000") == Project.objects.get(pk=pk(city, 1)).cost
