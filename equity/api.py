"""Public read API of the equity figures: participation, the scorecard and the funnel of
a process. Each view parses the slug, reads the figures and returns their public shape
(``equity.public``: small cells suppressed)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.models import Process
from equity.public import funnel_json, participation_json, scorecard_json
from equity.scorecard import process_scorecard
from equity.selectors import process_funnel, process_participation


class ParticipationView(APIView):
    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, slug: str) -> Response:
        process = get_object_or_404(Process, slug=slug)
        return Response(participation_json(process, process_participation(process)))


class ScorecardView(APIView):
    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, slug: str) -> Response:
        process = get_object_or_404(Process, slug=slug)
        return Response(scorecard_json(process_scorecard(process)))


class FunnelView(APIView):
    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, slug: str) -> Response:
        process = get_object_or_404(Process, slug=slug)
        return Response(funnel_json(process, process_funnel(process)))
