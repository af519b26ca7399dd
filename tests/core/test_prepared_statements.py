"""Prepared statements on PostgreSQL (justcity/settings.py, DB_PREPARED_STATEMENTS): a
statement a pooled connection runs again and again is parsed and planned once."""

from __future__ import annotations

import pytest
from django.db import connection

from core.models import Process
from tests.factories import ProcessFactory
from tests.justcity.test_settings import _manage

_OPTIONS = (
    "from django.conf import settings; o = settings.DATABASES['default']['OPTIONS']; "
    "print(o.get('server_side_binding'), o.get('prepare_threshold'))"
)


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_repeated_statement_is_prepared_on_the_connection() -> None:
    process = ProcessFactory()
    threshold = connection.settings_dict["OPTIONS"]["prepare_threshold"]
    assert connection.settings_dict["OPTIONS"]["server_side_binding"] is True
    for _ in range(threshold + 1):
        assert Process.objects.filter(pk=process.pk).values_list("slug", flat=True).get()
    table = Process._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            [f'%FROM "{table}" WHERE "{table}"."id" = $1%'],
        )
        (prepared,) = cursor.fetchone()
    assert prepared == 1


def test_prepared_statements_are_on_by_default_and_can_be_turned_off() -> None:
    on = _manage("shell", "-c", _OPTIONS)
    assert on.returncode == 0, on.stderr
    assert on.stdout.split()[-2:] == ["True", "5"]
    off = _manage("shell", "-c", _OPTIONS, DB_PREPARED_STATEMENTS="0")
    assert off.returncode == 0, off.stderr
    assert off.stdout.split()[-2:] == ["None", "None"]
    bad = _manage("check", DB_PREPARE_THRESHOLD="-1")
    assert bad.returncode != 0
    assert "DB_PREPARE_THRESHOLD must be 0 or more" in bad.stderr
