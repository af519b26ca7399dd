# Staff broadcasts to neighbourhoods, and the link from each queued copy to its broadcast.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("maps", "0001_initial"),
        ("sms", "0003_sms_conversation"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="SmsBroadcast",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("texts", models.JSONField(default=dict)),
                ("recipients", models.PositiveIntegerField(default=0)),
                ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                (
                    "created_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="sms_broadcasts",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "neighbourhoods",
                    models.ManyToManyField(related_name="sms_broadcasts", to="maps.neighbourhood"),
                ),
            ],
            options={"ordering": ["-created_at"]},
        ),
        migrations.AddField(
            model_name="outboundmessage",
            name="broadcast",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="messages",
                to="sms.smsbroadcast",
            ),
        ),
    ]
