"""Pagination of the open REST API: limit/offset with a bounded page size.

DRF's limit/offset paginator has no maximum by default, so ``?limit=9223372036854775808``
reached the database as an out-of-range LIMIT (a 500). Here a limit above
``MAX_LIMIT`` is clamped to it, an offset past ``MAX_OFFSET`` is clamped to it (the page
is then empty), and anything that is not a whole number is a 400 naming the parameter.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request
from rest_framework.response import Response

MAX_LIMIT = 500
# Far beyond any table of ours and well inside a 64-bit SQL OFFSET.
MAX_OFFSET = 10**9
_MAX_DIGITS = 40


def _whole_number(request: Request, name: str, *, minimum: int) -> int | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    text = raw.strip()
    if not text.isdigit() or not text.isascii() or len(text) > _MAX_DIGITS:
        raise ValidationError({name: [f"{name} must be a whole number ≥ {minimum}."]})
    value = int(text)
    if value < minimum:
        raise ValidationError({name: [f"{name} must be a whole number ≥ {minimum}."]})
    return value


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    max_limit = MAX_LIMIT

    @property
    def default_limit(self) -> int:  # type: ignore[override]
        page_size = settings.REST_FRAMEWORK.get("PAGE_SIZE") or 100
        return min(int(str(page_size)), MAX_LIMIT)

    def get_limit(self, request: Request) -> int:
        value = _whole_number(request, self.limit_query_param, minimum=1)
        return self.default_limit if value is None else min(value, MAX_LIMIT)

    def get_offset(self, request: Request) -> int:
        value = _whole_number(request, self.offset_query_param, minimum=0)
        return 0 if value is None else min(value, MAX_OFFSET)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        limit, offset = super().get_schema_operation_parameters(view)
        limit["description"] = (
            f"Number of results to return per page (at most {MAX_LIMIT}; more is clamped)."
        )
        limit["schema"] = {"type": "integer", "minimum": 1}
        offset["schema"] = {"type": "integer", "minimum": 0}
        return [limit, offset]


class GeoJsonPagination(BoundedLimitOffsetPagination):
    """The same bounds, answering a GeoJSON FeatureCollection with the paging links as
    foreign members (RFC 7946 §6.1), so map libraries read a page as it is."""

    def get_paginated_response(self, data: Any) -> Response:
        return Response(
            {
                "type": "FeatureCollection",
                "count": self.count,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "features": data,
            }
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        base = super().get_paginated_response_schema(schema)
        properties = dict(base["properties"])
        properties.pop("results")
        return {
            "type": "object",
            "required": ["type", "count", "features"],
            "properties": {
                "type": {"type": "string", "enum": ["FeatureCollection"]},
                **properties,
                "features": schema,
            },
        }
