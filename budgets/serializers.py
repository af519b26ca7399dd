"""Output serializers of the public budgets API. Nothing here carries a ballot's
choices or a voter; counts appear only inside published results."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

from rest_framework import serializers

from budgets.fairness import NeighbourhoodFunds
from budgets.models import Pot, Project
from budgets.rules.fairness import Fairness
from budgets.tally import decimal_from_fraction
from core.models import Phase, Process
from core.selectors import process_current_phase
from maps.api_geojson import FeatureOut, PointField


class PhaseOut(serializers.ModelSerializer[Phase]):
    class Meta:
        model = Phase
        fields = ["kind", "starts_at", "ends_at"]


class PotOut(serializers.ModelSerializer[Pot]):
    neighbourhood: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )

    class Meta:
        model = Pot
        fields = ["id", "name", "neighbourhood", "amount"]


class ProcessOut(serializers.ModelSerializer[Process]):
    phases = PhaseOut(many=True, read_only=True)
    pots = PotOut(many=True, read_only=True)
    current_phase = serializers.SerializerMethodField()

    class Meta:
        model = Process
        fields = [
            "id",
            "slug",
            "title",
            "description",
            "languages",
            "ballot_type",
            "min_projects",
            "max_projects",
            "max_total_cost",
            "max_points_per_project",
            "max_total_points",
            "rule",
            "min_votes_threshold",
            "pot_formula",
            "neighbourhood_budget",
            "currency",
            "results_published_at",
            "current_phase",
            "phases",
            "pots",
        ]

    def get_current_phase(self, process: Process) -> str | None:
        phase = process_current_phase(process)
        return phase.kind if phase else None


class ProjectOut(serializers.ModelSerializer[Project]):
    pot: serializers.PrimaryKeyRelatedField[Any] = serializers.PrimaryKeyRelatedField(
        read_only=True
    )
    neighbourhood: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )

    class Meta:
        model = Project
        fields = [
            "id",
            "short_code",
            "title",
            "description",
            "cost",
            "pot",
            "neighbourhood",
            "lat",
            "lng",
            "implementation_status",
            "implementation_note",
        ]


class ReceiptOut(serializers.Serializer[Any]):
    counted = serializers.BooleanField()
    cast_at = serializers.DateTimeField()
    channel = serializers.CharField()
    process_title = serializers.CharField()
    pot_name = serializers.CharField()
    replaced_at = serializers.DateTimeField(allow_null=True)
    replaced_by_channel = serializers.CharField(allow_null=True)
    voided_at = serializers.DateTimeField(allow_null=True)


class ProjectResultOut(serializers.Serializer[Any]):
    project_id = serializers.IntegerField(source="project.pk")
    short_code = serializers.IntegerField(source="project.short_code")
    title = serializers.CharField(source="project.title")
    cost = serializers.DecimalField(source="project.cost", max_digits=16, decimal_places=2)
    votes = serializers.IntegerField()
    score = serializers.DecimalField(max_digits=20, decimal_places=2)
    funded = serializers.BooleanField()
    computed_funded = serializers.BooleanField()
    reason_code = serializers.CharField()
    reason = serializers.CharField()


class OverrideOut(serializers.Serializer[Any]):
    kind = serializers.CharField()
    project_id = serializers.IntegerField(source="project.pk", allow_null=True, default=None)
    budget = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
    reason = serializers.CharField()
    created_at = serializers.DateTimeField()


class PotResultOut(serializers.Serializer[Any]):
    pot_id = serializers.IntegerField(source="pot.pk")
    pot = serializers.CharField(source="pot.name")
    rule = serializers.CharField()
    rule_label = serializers.CharField()
    budget = serializers.DecimalField(max_digits=16, decimal_places=2)
    spent = serializers.DecimalField(max_digits=16, decimal_places=2)
    ballots = serializers.IntegerField()
    computed_at = serializers.DateTimeField()
    projects = ProjectResultOut(many=True)
    # Staff changes to the computed outcome, each with its public reason.
    overrides = OverrideOut(many=True)


class PotShareOut(serializers.Serializer[Any]):
    neighbourhood = serializers.CharField()
    population = serializers.IntegerField()
    need_index = serializers.DecimalField(max_digits=6, decimal_places=3)
    weight = serializers.DecimalField(max_digits=24, decimal_places=3)
    weight_share = serializers.DecimalField(max_digits=12, decimal_places=8)
    formula_amount = serializers.DecimalField(max_digits=16, decimal_places=2)
    pot_amount = serializers.DecimalField(max_digits=16, decimal_places=2)


class PotAllocationOut(serializers.Serializer[Any]):
    formula = serializers.CharField()
    formula_label = serializers.CharField()
    neighbourhood_budget = serializers.DecimalField(max_digits=16, decimal_places=2)
    citywide_amount = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
    shares = PotShareOut(many=True)


# --- projects as GeoJSON ------------------------------------------------------------------


class ProjectFeatureOut(FeatureOut):
    geometry = PointField()
    properties = ProjectOut(source="*", read_only=True)


# --- fairness of published results ---------------------------------------------------------


def _ratio(value: Fraction) -> float:
    return round(float(value), 6)


class FairnessFiguresOut(serializers.Serializer[Any]):
    voters = serializers.IntegerField()
    non_empty_handed = serializers.SerializerMethodField(
        help_text="Share of voters with at least one funded project they supported (0..1)."
    )
    avg_projects = serializers.SerializerMethodField(
        help_text="Average number of funded projects a voter supported."
    )
    avg_cost_satisfaction = serializers.SerializerMethodField(
        help_text="Average money spent on projects a voter supported."
    )
    funded = serializers.IntegerField()
    spent = serializers.SerializerMethodField()

    def get_non_empty_handed(self, figures: Fairness) -> float:
        return _ratio(figures.non_empty_handed)

    def get_avg_projects(self, figures: Fairness) -> float:
        return _ratio(figures.avg_projects)

    def get_avg_cost_satisfaction(self, figures: Fairness) -> str:
        return str(decimal_from_fraction(figures.avg_cost_satisfaction).quantize(Decimal("0.01")))

    def get_spent(self, figures: Fairness) -> str:
        return str(decimal_from_fraction(figures.spent).quantize(Decimal("0.01")))


class RuleFairnessOut(serializers.Serializer[Any]):
    rule = serializers.CharField()
    published = serializers.BooleanField()
    figures = FairnessFiguresOut()
    funded_projects = serializers.ListField(child=serializers.IntegerField(), source="funded")


class PotFairnessOut(serializers.Serializer[Any]):
    pot_id = serializers.IntegerField(source="pot.pk")
    pot = serializers.CharField(source="pot.name")
    outcomes = RuleFairnessOut(many=True, source="rules")


class NeighbourhoodFundsOut(serializers.Serializer[Any]):
    neighbourhood = serializers.SerializerMethodField()
    population_share = serializers.SerializerMethodField()
    need_share = serializers.SerializerMethodField()
    funds = serializers.DictField(child=serializers.DecimalField(max_digits=16, decimal_places=2))
    funds_share = serializers.SerializerMethodField()

    def get_neighbourhood(self, row: NeighbourhoodFunds) -> str | None:
        return row.neighbourhood.slug if row.neighbourhood else None

    def get_population_share(self, row: NeighbourhoodFunds) -> float:
        return _ratio(row.population_share)

    def get_need_share(self, row: NeighbourhoodFunds) -> float:
        return _ratio(row.need_share)

    def get_funds_share(self, row: NeighbourhoodFunds) -> dict[str, float]:
        return {key: _ratio(value) for key, value in row.funds_share.items()}


class ProcessFairnessOut(serializers.Serializer[Any]):
    published_rule = serializers.CharField()
    outcomes = serializers.ListField(child=serializers.CharField())
    pots = PotFairnessOut(many=True)
    neighbourhoods = NeighbourhoodFundsOut(many=True)
