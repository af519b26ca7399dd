"""Hand-written statements on the hottest path, read back as the ORM would read them.

A cast runs a handful of statements, each planned and run by PostgreSQL in well under
a millisecond; building the same statements with the ORM (annotations, subqueries,
expression trees cloned and resolved on every call) cost several times that in Python
(``python -m bench.load --profile``). The few statements of that path are therefore
written once as SQL text, and their rows are turned into model instances here with the
conversions the ORM applies (a Decimal from SQLite, an aware datetime, a field's own
``from_db_value``), so that what the caller gets is what the ORM would have given.

Everything else uses the ORM. SQL text here stays portable between SQLite and
PostgreSQL; ``string_agg`` names the one function they spell differently.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db import NotSupportedError, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.base import DEFERRED
from django.db.models.constants import OnConflict

Converter = Callable[[Any, Any, BaseDatabaseWrapper], Any]


def quoted(name: str) -> str:
    """A table or column name quoted the way both backends accept."""
    return '"' + name.replace('"', '""') + '"'


def string_agg(connection: BaseDatabaseWrapper, expression: str) -> str:
    """``expression`` of every row joined by commas, in one value."""
    if connection.vendor == "postgresql":
        return f"STRING_AGG({expression}, ',')"
    return f"GROUP_CONCAT({expression}, ',')"


def field_converters(
    field: models.Field[Any, Any], connection: BaseDatabaseWrapper
) -> list[Converter]:
    """The conversions the ORM applies to a value of ``field`` read from ``connection``
    (``SQLCompiler.get_converters`` for a plain column)."""
    column = field.get_col(field.model._meta.db_table)
    return [
        *connection.ops.get_db_converters(column),
        *column.get_db_converters(connection),
    ]


# (field, vendor) -> the column and its converters. Keyed by vendor: the converters are
# the backend's methods and take the connection as an argument, so any connection of
# that vendor may use them.
_SCALARS: dict[tuple[models.Field[Any, Any], str], tuple[Any, list[Converter]]] = {}


def converted(value: Any, field: models.Field[Any, Any], connection: BaseDatabaseWrapper) -> Any:
    """One value of ``field`` in a hand-written statement's row, as the ORM reads it."""
    key = (field, connection.vendor)
    found = _SCALARS.get(key)
    if found is None:
        found = _SCALARS[key] = (
            field.get_col(field.model._meta.db_table),
            field_converters(field, connection),
        )
    column, converters = found
    for convert in converters:
        value = convert(value, column, connection)
    return value


class ModelColumns:
    """The concrete columns of ``model`` under a table alias, for a SELECT list, and
    the instance a row's slice of them makes: every column, or ``only`` those fields
    (the others deferred, as ``QuerySet.only`` leaves them: reading one queries)."""

    def __init__(
        self, model: type[models.Model], alias: str, *, only: Sequence[str] | None = None
    ) -> None:
        self.model = model
        fields = list(model._meta.concrete_fields)
        if only is not None:
            named = [model._meta.get_field(name) for name in only]  # FieldDoesNotExist
            others = [str(f.name) for f in named if f not in fields]
            if others:
                raise ValueError(f"not columns of {model.__name__}: {others}")
            # An instance always has its key.
            fields = [f for f in fields if f in named or f.primary_key]
        self.fields = fields
        self.attnames = [f.attname for f in self.fields]
        # With ``only``: each concrete field's place in the row slice, None for a deferred
        # one. The instance is then built from a full-width list (DEFERRED in the gaps),
        # Model.from_db's quick path; given the names alone it matches every field
        # against every name.
        everything = list(model._meta.concrete_fields)
        self._slots: list[int | None] | None = None
        if len(self.fields) != len(everything):
            self._slots = [self.fields.index(f) if f in self.fields else None for f in everything]
            self._all_attnames = [f.attname for f in everything]
        # A concrete field always has its column.
        self.sql = ", ".join(f"{quoted(alias)}.{quoted(str(f.column))}" for f in self.fields)
        self.width = len(self.fields)
        self._converters: dict[str, list[tuple[int, Any, list[Converter]]]] = {}

    def _for(self, connection: BaseDatabaseWrapper) -> list[tuple[int, Any, list[Converter]]]:
        found = self._converters.get(connection.vendor)
        if found is None:
            found = []
            for index, field in enumerate(self.fields):
                convs = field_converters(field, connection)
                if convs:
                    found.append((index, field.get_col(self.model._meta.db_table), convs))
            self._converters[connection.vendor] = found
        return found

    def instance(
        self, row: Sequence[Any], connection: BaseDatabaseWrapper, start: int = 0
    ) -> models.Model:
        """The instance made of ``row[start : start + width]``, as the ORM loads it."""
        values = list(row[start : start + self.width])
        for index, column, convs in self._for(connection):
            value = values[index]
            for convert in convs:
                value = convert(value, column, connection)
            values[index] = value
        if self._slots is None:
            return self.model.from_db(connection.alias, self.attnames, values)
        full = [DEFERRED if slot is None else values[slot] for slot in self._slots]
        return self.model.from_db(connection.alias, self._all_attnames, full)


