"""Process and Phase now live in ``core`` (core/0001 took them over with their tables):
the foreign keys point there and the models leave this app's state. State only; the
tables, their constraints and their rows are untouched."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("budgets", "0004_tally_rule_mes_add1"),
        ("core", "0001_initial"),
        ("participation", "0003_process_moved_to_core"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name="ballot",
                    name="process",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="ballots",
                        to="core.process",
                    ),
                ),
                migrations.AlterField(
                    model_name="pot",
                    name="process",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="pots",
                        to="core.process",
                    ),
                ),
                migrations.AlterField(
                    model_name="project",
                    name="process",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="projects",
                        to="core.process",
                    ),
                ),
                migrations.DeleteModel(name="Phase"),
                migrations.DeleteModel(name="Process"),
            ],
        ),
    ]
