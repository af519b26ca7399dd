"""A pilot's reports, posted through the pilot service, feed the same criteria engine."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from equity.pilot_scorecard import pilot_scorecard
from participation.services.pilots import PilotReportInput, pilot_report_submit

pytestmark = pytest.mark.django_db


def test_pilot_scorecard_from_its_reports(
    settings: Any, neighbourhood_factory: Any, pilot_factory: Any
) -> None:
    settings.EQUITY_MIN_CELL = 10
    north = neighbourhood_factory(slug="north", population=4000, need_index=Decimal("1.4"))
    south = neighbourhood_factory(slug="south", population=6000)
    pilot = pilot_factory(slug="air-sensors")
    january = (dt.date(2027, 1, 1), dt.date(2027, 1, 31))
    february = (dt.date(2027, 2, 1), dt.date(2027, 2, 28))
    for (start, end), hood, channel, people in [
        (january, north, "in_person", 20),
        (january, south, "web", 20),
        (february, north, "in_person", 60),
        (february, north, "web", 20),
        (february, south, "web", 40),
    ]:
        pilot_report_submit(
            pilot=pilot,
            data=PilotReportInput(
                period_start=start, period_end=end, neighbourhood=hood.slug,
                channel=channel, participants=people,
            ),
        )  # fmt: skip
    card = pilot_scorecard(pilot)
    assert card is not None and card.participants == 120
    got = {c.criterion.key: c for c in card.criteria}
    # February: North 80/4000 = 0.02, South 40/6000: lowest ÷ highest = 1/3
    assert got["inclusion"].criterion.value == 0.3333
    # 60 of 120 in person
    assert got["access"].criterion.value == 0.5
    assert got["turnout"].criterion.value == 0.012
    assert [t.value for t in got["turnout"].trend] == [0.004, 0.012]  # January 40/10,000
    # no ballot, no funding: not applicable
    assert got["ownership_funded"].criterion.met is None
    assert got["responsiveness"].criterion.value is None


def test_pilot_reports_by_group_feed_its_representativeness(
    settings: Any, neighbourhood_factory: Any, pilot_factory: Any
) -> None:
    """Posted through the API under the city's group keys, a pilot's groups are what
    its representativeness criterion reads (hand-worked below)."""
    from rest_framework.test import APIClient

    from participation.services.pilots import pilot_token_rotate

    settings.EQUITY_MIN_CELL = 10
    census = {"under_18": 2000, "18_29": 2000, "30_44": 2200, "45_64": 2400, "65_plus": 1400}
    neighbourhood_factory(
        slug="north",
        population=10_000,
        demographics={f"age_band.{k}": v for k, v in census.items()},
    )
    pilot = pilot_factory(slug="benches")
    token = pilot_token_rotate(pilot=pilot, actor=None)
    groups = {"age_band.under_18": 20, "age_band.18_29": 40, "age_band.30_44": 40}
    groups |= {"age_band.45_64": 40, "age_band.65_plus": 60, "age_band.not_given": 50}
    body = {
        "period_start": "2027-01-01",
        "period_end": "2027-01-31",
        "neighbourhood": "north",
        "channel": "in_person",
        "participants": 250,
        "participants_by_group": groups,
    }
    response = APIClient().post(
        "/api/pilots/benches/reports/", body, format="json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == 201, response.content
    card = pilot_scorecard(pilot)
    assert card is not None
    age = next(c.criterion for c in card.criteria if c.criterion.key == "representativeness_age")
    # Shares among the 200 who answered: .1 .2 .2 .2 .3; census .2 .2 .22 .24 .14;
    # ½(.1 + 0 + .02 + .04 + .16) = .16.
    assert age.value == 0.16 and age.met is False
    rows = {d["group"]: d for d in age.details}
    assert rows["age_band.65_plus"]["participants"] == 60
    assert rows["age_band.65_plus"]["share"] == 0.24  # of all 250
    assert rows["age_band.65_plus"]["index"] == 2.1429  # .3 ÷ .14
    assert rows["age_band.not_given"]["participants"] == 50
