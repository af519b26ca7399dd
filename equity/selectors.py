"""Figures of a process read from the database, set-based: a handful of grouped
queries over the participation record, whatever the number of residents. Nothing here
reads a ballot's choices; the only ballot-side tables read are projects and published
outcomes (public anyway)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from statistics import median
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper
from django.db.models import Min
from django.utils import timezone

from budgets.models import Project, ProjectUpdate
from budgets.results import process_funded_ids
from core.models import Channel, Process
from equity.figures import Census, NeighbourhoodCensus, OutcomeFigures, ParticipationFigures
from maps.models import Neighbourhood
from participation.demographics import DEMOGRAPHIC_QUESTIONS, NOT_GIVEN
from participation.models import ParticipationFact, ParticipationKind, Proposal, Resident

FACTS = ParticipationFact._meta.db_table
RESIDENTS = Resident._meta.db_table
NEIGHBOURHOODS = Neighbourhood._meta.db_table

# The funnel's steps, in order; a resident's step is the furthest they reached.
FUNNEL_STEPS = ("reached", "engaged", "verified", "voted")
_STEP_OF_KIND = {
    ParticipationKind.REACHED: 1,
    ParticipationKind.TEXT: 2,
    ParticipationKind.IDEA: 2,
    ParticipationKind.COMMENT: 2,
    ParticipationKind.SUPPORT: 2,
    ParticipationKind.VERIFIED: 3,
    ParticipationKind.VOTE: 4,
}
PHASE_OF_KIND = {
    ParticipationKind.IDEA: "ideas",
    ParticipationKind.COMMENT: "comments",
    ParticipationKind.SUPPORT: "supports",
    ParticipationKind.VOTE: "votes",
}
PUBLIC_CHANNELS = (Channel.WEB, Channel.SMS, Channel.PAPER, Channel.API)
# Memory for grouping the voters (PostgreSQL's work_mem, for that transaction only).
# The planner cannot tell how few groups of neighbourhood × channel × answers the
# voters form (the answers are JSON), so at the server's default (4MB) it sorts every
# voter row on disk to group them; with this it hashes them in memory. Not for the
# funnel: given the memory, the planner would hash the whole record by resident
# instead of walking ``participation_fact_resident`` in order, which is slower.
VOTER_GROUPS_WORK_MEM = "32MB"


@contextmanager
def _figures_cursor(*, work_mem: str | None = None) -> Iterator[CursorWrapper]:
    """A cursor for a figure's grouped queries, in one transaction: they read one
    snapshot, so the breakdowns of a figure agree with each other. ``work_mem``, on
    PostgreSQL, is set for that transaction alone (a pooled connection goes back
    with the server's own)."""
    with transaction.atomic(), connection.cursor() as cursor:
        if work_mem is not None and connection.vendor == "postgresql":
            cursor.execute("SELECT set_config('work_mem', %s, true)", [work_mem])
        yield cursor


def _answer_sql(question: str) -> tuple[str, list[str]]:
    """SQL for one self-reported answer of the resident row ``r`` (NULL when none)."""
    if connection.vendor == "postgresql":
        return "r.demographics ->> %s", [question]
    return "json_extract(r.demographics, %s)", [f'$."{question}"']


def _answers_sql(questions: Sequence[str]) -> tuple[list[str], list[str]]:
    columns, params = [], []
    for question in questions:
        sql, p = _answer_sql(question)
        columns.append(sql)
        params += p
    return columns, params


def _clean_answer(question: str, answer: object) -> str:
    allowed = DEMOGRAPHIC_QUESTIONS.get(question, ())
    return answer if isinstance(answer, str) and answer in allowed else NOT_GIVEN


def _voters_sql(process_id: int) -> tuple[str, list[Any]]:
    """One row per voter of the process with the channel of their latest voting day
    (the channel of the counted ballot: a paper vote is final, a later web vote
    replaces an earlier one)."""
    if connection.vendor == "postgresql":
        # Both keys descending, so ``participation_fact_voters`` (its vote rows in
        # resident, day order, with the channel) is walked backwards as it is: no
        # sort, no heap. "resident_id, day DESC" would need a sort.
        return (
            f"SELECT DISTINCT ON (resident_id) resident_id, channel FROM {FACTS} "
            "WHERE process_id = %s AND kind = %s ORDER BY resident_id DESC, day DESC",
            [process_id, ParticipationKind.VOTE],
        )
    return (
        f"SELECT f.resident_id, f.channel FROM {FACTS} f JOIN ("
        f"SELECT resident_id, MAX(day) AS day FROM {FACTS} WHERE process_id = %s "
        "AND kind = %s GROUP BY resident_id) last "
        "ON last.resident_id = f.resident_id AND last.day = f.day "
        "WHERE f.process_id = %s AND f.kind = %s",
        [process_id, ParticipationKind.VOTE, process_id, ParticipationKind.VOTE],
    )


def process_participation(process: Process | int) -> ParticipationFigures:
    """Voters of the process, each once, by channel, neighbourhood and group; and
    residents per phase (ideas, comments, supports, votes). Two grouped queries, the
    voters' reading ``participation_fact_voters`` alone."""
    process_id = process if isinstance(process, int) else process.pk
    questions = list(DEMOGRAPHIC_QUESTIONS)
    answer_columns, answer_params = _answers_sql(questions)
    voters_sql, voters_params = _voters_sql(process_id)
    group_by = ", ".join(str(i) for i in range(1, 3 + len(questions)))
    select_answers = "".join(f", {c}" for c in answer_columns)
    sql = (
        f"WITH v AS ({voters_sql}) "
        f"SELECT COALESCE(n.slug, ''), v.channel{select_answers}, COUNT(*) FROM v "
        f"JOIN {RESIDENTS} r ON r.id = v.resident_id "
        f"LEFT JOIN {NEIGHBOURHOODS} n ON n.id = r.neighbourhood_id "
        f"GROUP BY {group_by}"
    )
    by_channel: dict[str, int] = defaultdict(int)
    by_neighbourhood: dict[str, int] = defaultdict(int)
    by_neighbourhood_channel: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    by_group: dict[str, int] = defaultdict(int)
    participants = 0
    with _figures_cursor(work_mem=VOTER_GROUPS_WORK_MEM) as cursor:
        cursor.execute(sql, [*voters_params, *answer_params])
        for slug, channel, *rest in cursor.fetchall():
            count = int(rest[-1])
            participants += count
            by_channel[channel] += count
            by_neighbourhood[slug] += count
            by_neighbourhood_channel[slug][channel] += count
            for question, answer in zip(questions, rest[:-1], strict=True):
                by_group[f"{question}.{_clean_answer(question, answer)}"] += count
        # The voters are counted above; the other phases are the few rows of ideas,
        # comments and supports, read from the unique index (DISTINCT, not
        # COUNT(DISTINCT), which sorts whatever the plan).
        cursor.execute(
            f"SELECT kind, COUNT(*) FROM (SELECT DISTINCT kind, resident_id FROM {FACTS} "
            "WHERE process_id = %s AND kind IN (%s, %s, %s)) AS d GROUP BY kind",
            [process_id, *(k for k in PHASE_OF_KIND if k != ParticipationKind.VOTE)],
        )
        by_phase = {PHASE_OF_KIND[ParticipationKind(k)]: int(n) for k, n in cursor.fetchall()}
        by_phase[PHASE_OF_KIND[ParticipationKind.VOTE]] = participants
    for channel in PUBLIC_CHANNELS:
        by_channel.setdefault(channel, 0)
    for phase in PHASE_OF_KIND.values():
        by_phase.setdefault(phase, 0)
    return ParticipationFigures(
        participants=participants,
        by_channel=dict(by_channel),
        by_neighbourhood=dict(by_neighbourhood),
        by_neighbourhood_channel={k: dict(v) for k, v in by_neighbourhood_channel.items()},
        by_group=dict(by_group),
        by_phase=by_phase,
    )


def city_census() -> Census:
    """Population, need and census counts per group of every neighbourhood."""
    return Census(
        neighbourhoods=tuple(
            NeighbourhoodCensus(
                slug=n.slug,
                name=n.name,
                population=n.population,
                need_index=float(n.need_index),
                groups={k: int(v) for k, v in (n.demographics or {}).items() if "." in k},
            )
            for n in Neighbourhood.objects.order_by("name").only(
                "slug", "name", "population", "need_index", "demographics"
            )
        )
    )


def _median_decision_days(process: Process) -> tuple[int, int, float | None]:
    """Ideas, ideas with a decision, and the median days from an idea to its first
    moderation decision. One grouped query; ideas number in the hundreds, so the
    median of the spans is taken in Python."""
    ideas = Proposal.objects.filter(process=process)
    total = ideas.count()
    spans = [
        (first - created).total_seconds() / 86400
        for created, first in ideas.annotate(first=Min("decisions__created_at"))
        .filter(first__isnull=False)
        .values_list("created_at", "first")
    ]
    return total, len(spans), (float(median(spans)) if spans else None)


def process_outcomes(process: Process) -> OutcomeFigures:
    """Ideas → ballot → funding → delivery, for the ownership, responsiveness and
    accountability criteria."""
    on_ballot = Project.objects.on_ballot(process)
    ballot_projects = on_ballot.count()
    ballot_from_ideas = on_ballot.filter(source_proposal__isnull=False).count()
    ideas, decided, median_days = _median_decision_days(process)
    # "Funded" has one home: the published outcome with staff overrides applied.
    funded_ids = process_funded_ids(process)
    if funded_ids is None:
        return OutcomeFigures(
            ballot_projects=ballot_projects,
            ballot_from_ideas=ballot_from_ideas,
            ideas=ideas,
            ideas_decided=decided,
            median_decision_days=median_days,
        )
    funded = Project.objects.filter(pk__in=funded_ids)
    funds: dict[str, Decimal] = defaultdict(Decimal)
    for slug, pot_slug, cost in funded.values_list(
        "neighbourhood__slug", "pot__neighbourhood__slug", "cost"
    ):
        # A project's place; a neighbourhood pot's project is in its neighbourhood.
        where = slug or pot_slug
        if where:
            funds[where] += cost
    since = timezone.now() - timedelta(days=settings.EQUITY_UPDATE_DAYS)
    updated = (
        ProjectUpdate.objects.filter(project__in=funded_ids, created_at__gte=since)
        .values("project_id")
        .distinct()
        .count()
    )
    return OutcomeFigures(
        ballot_projects=ballot_projects,
        ballot_from_ideas=ballot_from_ideas,
        funded=len(funded_ids),
        funded_from_ideas=funded.filter(source_proposal__isnull=False).count(),
        funds_by_neighbourhood=dict(funds),
        ideas=ideas,
        ideas_decided=decided,
        median_decision_days=median_days,
        funded_recently_updated=updated,
    )


# --- the funnel --------------------------------------------------------------------------


@dataclass(frozen=True)
class FunnelFigures:
    """Residents who got at least as far as each step (reached ⊇ engaged ⊇ verified ⊇
    voted), overall, per group and per channel. A resident who voted was reached, even
    if no outreach is on record: the step counts are "at least this far"."""

    overall: Mapping[str, int]
    by_group: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    by_channel: Mapping[str, Mapping[str, int]] = field(default_factory=dict)


# A resident's funnel in one number: bit 4·c + (step − 1) is set when they reached
# ``step`` through channel number c. OR-ing the bits of their acts gives, per channel,
# the furthest step (the highest bit of its four) and overall the furthest of those.
_FUNNEL_CHANNELS: tuple[str, ...] = tuple(Channel.values)


def _funnel_bits_sql() -> tuple[str, list[Any]]:
    """SQL for one act's bit; OR-ed per resident by ``_funnel_or``."""
    steps = " ".join("WHEN %s THEN %s" for _ in _STEP_OF_KIND)
    # 64-bit: four bits per channel leave room for fifteen channels.
    channels = " ".join("WHEN %s THEN CAST(%s AS BIGINT)" for _ in _FUNNEL_CHANNELS)
    params: list[Any] = []
    for kind, step in _STEP_OF_KIND.items():
        params += [str(kind), 1 << (step - 1)]
    for index, channel in enumerate(_FUNNEL_CHANNELS):
        params += [channel, 1 << (4 * index)]
    return f"(CASE kind {steps} END) * (CASE channel {channels} END)", params


def _funnel_or(bits: str) -> str:
    # Each act's value is a single bit, so where there is no bit_or (SQLite) the sum
    # of the distinct values is the same number.
    return f"BIT_OR({bits})" if connection.vendor == "postgresql" else f"SUM(DISTINCT {bits})"


def _funnel_steps(mask: int) -> tuple[int, dict[str, int]]:
    """The furthest step overall and per channel a resident's bits say (0: none)."""
    per_channel = {}
    for index, channel in enumerate(_FUNNEL_CHANNELS):
        if nibble := (mask >> (4 * index)) & 0b1111:
            per_channel[channel] = nibble.bit_length()
    return max(per_channel.values(), default=0), per_channel


def _at_least(step_counts: Mapping[int, int]) -> dict[str, int]:
    return {
        name: sum(n for s, n in step_counts.items() if s >= index)
        for index, name in enumerate(FUNNEL_STEPS, start=1)
    }


def process_funnel(process: Process | int) -> FunnelFigures:
    """One grouped query: each resident's funnel bits (``_funnel_bits_sql``), read in
    resident order from ``participation_fact_resident``, counted by bits and answers
    (a few hundred groups); the steps overall, per group and per channel are read
    from the bits here."""
    process_id = process if isinstance(process, int) else process.pk
    questions = list(DEMOGRAPHIC_QUESTIONS)
    answer_columns, answer_params = _answers_sql(questions)
    bits, bits_params = _funnel_bits_sql()
    select_answers = "".join(f", {c}" for c in answer_columns)
    group_by = ", ".join(str(i) for i in range(1, 2 + len(questions)))
    overall: dict[int, int] = defaultdict(int)
    groups: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    channels: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    with _figures_cursor() as cursor:
        cursor.execute(
            f"WITH s AS (SELECT resident_id, {_funnel_or(bits)} AS bits FROM {FACTS} "
            "WHERE process_id = %s GROUP BY resident_id) "
            f"SELECT s.bits{select_answers}, COUNT(*) FROM s "
            f"JOIN {RESIDENTS} r ON r.id = s.resident_id GROUP BY {group_by}",
            [*bits_params, process_id, *answer_params],
        )
        for mask, *rest in cursor.fetchall():
            count = int(rest[-1])
            step, per_channel = _funnel_steps(int(mask or 0))
            if not step:
                continue
            overall[step] += count
            for question, answer in zip(questions, rest[:-1], strict=True):
                groups[f"{question}.{_clean_answer(question, answer)}"][step] += count
            for channel, channel_step in per_channel.items():
                channels[channel][channel_step] += count
    for channel in PUBLIC_CHANNELS:
        channels.setdefault(channel, defaultdict(int))
    return FunnelFigures(
        overall=_at_least(overall),
        by_group={k: _at_least(v) for k, v in groups.items()},
        by_channel={k: _at_least(v) for k, v in channels.items()},
    )
