"""GeoJSON shapes for the open REST API (RFC 7946, WGS84, [lng, lat]).

A feature serializer is ``FeatureOut`` with ``properties`` set to a plain serializer of
the object (``source="*"``) and a ``geometry`` field; the schema says what each is, so
schemathesis and client generators see real types."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

GEOMETRY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "nullable": True,
    "description": "A GeoJSON geometry (WGS84), or null when the object has no place.",
    "properties": {
        "type": {"type": "string"},
        "coordinates": {"type": "array", "items": {}},
    },
}


@extend_schema_field(GEOMETRY_SCHEMA)
class GeometryField(serializers.Field):
    """A stored GeoJSON geometry (a JSON column), passed through as it is."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value: Any) -> Any:
        return value


@extend_schema_field(GEOMETRY_SCHEMA)
class PointField(serializers.Field):
    """A Point from an object's ``lat``/``lng``, or null when either is missing."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs["read_only"] = True
        kwargs["source"] = "*"
        super().__init__(**kwargs)

    def to_representation(self, value: Any) -> Any:
        if value.lat is None or value.lng is None:
            return None
        return {"type": "Point", "coordinates": [value.lng, value.lat]}


class FeatureOut(serializers.Serializer[Any]):
    """``{"type": "Feature", "id", "geometry", "properties"}``; subclasses set
    ``geometry`` and ``properties``."""

    type = serializers.SerializerMethodField()
    id = serializers.IntegerField(source="pk", read_only=True)

    def get_type(self, obj: Any) -> str:
        return "Feature"
