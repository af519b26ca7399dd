"""Existing processes' titles and descriptions become their default-language text
(English): the columns modeltranslation reads. Reversible: going back copies that text
into the original columns again."""

from django.db import migrations

# The languages of the columns added by the migration before this one.
LANGUAGES = ("en", "es", "fr")
DEFAULT = "en"
FIELDS = ("title", "description")


def forward(apps, schema_editor):
    Process = apps.get_model("core", "Process")
    lang = DEFAULT
    for row in Process.objects.all():
        for field in FIELDS:
            setattr(row, f"{field}_{lang}", getattr(row, field))
        row.save(update_fields=[f"{field}_{lang}" for field in FIELDS])


def backward(apps, schema_editor):
    Process = apps.get_model("core", "Process")
    langs = [DEFAULT, *LANGUAGES]
    for row in Process.objects.all():
        for field in FIELDS:
            text = next((v for v in (getattr(row, f"{field}_{x}") for x in langs) if v), None)
            if text:
                setattr(row, field, text)
        row.save(update_fields=list(FIELDS))


class Migration(migrations.Migration):
    dependencies = [("core", "0002_process_texts_per_language")]

    operations = [migrations.RunPython(forward, backward)]
