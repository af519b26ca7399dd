import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """A printed voter code belongs to the process its letter was issued for."""

    dependencies = [
        ("core", "0001_initial"),
        ("participation", "0006_proposal_texts_into_their_language"),
    ]

    operations = [
        migrations.AddField(
            model_name="resident",
            name="voter_code_process",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="voter_code_residents",
                to="core.process",
            ),
        ),
    ]
