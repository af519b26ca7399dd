import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

STATUSES = [
    ("not_started", "Not started"),
    ("planning", "Planning"),
    ("in_progress", "In progress"),
    ("delivered", "Delivered"),
    ("cancelled", "Cancelled"),
]


class Migration(migrations.Migration):
    """Delivery of funded projects: progress, dated milestones, the history of updates
    (with an optional photo) and the named permission to post them."""

    dependencies = [
        ("budgets", "0008_ballot_voids"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="project",
            name="implementation_percent",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="project",
            name="implementation_updated_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddConstraint(
            model_name="project",
            constraint=models.CheckConstraint(
                condition=models.Q(("implementation_percent__lte", 100)),
                name="project_percent_at_most_100",
            ),
        ),
        migrations.AlterModelOptions(
            name="project",
            options={
                "ordering": ["process", "short_code"],
                "permissions": [
                    ("update_delivery", "Can post delivery updates of funded projects")
                ],
            },
        ),
        migrations.CreateModel(
            name="ProjectMilestone",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("title", models.CharField(max_length=200)),
                ("planned_on", models.DateField()),
                ("done_on", models.DateField(blank=True, null=True)),
                (
                    "project",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="milestones",
                        to="budgets.project",
                    ),
                ),
            ],
            options={"ordering": ["project", "planned_on", "pk"]},
        ),
        migrations.CreateModel(
            name="ProjectUpdate",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField(db_index=True)),
                ("status", models.CharField(choices=STATUSES, max_length=20)),
                ("percent", models.PositiveSmallIntegerField()),
                ("notes", models.JSONField(blank=True, default=dict)),
                ("photo", models.BinaryField(blank=True, null=True)),
                ("photo_type", models.CharField(blank=True, max_length=20)),
                (
                    "author",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "project",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="updates",
                        to="budgets.project",
                    ),
                ),
            ],
            options={"ordering": ["-created_at", "-pk"]},
        ),
        migrations.AddConstraint(
            model_name="projectupdate",
            constraint=models.CheckConstraint(
                condition=models.Q(("percent__lte", 100)), name="update_percent_at_most_100"
            ),
        ),
    ]
