import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """A paper entry can be voided by a supervisor; voids are kept, append-only, for
    receipt checks. The named permissions of paper entry and of voiding."""

    dependencies = [
        ("budgets", "0007_project_texts_into_default_language"),
    ]

    operations = [
        migrations.AddField(
            model_name="ballot",
            name="voided_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.CreateModel(
            name="BallotVoid",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("receipt", models.CharField(max_length=16, unique=True)),
                ("voided_at", models.DateTimeField()),
                (
                    "ballot",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="voids",
                        to="budgets.ballot",
                    ),
                ),
            ],
            options={"ordering": ["voided_at"]},
        ),
        migrations.AlterModelOptions(
            name="ballot",
            options={
                "permissions": [
                    ("enter_paper_ballots", "Can enter paper ballots (poll worker)"),
                    ("void_paper_ballots", "Can void a paper ballot entry (supervisor)"),
                ]
            },
        ),
    ]
