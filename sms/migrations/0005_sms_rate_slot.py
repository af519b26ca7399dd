# The shared outbound rate limit: one row per limit holding its next free sending slot.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("sms", "0004_sms_broadcast"),
    ]

    operations = [
        migrations.CreateModel(
            name="SmsRateSlot",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("key", models.CharField(max_length=32, unique=True)),
                ("next_free_at", models.DateTimeField()),
            ],
        ),
    ]
