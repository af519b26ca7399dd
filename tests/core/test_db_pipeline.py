"""Writes in one batch (core.db_pipeline): on PostgreSQL they run, in order, and a
failure among them is Django's own exception that rolls the transaction back; on
SQLite the block changes nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from psycopg import pq

from core.db_pipeline import writes_pipelined
from core.sql_rows import insert_rows

pytestmark = pytest.mark.django_db(transaction=True)

# A table with a unique key and nothing else to fill in: django_session.
FIELDS = ["session_key", "session_data", "expire_date"]


def _row(key: str) -> list[Any]:
    return [key, "data", timezone.now() + timedelta(days=1)]


def _keys() -> list[str]:
    return list(Session.objects.order_by("session_key").values_list("session_key", flat=True))


def test_pipelined_writes_all_land_in_order() -> None:
    with transaction.atomic(), writes_pipelined():
        for key in ("a", "b", "c"):
            insert_rows(connection, Session, FIELDS, [_row(key)])
        # A statement whose rows are read sees every write sent before it.
        assert Session.objects.count() == 3
        Session.objects.filter(session_key="b").delete()
    assert _keys() == ["a", "c"]


def test_a_failed_write_is_djangos_integrity_error_and_rolls_back() -> None:
    with pytest.raises(IntegrityError), transaction.atomic(), writes_pipelined():
        insert_rows(connection, Session, FIELDS, [_row("a")])
        insert_rows(connection, Session, FIELDS, [_row("a")])  # the primary key refuses it
        insert_rows(connection, Session, FIELDS, [_row("b")])
    assert _keys() == []
    # The connection is usable afterwards (the failed batch was cleared).
    insert_rows(connection, Session, FIELDS, [_row("c")])
    assert _keys() == ["c"]


def _in_pipeline(on_postgres: bool) -> bool:
    # psycopg's public libpq status; a SQLite connection has no pipeline at all.
    return on_postgres and connection.connection.pgconn.pipeline_status != pq.PipelineStatus.OFF


def test_only_postgresql_gets_a_pipeline_and_only_inside_the_block(on_postgres: bool) -> None:
    connection.ensure_connection()
    with writes_pipelined():
        assert _in_pipeline(on_postgres) is on_postgres
        insert_rows(connection, Session, FIELDS, [_row("a")])
    assert _in_pipeline(on_postgres) is False
    assert _keys() == ["a"]
