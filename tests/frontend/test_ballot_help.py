"""The ballot states its limits in its instructions (read from ballot_limits), its
meter shows an over-budget total beyond the "high" mark, and a signed-out resident
sent to sign-in is told why and comes back."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from budgets.models import Project
from core.models import BallotType, Process
from participation.models import Resident
from tests.frontend.conftest import set_ballot_type
from tests.frontend.html import parse

pytestmark = pytest.mark.django_db


def url(process: Process) -> str:
    return f"/processes/{process.slug}/ballot/"


def limits_text(client: Client, process: Process) -> list[str]:
    html = client.get(url(process)).content.decode()
    page = parse(html)
    assert page.by_id("ballot-help") is not None
    start = html.index('<ul id="ballot-limits">')
    items = html[start : html.index("</ul>", start)]
    return [item.split("</li>")[0] for item in items.split("<li>")[1:]]


def test_approval_states_each_funds_cap(voter_client: Client, city: Process) -> None:
    assert limits_text(voter_client, city) == [
        "Each fund is a ballot of its own; these limits apply to each.",
        "City-wide: your choices may cost up to $100,000.",
        "Riverside: your choices may cost up to $30,000.",
    ]


def test_a_per_ballot_cap_below_the_pot_is_the_stated_cap(
    voter_client: Client, city: Process
) -> None:
    set_ballot_type(city, BallotType.APPROVAL, max_total_cost=Decimal("25000"), min_projects=2)
    assert limits_text(voter_client, city) == [
        "Each fund is a ballot of its own; these limits apply to each.",
        "Choose at least 2 projects.",
        "City-wide: your choices may cost up to $25,000.",
        "Riverside: your choices may cost up to $25,000.",
    ]


def test_cumulative_states_the_points(voter_client: Client, city: Process) -> None:
    set_ballot_type(city, BallotType.CUMULATIVE, max_points_per_project=5, max_total_points=10)
    assert limits_text(voter_client, city) == [
        "Each fund is a ballot of its own; these limits apply to each.",
        "At most 5 points per project.",
        "At most 10 points in all.",
    ]


def test_ranked_states_how_many_ranks(voter_client: Client, city: Process) -> None:
    set_ballot_type(city, BallotType.RANKED, max_projects=3)
    lines = limits_text(voter_client, city)
    assert "Rank at most 3 projects." in lines
    page = voter_client.get(url(city)).content.decode()
    # Each rank field says which project it is, for the live duplicate check.
    project = Project.objects.get(process=city, short_code=2)
    field = parse(page).by_id(f"rank-{project.pk}")
    assert field is not None and field.attrs["data-code"] == "2"
    assert "Rank {rank} is given to more than one project ({codes})" in page


def test_spanish_instructions(voter_client: Client, city: Process) -> None:
    set_ballot_type(city, BallotType.CUMULATIVE, max_points_per_project=5, max_total_points=10)
    html = voter_client.get(url(city), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Como máximo 5 puntos por proyecto." in html
    assert "Como máximo 10 puntos en total." in html


def test_the_meter_grows_past_the_cap_when_over(voter_client: Client, city: Process) -> None:
    """Without JavaScript: a refused over-budget ballot comes back with the meter's scale
    past the cap (value above "high": drawn red) and the words "Over the budget"."""
    ids = list(
        Project.objects.filter(process=city, short_code__in=[3, 4, 5]).values_list("pk", flat=True)
    )
    response = voter_client.post(url(city), {"project": ids})  # 120,000 of 100,000
    assert response.status_code == 400
    page = parse(response.content)
    citywide = city.pots.get(neighbourhood=None)
    meter = page.by_id(f"meter-{citywide.pk}")
    assert meter is not None
    assert meter.attrs["high"] == meter.attrs["low"] == "100000.00"
    assert meter.attrs["optimum"] == "0"
    assert Decimal(meter.attrs["value"] or "") == Decimal("120000")
    assert Decimal(meter.attrs["max"] or "") == Decimal("120000")
    text = page.by_id(f"meter-text-{citywide.pk}")
    assert text is not None and "over" in (text.attrs["class"] or "")
    assert "Over the budget. You chose $120,000 of $100,000." in response.content.decode()


def test_the_meter_within_budget_keeps_the_cap_as_its_scale(
    voter_client: Client, city: Process
) -> None:
    page = parse(voter_client.get(url(city)).content)
    citywide = city.pots.get(neighbourhood=None)
    meter = page.by_id(f"meter-{citywide.pk}")
    assert meter is not None
    assert Decimal(meter.attrs["max"] or "") == Decimal("100000")


@pytest.mark.parametrize(
    ("path", "why"),
    [
        ("/processes/budget-2027/ballot/", "Sign in to vote."),
        ("/processes/budget-2027/propose/", "Sign in to propose an idea."),
        ("/me/activity/", "Sign in to see your activity"),
    ],
)
def test_sign_in_says_why_and_keeps_where_to_return(
    client: Client, city: Process, path: str, why: str
) -> None:
    response = client.get(path)
    assert response.status_code == 302
    sign_in_page = client.get(response["Location"])
    html = sign_in_page.content.decode()
    assert why in html
    assert f'name="next" value="{path}"' in html
    # The voter-code route keeps both too.
    assert f"/sign-in/voter-code/?next={path}" in html


def test_sign_in_from_nowhere_in_particular_says_nothing_more(client: Client) -> None:
    html = client.get("/sign-in/?next=/").content.decode()
    assert 'id="sign-in-why"' not in html


def test_after_the_code_the_resident_lands_on_the_ballot(
    client: Client, city: Process, resident: Resident, django_capture_on_commit_callbacks: Any
) -> None:
    from accounts.session import SESSION_PENDING_PHONE
    from sms import outbox

    first = client.get(url(city))
    assert first.status_code == 302
    sign_in_page = first["Location"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(sign_in_page, {"phone": "+1 415 555 0199", "next": url(city)})
    assert response.status_code == 302
    assert client.session[SESSION_PENDING_PHONE] == "+14155550199"
    code_page = client.get(response["Location"]).content.decode()
    assert "Sign in to vote." in code_page
    code = "".join(ch for ch in outbox.messages[-1].body if ch.isdigit())[:6]
    done = client.post(response["Location"], {"code": code, "next": url(city)})
    assert done.status_code == 302
    assert done["Location"] == url(city)
