"""A pilot's scorecard: its reports (``participation.PilotReport``, posted through the
pilot API) turned into the same figures the platform's own participation gives, and
evaluated by the same criteria (``equity.scorecard.scorecard_for_figures``).

Each reporting period is one point of the trend, the latest the current value. Within a
period, the reports of different neighbourhoods and channels count different people
(that is what the report's key means), so they add up. Group counts are the city's
group keys (``"<question>.<answer>"``, which the pilot API accepts and no other), so
they feed the representativeness criteria as the residents' own answers do. A pilot has
no ideas, ballot or funding of its own: those criteria read "not applicable"."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from equity.figures import ParticipationFigures
from equity.scorecard import Scorecard, scorecard_for_figures
from participation.demographics import known_group_keys
from participation.models import Pilot, PilotReport


def pilot_period_figures(reports: Iterable[PilotReport]) -> ParticipationFigures:
    """One period's reports as participation figures (channel, neighbourhood, group)."""
    known = known_group_keys()
    participants = 0
    by_channel: dict[str, int] = defaultdict(int)
    by_neighbourhood: dict[str, int] = defaultdict(int)
    by_place_channel: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    by_group: dict[str, int] = defaultdict(int)
    for report in reports:
        place = report.neighbourhood.slug if report.neighbourhood else ""
        participants += report.participants
        by_channel[report.channel] += report.participants
        by_neighbourhood[place] += report.participants
        by_place_channel[place][report.channel] += report.participants
        for key, count in (report.participants_by_group or {}).items():
            # A report stored before keys were checked may hold other keys: kept in
            # the report, counted nowhere.
            if key in known:
                by_group[key] += int(count)
    return ParticipationFigures(
        participants=participants,
        by_channel=dict(by_channel),
        by_neighbourhood=dict(by_neighbourhood),
        by_neighbourhood_channel={k: dict(v) for k, v in by_place_channel.items()},
        by_group=dict(by_group),
    )


def pilot_scorecard(pilot: Pilot) -> Scorecard | None:
    """The scorecard of ``pilot``'s latest period, with earlier periods as its trend;
    None while it has reported nothing."""
    periods: dict[tuple[dt.date, dt.date], list[PilotReport]] = defaultdict(list)
    for report in pilot.reports.select_related("neighbourhood").order_by("period_start", "pk"):
        periods[(report.period_start, report.period_end)].append(report)
    if not periods:
        return None
    ordered = sorted(periods.items(), key=lambda item: item[0])
    labelled = [
        (f"{start}/{end}", f"{start} – {end}", pilot_period_figures(reports))
        for (start, end), reports in ordered
    ]
    *history, (label, title, figures) = labelled
    return scorecard_for_figures(
        label=label,
        title=title,
        figures=figures,
        outcomes=None,
        history=[(lab, tit, fig, None) for lab, tit, fig in history],
    )
