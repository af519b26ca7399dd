"""The city's equity criteria: what is measured, against which target, for which of the
Just City principles. Rows are the city's to edit (admin); the defaults are created by
a migration. How each metric is computed lives in ``equity/criteria.py``."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Principle(models.TextChoices):
    """The five principles of the Just City framework a criterion serves."""

    JUSTICE = "justice", _("A vision of justice")
    ACCESS = "access", _("Access to institutions, services and infrastructure for all")
    JOBS = "jobs", _("Good jobs")
    INVESTMENT = "investment", _("Affordable housing and fair investment in public services")
    OWNERSHIP = "ownership", _("Broad understanding and ownership of strategies")


class Metric(models.TextChoices):
    TURNOUT = "turnout_rate", _("Participation rate")
    INCLUSION = "inclusion_ratio", _("Lowest to highest neighbourhood participation rate")
    REPRESENTATIVENESS = "dissimilarity", _("Dissimilarity from the census")
    ACCESS = "alternative_channels", _("Share taking part by SMS or paper")
    IDEAS_ON_BALLOT = "ideas_on_ballot", _("Ballot projects from residents' ideas")
    IDEAS_FUNDED = "ideas_funded", _("Funded projects from residents' ideas")
    HIGH_NEED_FUNDS = "high_need_funds", _("Funds to high-need neighbourhoods per population share")
    RESPONSIVENESS = "decision_days", _("Median days from an idea to its moderation decision")
    ACCOUNTABILITY = "recent_updates", _("Funded projects with a recent delivery update")


class Direction(models.TextChoices):
    AT_LEAST = "at_least", _("At least")
    AT_MOST = "at_most", _("At most")


class Criterion(models.Model):
    """One line of the city's scorecard. ``params`` holds what a metric needs beyond
    the figures (``{"question": "age_band"}`` for representativeness)."""

    key = models.SlugField(max_length=64, unique=True)
    metric = models.CharField(max_length=32, choices=Metric.choices)
    principle = models.CharField(max_length=16, choices=Principle.choices)
    target = models.FloatField()
    direction = models.CharField(max_length=8, choices=Direction.choices)
    params = models.JSONField(default=dict, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    enabled = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "key"]
        constraints = [
            models.CheckConstraint(condition=Q(target__gte=0), name="criterion_target_nonnegative"),
        ]
        verbose_name_plural = "criteria"

    def __str__(self) -> str:
        return self.key
