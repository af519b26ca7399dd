import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """Residents follow a project's delivery, on the web or by SMS."""

    dependencies = [
        ("budgets", "0009_project_delivery_tracking"),
        ("participation", "0009_resident_issue_voter_codes_permission"),
    ]

    operations = [
        migrations.CreateModel(
            name="ProjectFollow",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "channel",
                    models.CharField(
                        choices=[
                            ("web", "Web"),
                            ("sms", "SMS"),
                            ("paper", "Paper"),
                            ("import", "Imported"),
                        ],
                        max_length=10,
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("seen_at", models.DateTimeField(blank=True, null=True)),
                (
                    "project",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="follows",
                        to="budgets.project",
                    ),
                ),
                (
                    "resident",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="project_follows",
                        to="participation.resident",
                    ),
                ),
            ],
        ),
        migrations.AddConstraint(
            model_name="projectfollow",
            constraint=models.UniqueConstraint(
                fields=("project", "resident", "channel"), name="follow_once_per_channel"
            ),
        ),
    ]
