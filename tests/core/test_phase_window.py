"""The phase window, defined once in core: [starts_at, ends_at) by the server clock, the
closing instant closed. The Python and SQL twins must agree at both edges."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from core.models import Phase, PhaseKind, PhaseState, Process, phase_open_params, phase_open_sql
from core.selectors import process_current_phase, process_phase_open

pytestmark = pytest.mark.django_db

START = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)
END = dt.datetime(2027, 3, 31, 21, 0, tzinfo=dt.UTC)
TICK = dt.timedelta(microseconds=1)

EDGES = [
    (START - TICK, PhaseState.UPCOMING),
    (START, PhaseState.OPEN),
    (END - TICK, PhaseState.OPEN),
    (END, PhaseState.CLOSED),
    (END + dt.timedelta(days=1), PhaseState.CLOSED),
]


@pytest.fixture
def voting(process: Process) -> Phase:
    return Phase.objects.create(
        process=process, kind=PhaseKind.VOTING, starts_at=START, ends_at=END
    )


@pytest.mark.parametrize(("when", "state"), EDGES)
def test_python_and_sql_agree_at_the_edges(voting: Phase, when: dt.datetime, state: str) -> None:
    assert voting.state_at(when) == state
    assert voting.is_open(when) == (state == PhaseState.OPEN)
    in_sql = Phase.objects.filter(pk=voting.pk).open_at(when).exists()
    assert in_sql == (state == PhaseState.OPEN)
    assert process_phase_open(voting.process, PhaseKind.VOTING, when) == in_sql
    with_phase = Process.objects.with_phase_at(PhaseKind.VOTING, when)
    assert list(with_phase) == ([voting.process] if in_sql else [])
    # The SQL text of hand-written statements (core.sql_rows) says the same.
    table = Phase._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT COUNT(*) FROM "{table}" w WHERE w.id = %s AND {phase_open_sql("w")}',  # noqa: S608
            [voting.pk, *phase_open_params(connection, when)],
        )
        assert cursor.fetchone()[0] == int(in_sql)


def test_state_defaults_to_the_server_clock(process: Process) -> None:
    now = timezone.now()
    phase = Phase.objects.create(
        process=process,
        kind=PhaseKind.IDEAS,
        starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(hours=1),
    )
    assert phase.state_at() == PhaseState.OPEN
    assert process_phase_open(process, PhaseKind.IDEAS)
    assert not process_phase_open(process, PhaseKind.VOTING)


def test_current_phase_is_the_open_one_that_started_last(process: Process) -> None:
    """An idea box that stays open through the vote: the process is "in" the vote."""
    Phase.objects.create(
        process=process, kind=PhaseKind.IDEAS, starts_at=START - dt.timedelta(days=30), ends_at=END
    )
    voting = Phase.objects.create(
        process=process, kind=PhaseKind.VOTING, starts_at=START, ends_at=END
    )
    assert process_current_phase(process, START + dt.timedelta(days=1)) == voting
    assert process_current_phase(process, START - TICK).kind == PhaseKind.IDEAS
    assert process_current_phase(process, END) is None


def test_with_phase_at_lists_each_process_once(process_factory) -> None:  # type: ignore[no-untyped-def]
    first, second = process_factory(), process_factory()
    for p in (first, second):
        Phase.objects.create(process=p, kind=PhaseKind.VOTING, starts_at=START, ends_at=END)
    Phase.objects.create(process=first, kind=PhaseKind.IDEAS, starts_at=START, ends_at=END)
    assert sorted(Process.objects.with_phase_at(PhaseKind.VOTING, START), key=lambda p: p.pk) == [
        first,
        second,
    ]
