from django.db import migrations, models


class Migration(migrations.Migration):
    """A resident may be identified by the keyed hash of an identity a poll worker
    checked (name + address, or an ID number); it counts as an identity."""

    dependencies = [
        ("participation", "0007_resident_voter_code_process"),
    ]

    operations = [
        migrations.AddField(
            model_name="resident",
            name="checked_identity_hash",
            field=models.CharField(blank=True, max_length=64, null=True, unique=True),
        ),
        migrations.RemoveConstraint(
            model_name="resident",
            name="resident_has_identity",
        ),
        migrations.AddConstraint(
            model_name="resident",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("phone_hash__isnull", False),
                    ("voter_code_hash__isnull", False),
                    ("checked_identity_hash__isnull", False),
                    _connector="OR",
                ),
                name="resident_has_identity",
            ),
        ),
    ]
