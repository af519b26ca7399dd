"""Ordering by a text given per language (django-modeltranslation), as readers see it.

modeltranslation rewrites ``order_by("title")`` to the active language's column only, so
texts not translated into it (NULL there) would sort apart from the rest. This orders by
what ``title`` reads as: the active language's text, else the fallback languages' in
order, the same resolution the field itself uses."""

from __future__ import annotations

from django.conf import settings
from django.db.models import F, TextField, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils.translation import get_language


def translated_order(field: str) -> Coalesce:
    active = (get_language() or settings.MODELTRANSLATION_DEFAULT_LANGUAGE).split("-")[0]
    order = [active, *settings.MODELTRANSLATION_FALLBACK_LANGUAGES]
    languages = [lang for i, lang in enumerate(order) if lang not in order[:i]]
    languages = [lang for lang in languages if lang in settings.MODELTRANSLATION_LANGUAGES]
    text = TextField()
    columns = [NullIf(F(f"{field}_{lang}"), Value(""), output_field=text) for lang in languages]
    return Coalesce(*columns, Value(""), output_field=text)
