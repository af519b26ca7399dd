"""Neighbourhoods in the open REST API, as GeoJSON.

One FeatureCollection, not paged: a city has tens to hundreds of districts (the same
bound the in-memory point-in-polygon index relies on), and map clients want them all."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from maps.api_geojson import FeatureOut, GeometryField
from maps.models import Neighbourhood


class NeighbourhoodPropertiesOut(serializers.ModelSerializer[Neighbourhood]):
    class Meta:
        model = Neighbourhood
        fields = ["id", "name", "slug", "population", "need_index", "centroid_lat", "centroid_lng"]


class NeighbourhoodFeatureOut(FeatureOut):
    geometry = GeometryField(source="boundary")
    properties = NeighbourhoodPropertiesOut(source="*", read_only=True)


class NeighbourhoodFilter(django_filters.FilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains", max_length=200)
    min_population = django_filters.NumberFilter(
        field_name="population", lookup_expr="gte", min_value=0, max_value=10**12
    )

    class Meta:
        model = Neighbourhood
        fields = ["name", "min_population"]


class NeighbourhoodList(generics.ListAPIView[Neighbourhood]):
    serializer_class = NeighbourhoodFeatureOut
    queryset = Neighbourhood.objects.order_by("name")
    filterset_class = NeighbourhoodFilter
    pagination_class = None

    @extend_schema(
        responses=inline_serializer(
            "NeighbourhoodCollection",
            {
                "type": serializers.ChoiceField(choices=["FeatureCollection"]),
                "features": NeighbourhoodFeatureOut(many=True),
            },
        )
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset: QuerySet[Neighbourhood] = self.filter_queryset(self.get_queryset())
        features = NeighbourhoodFeatureOut(queryset, many=True).data
        return Response({"type": "FeatureCollection", "features": features})


class NeighbourhoodDetail(generics.RetrieveAPIView[Neighbourhood]):
    serializer_class = NeighbourhoodFeatureOut
    queryset = Neighbourhood.objects.all()
    lookup_field = "slug"