def insert_rows(
    connection: BaseDatabaseWrapper,
    model: type[models.Model],
    field_names: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    returning_pk: bool = False,
    conflict: tuple[Sequence[str], Sequence[str]] | None = None,
) -> list[Any]:
    """Insert ``rows`` (values of ``field_names``, in that order) in one statement, each
    value prepared as the ORM prepares it for saving; the new primary keys, in row
    order, when ``returning_pk`` (as ``bulk_create`` relies on, both backends return
    them in the order of the VALUES list). No signals, as with ``bulk_create``.

    ``conflict=(unique, update)``: a row whose ``unique`` fields match an existing
    row's updates that row's ``update`` fields instead (``bulk_create``'s
    ``update_conflicts``, in the backend's own words: its ``on_conflict_suffix_sql``)."""
    if not rows:
        return []
    fields = [model._meta.get_field(name) for name in field_names]
    concrete = [f for f in fields if isinstance(f, models.Field) and f.concrete]
    assert len(concrete) == len(fields), "only concrete fields can be inserted"
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    sql = (
        # Only our own table and column names are formatted in; values are parameters.
        f"INSERT INTO {quoted(model._meta.db_table)} "  # noqa: S608
        f"({', '.join(quoted(str(f.column)) for f in concrete)}) VALUES "
        + ", ".join([one] * len(rows))
    )
    if conflict is not None:
        unique, update = (
            [str(_concrete(model, name).column) for name in names] for names in conflict
        )
        sql += " " + connection.ops.on_conflict_suffix_sql(
            concrete, OnConflict.UPDATE, update, unique
        )
    if returning_pk:
        if not connection.features.can_return_rows_from_bulk_insert:
            raise NotSupportedError("this database cannot return the keys of inserted rows")
        sql += f" RETURNING {quoted(str(model._meta.pk.column))}"
    params = [
        field.get_db_prep_save(value, connection)
        for row in rows
        for field, value in zip(concrete, row, strict=True)
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [found[0] for found in cursor.fetchall()] if returning_pk else []


def update_row(
    connection: BaseDatabaseWrapper, instance: models.Model, field_names: Sequence[str]
) -> int:
    """Write ``field_names`` of ``instance`` to its row in one UPDATE by primary key,
    each value prepared as the ORM prepares it (``save(update_fields=...)`` without
    signals, ``auto_now`` or the SELECT Django may add). Returns the rows changed."""
    model = type(instance)
    fields = [_concrete(model, name) for name in field_names]
    assignments = ", ".join(f"{quoted(str(field.column))} = %s" for field in fields)
    params = [
        field.get_db_prep_save(getattr(instance, field.attname), connection) for field in fields
    ]
    pk = model._meta.pk
    params.append(pk.get_db_prep_value(instance.pk, connection))
    with connection.cursor() as cursor:
        cursor.execute(
            # Only our own table and column names are formatted in; values are parameters.
            f"UPDATE {quoted(model._meta.db_table)} SET {assignments} "  # noqa: S608
            f"WHERE {quoted(str(pk.column))} = %s",
            params,
        )
        return cursor.rowcount


def _concrete(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field) and field.concrete, "only concrete fields"
    return field
