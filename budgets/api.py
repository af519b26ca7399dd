"""Public read API of processes, projects (GeoJSON), pot allocations, receipts, results
and their fairness. Read-only; results and fairness answer 404 with a reason until
they are published."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from budgets.fairness import process_fairness
from budgets.models import Project
from budgets.results import process_results
from budgets.selectors import pot_allocation, projects_on_ballot, receipt_status
from budgets.serializers import (
    PotAllocationOut,
    PotResultOut,
    ProcessFairnessOut,
    ProcessOut,
    ProjectFeatureOut,
    ReceiptOut,
)
from core.api_pagination import GeoJsonPagination
from core.models import Process


class ProcessList(generics.ListAPIView[Process]):
    serializer_class = ProcessOut
    queryset = Process.objects.prefetch_related("phases", "pots__neighbourhood").order_by(
        "-created_at"
    )
    filterset_fields = ["ballot_type", "rule"]


class ProcessDetail(generics.RetrieveAPIView[Process]):
    serializer_class = ProcessOut
    queryset = Process.objects.prefetch_related("phases", "pots__neighbourhood")
    lookup_field = "slug"


class ProjectList(generics.ListAPIView[Project]):
    """The projects on the ballot as a paged GeoJSON FeatureCollection (a project
    without a place has a null geometry). No counts: those are in the results."""

    serializer_class = ProjectFeatureOut
    pagination_class = GeoJsonPagination
    filterset_fields = ["pot", "neighbourhood__slug", "implementation_status"]
    # For schema generation (drf-spectacular calls get_queryset without URL kwargs).
    queryset = Project.objects.none()

    def get_queryset(self) -> QuerySet[Project]:
        if getattr(self, "swagger_fake_view", False):
            return Project.objects.none()
        process = get_object_or_404(Process, slug=self.kwargs["slug"])
        return projects_on_ballot(process)


class PotAllocationView(APIView):
    @extend_schema(responses=PotAllocationOut)
    def get(self, request: Request, slug: str) -> Response:
        process = get_object_or_404(Process, slug=slug)
        return Response(PotAllocationOut(pot_allocation(process)).data)


class ResultsView(APIView):
    @extend_schema(responses=PotResultOut(many=True))
    def get(self, request: Request, slug: str) -> Response:
        process = get_object_or_404(Process, slug=slug)
        results = process_results(process)
        if results is None:
            raise NotFound("Results are not published yet.")
        return Response(
            {
                "process": process.slug,
                "published_at": process.results_published_at,
                "pots": PotResultOut(results, many=True).data,
            }
        )


class ReceiptView(APIView):
    @extend_schema(responses=ReceiptOut)
    def get(self, request: Request, code: str) -> Response:
        status = receipt_status(code)
        if status is None:
            raise NotFound("No ballot has this receipt.")
        return Response(ReceiptOut(status).data)


class FairnessView(APIView):
    """Fairness of the published outcome of every pot, and of greedy and MES on the same
    ballots; funds per neighbourhood against population and need."""

    @extend_schema(responses=ProcessFairnessOut)
    def get(self, request: Request, slug: str) -> Response:
        process = get_object_or_404(Process, slug=slug)
        figures = process_fairness(process)
        if figures is None:
            raise NotFound("Results are not published yet.")
        return Response({"process": process.slug, **ProcessFairnessOut(figures).data})
