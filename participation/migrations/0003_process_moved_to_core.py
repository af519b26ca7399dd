"""Proposal.process and Pilot.process now point at ``core.Process``: the same table
(``budgets_process``), so the database is unchanged (state only)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0001_initial"),
        ("participation", "0002_sign_in_codes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name="pilot",
                    name="process",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="pilots",
                        to="core.process",
                    ),
                ),
                migrations.AlterField(
                    model_name="proposal",
                    name="process",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="proposals",
                        to="core.process",
                    ),
                ),
            ],
        ),
    ]
