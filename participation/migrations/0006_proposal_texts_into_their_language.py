"""Existing ideas' titles and texts become the text of the language they were written in
(``Proposal.language``; the default language when that is not offered): the columns
modeltranslation reads. Reversible: going back copies that text into the original
columns again."""

from django.db import migrations

# The languages of the columns added by the migration before this one.
LANGUAGES = ("en", "es", "fr")
DEFAULT = "en"
FIELDS = ("title", "body")


def _language(row):
    offered = LANGUAGES
    return row.language if row.language in offered else DEFAULT


def forward(apps, schema_editor):
    Proposal = apps.get_model("participation", "Proposal")
    for row in Proposal.objects.all():
        lang = _language(row)
        for field in FIELDS:
            setattr(row, f"{field}_{lang}", getattr(row, field))
        row.save(update_fields=[f"{field}_{lang}" for field in FIELDS])


def backward(apps, schema_editor):
    Proposal = apps.get_model("participation", "Proposal")
    for row in Proposal.objects.all():
        langs = [_language(row), *LANGUAGES]
        for field in FIELDS:
            text = next((v for v in (getattr(row, f"{field}_{x}") for x in langs) if v), None)
            if text:
                setattr(row, field, text)
        row.save(update_fields=list(FIELDS))


class Migration(migrations.Migration):
    dependencies = [("participation", "0005_proposal_texts_per_language")]

    operations = [migrations.RunPython(forward, backward)]
