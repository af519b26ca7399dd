"""Existing pots' names become their default-language text (English), and a city-wide
pot still called "City-wide" gets its Spanish and French names, so no page or text
shows it in English. Reversible: going back copies the English name into ``name``."""

from django.db import migrations

DEFAULT = "en"
CITYWIDE = {"en": "City-wide", "es": "Toda la ciudad", "fr": "Toute la ville"}


def forward(apps, schema_editor):
    Pot = apps.get_model("budgets", "Pot")
    for pot in Pot.objects.all():
        fields = ["name_en"]
        pot.name_en = pot.name
        if pot.neighbourhood_id is None and pot.name == CITYWIDE[DEFAULT]:
            pot.name_es, pot.name_fr = CITYWIDE["es"], CITYWIDE["fr"]
            fields += ["name_es", "name_fr"]
        pot.save(update_fields=fields)


def backward(apps, schema_editor):
    Pot = apps.get_model("budgets", "Pot")
    for pot in Pot.objects.all():
        text = pot.name_en or pot.name_es or pot.name_fr
        if text:
            pot.name = text
            pot.save(update_fields=["name"])


class Migration(migrations.Migration):
    dependencies = [("budgets", "0012_pot_name_per_language")]

    operations = [migrations.RunPython(forward, backward)]
