"""A pilot's scorecard: its reports (``participation.PilotReport``, posted through the
pilot API) turned into the same figures the platform's own participation gives, and
evaluated by the same criteria engine.

Each reporting period is one set of figures (reports of one period for several
neighbourhoods or channels are added up); the latest period is the scorecard, the
earlier ones its trend. Group counts are read under the city's group keys
(``"<question>.<answer>"``, e.g. ``"age_band.65_plus"``): a report's other keys are
kept in the report but feed no criterion. Pilots have no ballot or funding, so those
criteria read "not applicable"."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from equity.figures import ParticipationFigures
from equity.scorecard import Scorecard, scorecard_for_figures
from participation.models import Pilot, PilotReport


def pilot_figures(reports: Iterable[PilotReport]) -> ParticipationFigures:
    """The figures of some reports (one period's, usually), added up."""
    participants = 0
    by_channel: dict[str, int] = defaultdict(int)
    by_neighbourhood: dict[str, int] = defaultdict(int)
    by_neighbourhood_channel: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    by_group: dict[str, int] = defaultdict(int)
    for report in reports:
        participants += report.participants
        by_channel[report.channel] += report.participants
        slug = report.neighbourhood.slug if report.neighbourhood is not None else ""
        by_neighbourhood[slug] += report.participants
        by_neighbourhood_channel[slug][report.channel] += report.participants
        for key, count in (report.participants_by_group or {}).items():
            if "." in key:
                by_group[key] += int(count)
    return ParticipationFigures(
        participants=participants,
        by_channel=dict(by_channel),
        by_neighbourhood=dict(by_neighbourhood),
        by_neighbourhood_channel={k: dict(v) for k, v in by_neighbourhood_channel.items()},
        by_group=dict(by_group),
    )


def pilot_scorecard(pilot: Pilot) -> Scorecard | None:
    """The city's criteria for the pilot's latest period, trend over the earlier ones;
    None before its first report."""
    periods: dict[tuple[object, object], list[PilotReport]] = defaultdict(list)
    for report in PilotReport.objects.filter(pilot=pilot).select_related("neighbourhood"):
        periods[(report.period_start, report.period_end)].append(report)
    if not periods:
        return None
    ordered = sorted(periods)
    labelled = [
        (f"{start}/{end}", f"{start} – {end}", pilot_figures(periods[(start, end)]))
        for start, end in ordered
    ]
    *history, (label, title, figures) = labelled
    return scorecard_for_figures(
        label=label,
        title=title,
        figures=figures,
        outcomes=None,
        history=[(lab, tit, fig, None) for lab, tit, fig in history],
    )
