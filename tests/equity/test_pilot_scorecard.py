"""A pilot's reports, posted through the pilot service, feed the same criteria engine."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from equity.pilots import pilot_scorecard
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
