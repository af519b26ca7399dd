"""The default scorecard: one criterion per measure the equity issue names, each with a
target a city would start from. Cities edit targets, principles and which are enabled."""

from __future__ import annotations

from typing import Any

from django.db import migrations

DEFAULTS: list[dict[str, Any]] = [
    {
        "key": "turnout",
        "metric": "turnout_rate",
        "principle": "access",
        "target": 0.05,
        "direction": "at_least",
    },
    {
        "key": "inclusion",
        "metric": "inclusion_ratio",
        "principle": "access",
        "target": 0.5,
        "direction": "at_least",
    },
    {
        "key": "representativeness_age",
        "metric": "dissimilarity",
        "principle": "justice",
        "target": 0.1,
        "direction": "at_most",
        "params": {"question": "age_band"},
    },
    {
        "key": "representativeness_gender",
        "metric": "dissimilarity",
        "principle": "justice",
        "target": 0.1,
        "direction": "at_most",
        "params": {"question": "gender"},
    },
    {
        "key": "representativeness_tenure",
        "metric": "dissimilarity",
        "principle": "justice",
        "target": 0.1,
        "direction": "at_most",
        "params": {"question": "tenure"},
    },
    {
        "key": "access",
        "metric": "alternative_channels",
        "principle": "access",
        "target": 0.2,
        "direction": "at_least",
    },
    {
        "key": "ownership_ballot",
        "metric": "ideas_on_ballot",
        "principle": "ownership",
        "target": 0.5,
        "direction": "at_least",
    },
    {
        "key": "ownership_funded",
        "metric": "ideas_funded",
        "principle": "ownership",
        "target": 0.5,
        "direction": "at_least",
    },
    {
        "key": "fair_investment",
        "metric": "high_need_funds",
        "principle": "investment",
        "target": 1.0,
        "direction": "at_least",
    },
    {
        "key": "responsiveness",
        "metric": "decision_days",
        "principle": "access",
        "target": 14.0,
        "direction": "at_most",
    },
    {
        "key": "accountability",
        "metric": "recent_updates",
        "principle": "ownership",
        "target": 0.8,
        "direction": "at_least",
    },
]


def create(apps: Any, schema_editor: Any) -> None:
    Criterion = apps.get_model("equity", "Criterion")
    for position, row in enumerate(DEFAULTS):
        Criterion.objects.get_or_create(
            key=row["key"], defaults={**row, "position": position, "params": row.get("params", {})}
        )


def remove(apps: Any, schema_editor: Any) -> None:
    apps.get_model("equity", "Criterion").objects.filter(
        key__in=[row["key"] for row in DEFAULTS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("equity", "0001_criteria")]
    operations = [migrations.RunPython(create, remove)]
