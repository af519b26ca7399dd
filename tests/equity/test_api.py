"""The equity API's JSON keys, as the issues name them."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from budgets.ballot_validation import Choice
from budgets.services.ballots import ballot_cast
from core.models import Channel

pytestmark = pytest.mark.django_db


@pytest.fixture
def process(voting_process: Any, resident_factory: Any) -> Any:
    project = voting_process.projects.get(short_code=1)
    for channel in (Channel.WEB, Channel.SMS, Channel.PAPER, Channel.API):
        ballot_cast(
            resident=resident_factory(),
            process=voting_process,
            choices=[Choice(project.pk)],
            channel=channel,
        )
    return voting_process


def test_participation_keys(client: Client, process: Any) -> None:
    body = client.get(f"/api/processes/{process.slug}/participation/").json()
    assert body["participants"] == 4
    assert {"web", "sms", "paper"} <= set(body["by_channel"])
    # one each: every channel cell is below the minimum, so withheld
    assert body["by_channel"]["web"] is None
    assert {"by_neighbourhood", "by_group", "by_phase", "min_cell"} <= set(body)
    assert set(body["by_group"]) == {"age_band", "gender", "tenure"}


def test_scorecard_keys(client: Client, process: Any) -> None:
    body = client.get(f"/api/processes/{process.slug}/scorecard/").json()
    assert body["criteria"]
    for criterion in body["criteria"]:
        assert {"key", "principle", "value", "target", "met", "trend"} <= set(criterion)
    keys = {c["key"] for c in body["criteria"]}
    named = {"inclusion", "representativeness_age", "access", "ownership_ballot"}
    named |= {"ownership_funded", "fair_investment", "responsiveness", "accountability"}
    assert named <= keys


def test_funnel_keys(client: Client, process: Any) -> None:
    body = client.get(f"/api/processes/{process.slug}/funnel/").json()
    assert body["steps"] == ["reached", "engaged", "verified", "voted"]
    assert [s["step"] for s in body["overall"]] == body["steps"]
    assert {"by_group", "by_channel"} <= set(body)


@pytest.mark.parametrize("kind", ["participation", "scorecard", "funnel"])
def test_unknown_process_is_404(client: Client, db: None, kind: str) -> None:
    assert client.get(f"/api/processes/nope/{kind}/").status_code == 404
