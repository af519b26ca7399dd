"""Hand-written statements read back as the ORM reads them (core.sql_rows), on SQLite
and on PostgreSQL: every concrete field of a row equal to the ORM's, conversions
included (Decimal, aware datetimes, JSON)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import FieldDoesNotExist
from django.db import connection, models
from django.http import Http404
from django.utils import timezone

from budgets.models import Project
from core.models import Phase, PhaseKind, Process
from core.selectors import process_or_404
from core.sql_rows import (
    ModelColumns,
    converted,
    insert_rows,
    quoted,
    string_agg,
    update_row,
)
from participation.models import ParticipationFact, Resident
from participation.services.participation_record import (
    processes_live_ids,
    processes_live_params,
    processes_live_parse,
    processes_live_sql,
)
from tests.factories import PhaseFactory, ProcessFactory, ProjectFactory, ResidentFactory

pytestmark = pytest.mark.django_db


def _read(model: type[models.Model], pk: int) -> models.Model:
    columns = ModelColumns(model, "t")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns.sql} FROM {quoted(model._meta.db_table)} t WHERE t.id = %s",  # noqa: S608
            [pk],
        )
        row = cursor.fetchone()
    return columns.instance(row, connection)


def _fields(instance: models.Model) -> dict[str, object]:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def test_a_row_reads_as_the_orm_reads_it() -> None:
    project = ProjectFactory(cost=Decimal("12345.67"), lat=45.5, lng=-73.6, title_es="Parque")
    resident = ResidentFactory(
        demographics={"age_band": "30_44"}, demographics_consent_at=timezone.now()
    )
    for model, pk in ((Project, project.pk), (Resident, resident.pk)):
        by_hand = _read(model, pk)
        by_orm = model.objects.get(pk=pk)
        assert type(by_hand) is model
        assert _fields(by_hand) == _fields(by_orm)
        assert by_hand._state.adding is False
        assert by_hand._state.db == connection.alias
    read = _read(Project, project.pk)
    assert isinstance(read, Project)
    assert isinstance(read.cost, Decimal) and read.cost == Decimal("12345.67")
    assert read.title_es == "Parque"
    person = _read(Resident, resident.pk)
    assert isinstance(person, Resident)
    assert person.demographics == {"age_band": "30_44"}
    assert timezone.is_aware(person.created_at)


def test_only_named_columns_are_read_and_the_rest_deferred(
    django_assert_num_queries: Any,
) -> None:
    project = ProjectFactory(cost=Decimal("250.00"), title_es="Parque", description="Long text")
    columns = ModelColumns(Project, "t", only=("cost", "title_es"))
    assert columns.attnames == ["id", "title_es", "cost"]  # the key always, model order
    assert "description" not in columns.sql
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns.sql} FROM {quoted(Project._meta.db_table)} t WHERE t.id = %s",  # noqa: S608
            [project.pk],
        )
        row = cursor.fetchone()
    read = columns.instance(row, connection)
    assert isinstance(read, Project)
    assert (read.pk, read.cost, read.title_es) == (project.pk, Decimal("250.00"), "Parque")
    assert read.get_deferred_fields() >= {"description", "pot_id", "short_code"}
    # A deferred field still reads right, as after QuerySet.only: with a query of its own.
    with django_assert_num_queries(1):
        assert read.description == "Long text"


def test_only_refuses_what_is_not_a_column_of_the_model() -> None:
    with pytest.raises(FieldDoesNotExist):
        ModelColumns(Project, "t", only=("no_such_field",))
    with pytest.raises(ValueError, match="not columns of Process"):
        ModelColumns(Process, "t", only=("projects",))  # a reverse relation


def test_a_lone_datetime_value_is_converted() -> None:
    phase = PhaseFactory(
        starts_at=dt.datetime(2027, 3, 1, 9, 0, 0, 123456, tzinfo=dt.UTC),
        ends_at=dt.datetime(2027, 3, 31, 21, 0, tzinfo=dt.UTC),
    )
    field = Phase._meta.get_field("starts_at")
    assert isinstance(field, models.DateTimeField)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT starts_at FROM {quoted(Phase._meta.db_table)} WHERE id = %s",  # noqa: S608
            [phase.pk],
        )
        raw = cursor.fetchone()[0]
    value = converted(raw, field, connection)
    assert value == phase.starts_at and timezone.is_aware(value)


def test_string_agg_joins_every_row() -> None:
    for code in (3, 1, 2):
        ProjectFactory(short_code=code)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {string_agg(connection, 'CAST(short_code AS TEXT)')} "  # noqa: S608
            f"FROM {quoted(Project._meta.db_table)}"
        )
        joined = cursor.fetchone()[0]
    assert sorted(joined.split(",")) == ["1", "2", "3"]


def test_live_processes_in_sql_agree_with_the_orm() -> None:
    now = timezone.now()
    hour = dt.timedelta(hours=1)
    ideas = PhaseFactory(kind=PhaseKind.IDEAS, starts_at=now - hour, ends_at=now + hour)
    voting = PhaseFactory(kind=PhaseKind.VOTING, starts_at=now - hour, ends_at=now + hour)
    PhaseFactory(kind=PhaseKind.VOTING, starts_at=now + hour, ends_at=now + 2 * hour)
    PhaseFactory(kind=PhaseKind.RESULTS, starts_at=now - hour, ends_at=now + hour)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {processes_live_sql(connection)}", processes_live_params(connection)
        )
        listed = cursor.fetchone()[0]
    assert processes_live_parse(listed) == processes_live_ids()
    assert processes_live_ids() == sorted([ideas.process_id, voting.process_id])


def test_inserted_rows_read_back_as_saved_by_the_orm() -> None:
    when = dt.datetime(2027, 3, 2, 10, 30, 0, 250000, tzinfo=dt.UTC)
    keys = insert_rows(
        connection,
        Phase,
        ["process", "kind", "starts_at", "ends_at"],
        [
            [ProcessFactory().pk, PhaseKind.VOTING, when, when + dt.timedelta(days=1)],
            [ProcessFactory().pk, PhaseKind.IDEAS, when, when + dt.timedelta(days=2)],
        ],
        returning_pk=True,
    )
    assert len(keys) == 2
    first, second = (Phase.objects.get(pk=key) for key in keys)
    assert (first.kind, first.starts_at, first.ends_at) == (
        PhaseKind.VOTING,
        when,
        when + dt.timedelta(days=1),
    )
    assert second.kind == PhaseKind.IDEAS and second.ends_at == when + dt.timedelta(days=2)
    assert insert_rows(connection, Phase, ["process", "kind"], []) == []


def test_inserted_rows_on_conflict_update_only_the_named_fields() -> None:
    process, resident = ProcessFactory(), ResidentFactory()
    day = dt.date(2027, 3, 2)
    kept = ParticipationFact.objects.create(
        process=process, resident=resident, kind="vote", channel="web", day=day
    )
    fields = ["id", "process", "resident", "kind", "channel", "day"]
    insert_rows(
        connection,
        ParticipationFact,
        fields,
        [
            # The same key: its channel changes, its id stays.
            [ParticipationFact().id, process.pk, resident.pk, "vote", "sms", day],
            # A new key: a new row.
            [ParticipationFact().id, process.pk, resident.pk, "vote", "paper", day.replace(day=3)],
        ],
        conflict=(["process", "kind", "resident", "day"], ["channel"]),
    )
    rows = sorted(ParticipationFact.objects.values_list("id", "day", "channel"), key=lambda r: r[1])
    assert [(r[1], r[2]) for r in rows] == [(day, "sms"), (day.replace(day=3), "paper")]
    assert rows[0][0] == kept.id


def test_update_row_writes_only_the_named_fields_as_the_orm_would() -> None:
    phase = PhaseFactory(kind=PhaseKind.IDEAS)
    other = PhaseFactory(kind=PhaseKind.IDEAS)
    when = dt.datetime(2027, 3, 2, 10, 30, 0, 250000, tzinfo=dt.UTC)
    stale = Phase.objects.get(pk=phase.pk)
    phase.kind = PhaseKind.VOTING
    phase.ends_at = when
    assert update_row(connection, phase, ["ends_at"]) == 1
    found = Phase.objects.get(pk=phase.pk)
    # The named field is written with its conversion; the others are as stored.
    assert found.ends_at == when
    assert (found.kind, found.starts_at) == (PhaseKind.IDEAS, stale.starts_at)
    assert Phase.objects.get(pk=other.pk).ends_at == other.ends_at


def test_process_or_404_reads_the_process_as_the_orm_does() -> None:
    process = ProcessFactory(title_es="Presupuesto", max_total_cost=Decimal("250000.00"))
    found = process_or_404(process.slug)
    assert _fields(found) == _fields(Process.objects.get(pk=process.pk))
    with pytest.raises(Http404):
        process_or_404("no-such-process")
