# Conversation state of the SMS keyword dialogue (the pending question), one per resident.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("participation", "0001_initial"),
        ("sms", "0002_inbound_command"),
    ]

    operations = [
        migrations.CreateModel(
            name="SmsConversation",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("pending", models.CharField(blank=True, max_length=24)),
                ("pending_text", models.TextField(blank=True)),
                ("more", models.CharField(blank=True, max_length=24)),
                ("neighbourhood_asked_at", models.DateTimeField(blank=True, null=True)),
                ("demographics_asked_at", models.DateTimeField(blank=True, null=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "resident",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="sms_conversation",
                        to="participation.resident",
                    ),
                ),
            ],
        ),
    ]
