from django.db import migrations


class Migration(migrations.Migration):
    """The named permission to issue printed voter codes."""

    dependencies = [
        ("participation", "0008_resident_checked_identity"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="resident",
            options={"permissions": [("issue_voter_codes", "Can issue printed voter codes")]},
        ),
    ]
