from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Neighbourhood(models.Model):
    """A district of the city. The boundary is GeoJSON (WGS84), validated with shapely on
    import (maps/geometry.py); we do not use GeoDjango, so no GDAL is needed."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True)
    boundary = models.JSONField(help_text=_("GeoJSON Polygon or MultiPolygon, WGS84"))
    population = models.PositiveIntegerField(default=0)
    # {"age_18_29": 1200, "women": 5100, ...}: counts per demographic group, the
    # denominators of the equity scorecards.
    demographics = models.JSONField(default=dict, blank=True)
    # Relative need (1.0 = city average); weights need-based pot formulas.
    need_index = models.DecimalField(
        max_digits=6,
        decimal_places=3,
        default=Decimal("1.000"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    # Cached for cheap map rendering and SMS "which neighbourhood" lists.
    centroid_lat = models.FloatField(null=True, blank=True)
    centroid_lng = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(need_index__gte=0), name="neighbourhood_need_index_nonnegative"
            ),
        ]

    def __str__(self) -> str:
        return self.name
