# Records what each inbound text was read as, and indexes a number's recent messages
# for the per-number inbound rate limit.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("sms", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="inboundmessage",
            name="command",
            field=models.CharField(blank=True, max_length=16),
        ),
        migrations.AddIndex(
            model_name="inboundmessage",
            index=models.Index(fields=["from_hash", "received_at"], name="sms_inbound_from_recent"),
        ),
    ]
