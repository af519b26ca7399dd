"""Django's database sessions (``SESSION_ENGINE``), with the read every request makes
hand-written (``core.sql_rows``): a signed-in page or cast reads its session first,
and the ORM's lookup cost several times the statement it sends (py-spy under
``python -m bench.load``). Everything else (create, save, delete, expiry) is Django's."""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import connections, router
from django.utils import timezone

from core.sql_rows import quoted


class SessionStore(DatabaseSessionStore):
    def _validate_session_key(self, key: str | None) -> bool:
        """Keys this site makes are letters and digits (Django's 32 of them); any other
        cookie value is no session, dropped before a query (a NUL byte, which no
        PostgreSQL text can hold, was a 500)."""
        # Django's own check is "at least 8 characters".
        return bool(key and len(key) >= 8 and key.isascii() and key.isalnum())

    def _get_session_from_db(self) -> Any:
        """The live row of this session key (not expired), or None: as Django's, which
        also forgets the key when there is no such row."""
        model, key = self.model, self.session_key
        if key is None:
            return None
        connection = connections[router.db_for_read(model)]
        with connection.cursor() as cursor:
            cursor.execute(
                # Only our own table and column names are formatted in; values are
                # parameters.
                f"SELECT session_data FROM {quoted(model._meta.db_table)} "  # noqa: S608
                "WHERE session_key = %s AND expire_date > %s",
                [
                    key,
                    connection.ops.adapt_datetimefield_value(timezone.now()),
                ],
            )
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        return model(session_key=key, session_data=row[0])
