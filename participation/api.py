"""Participation in the open REST API: published ideas as GeoJSON, and the pilots'
reporting endpoint (``POST /api/pilots/<slug>/reports/`` with a bearer token).

The views parse and render; ``participation.services.pilots`` owns the write and its
rules, ``participation.pilot_access`` the token check."""

from __future__ import annotations

from typing import Any

import django_filters
from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, serializers, status
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api_pagination import GeoJsonPagination
from core.api_throttles import SharedAnonRateThrottle, SharedRateThrottle
from core.models import Channel, Process
from maps.api_geojson import FeatureOut, PointField
from participation.access import PUBLIC_PROPOSAL_STATUSES
from participation.models import CommentStatus, Pilot, PilotChannel, PilotReport, Proposal
from participation.pilot_access import pilot_for_token
from participation.services.pilots import (
    PilotReportInput,
    PilotReportInvalid,
    pilot_report_submit,
)

# --- ideas as GeoJSON -----------------------------------------------------------------


class IdeaPropertiesOut(serializers.ModelSerializer[Proposal]):
    neighbourhood: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    supports = serializers.IntegerField(source="support_count", read_only=True)
    comments = serializers.IntegerField(source="comment_count", read_only=True)

    class Meta:
        model = Proposal
        # Never the author: an idea is public, who wrote it is not.
        fields = [
            "id",
            "title",
            "body",
            "status",
            "neighbourhood",
            "channel",
            "language",
            "supports",
            "comments",
            "created_at",
        ]


class IdeaFeatureOut(FeatureOut):
    geometry = PointField()
    properties = IdeaPropertiesOut(source="*", read_only=True)


class IdeaFilter(django_filters.FilterSet):
    neighbourhood = django_filters.CharFilter(field_name="neighbourhood__slug", max_length=200)
    channel = django_filters.ChoiceFilter(choices=Channel.choices)
    status = django_filters.ChoiceFilter(
        choices=[(s.value, s.label) for s in PUBLIC_PROPOSAL_STATUSES]
    )

    class Meta:
        model = Proposal
        fields = ["neighbourhood", "channel", "status"]


class IdeaList(generics.ListAPIView[Proposal]):
    """Published (and merged) ideas of a process, as a paged GeoJSON FeatureCollection;
    an idea without a place has a null geometry."""

    serializer_class = IdeaFeatureOut
    filterset_class = IdeaFilter
    pagination_class = GeoJsonPagination
    queryset = Proposal.objects.none()

    def get_queryset(self) -> QuerySet[Proposal]:
        if getattr(self, "swagger_fake_view", False):
            return Proposal.objects.none()
        process = get_object_or_404(Process, slug=self.kwargs["slug"])
        return (
            Proposal.objects.filter(process=process, status__in=PUBLIC_PROPOSAL_STATUSES)
            .select_related("neighbourhood")
            .annotate(
                support_count=Count("supports", distinct=True),
                comment_count=Count(
                    "comments", filter=Q(comments__status=CommentStatus.VISIBLE), distinct=True
                ),
            )
            .order_by("-created_at", "pk")
        )


# --- pilot reports ----------------------------------------------------------------------


class PilotTokenAuthentication(BaseAuthentication):
    """``Authorization: Bearer <token>``: the request's ``auth`` is the token's pilot.
    A wrong token is a 401 (the ``WWW-Authenticate`` header names the scheme)."""

    def authenticate(self, request: Request) -> tuple[AnonymousUser, Pilot] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != b"bearer":
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Send exactly: Authorization: Bearer <token>.")
        try:
            token = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("Invalid token.") from None
        pilot = pilot_for_token(token)
        if pilot is None:
            raise exceptions.AuthenticationFailed("Invalid token.")
        return AnonymousUser(), pilot

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="pilots"'


class PilotTokenScheme(OpenApiAuthenticationExtension):
    target_class = "participation.api.PilotTokenAuthentication"
    name = "pilotToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer"}


class PilotRateThrottle(SharedRateThrottle):
    """Reports per pilot (the ``pilot_reports`` rate), whichever address they come from;
    runs after authentication, so only a valid token is counted here."""

    scope = "pilot_reports"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if not isinstance(request.auth, Pilot):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}


class HasPilotToken(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        return isinstance(request.auth, Pilot)


class MetricIn(serializers.Serializer[Any]):
    value = serializers.FloatField(min_value=-1e15, max_value=1e15)
    unit = serializers.CharField(max_length=50, allow_blank=True)


class PilotReportIn(serializers.Serializer[Any]):
    """Shapes the body only; the rules (period order, known neighbourhood, groups not
    above the total) are the service's."""

    period_start = serializers.DateField()
    period_end = serializers.DateField()
    neighbourhood = serializers.SlugField(max_length=200, allow_null=True, default=None)
    channel = serializers.ChoiceField(choices=PilotChannel.choices)
    participants = serializers.IntegerField(min_value=0, max_value=100_000_000)
    participants_by_group = serializers.DictField(
        child=serializers.IntegerField(min_value=0, max_value=100_000_000), required=False
    )
    metrics = serializers.DictField(child=MetricIn(), required=False)

    def validate_participants_by_group(self, value: dict[str, int]) -> dict[str, int]:
        return _bounded_keys(value)

    def validate_metrics(self, value: dict[str, Any]) -> dict[str, Any]:
        return _bounded_keys(value)


def _bounded_keys(value: dict[str, Any]) -> dict[str, Any]:
    if len(value) > 100:
        raise serializers.ValidationError("At most 100 entries.")
    for key in value:
        if not key or len(key) > 64:
            raise serializers.ValidationError("Each key has 1 to 64 characters.")
    return value


class PilotReportOut(serializers.ModelSerializer[PilotReport]):
    pilot: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    neighbourhood: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )

    class Meta:
        model = PilotReport
        fields = [
            "id",
            "pilot",
            "period_start",
            "period_end",
            "neighbourhood",
            "channel",
            "participants",
            "participants_by_group",
            "metrics",
            "created_at",
            "updated_at",
        ]


class PilotReportCreate(APIView):
    authentication_classes = [PilotTokenAuthentication]
    permission_classes = [HasPilotToken]
    throttle_classes = [SharedAnonRateThrottle, PilotRateThrottle]

    @extend_schema(
        request=PilotReportIn,
        responses={
            201: PilotReportOut,
            200: OpenApiResponse(PilotReportOut, "The same report again, or it replaced one."),
            400: OpenApiResponse(description="Field errors"),
            401: OpenApiResponse(description="Missing or wrong token"),
            403: OpenApiResponse(description="The token is another pilot's"),
        },
    )
    def post(self, request: Request, slug: str) -> Response:
        pilot = request.auth
        if not isinstance(pilot, Pilot) or pilot.slug != slug:
            raise exceptions.PermissionDenied("This token reports for another pilot.")
        body = PilotReportIn(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            outcome = pilot_report_submit(pilot=pilot, data=PilotReportInput(**body.validated_data))
        except PilotReportInvalid as invalid:
            return Response(invalid.errors, status=status.HTTP_400_BAD_REQUEST)
        code = status.HTTP_201_CREATED if outcome.created else status.HTTP_200_OK
        return Response(PilotReportOut(outcome.report).data, status=code)
