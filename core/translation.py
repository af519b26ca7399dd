"""Fields of core models given per language (django-modeltranslation registers these:
``title_en``, ``title_es``, ... columns beside the original). Reading ``title`` gives the
active language's text, falling back to the other languages in
``MODELTRANSLATION_FALLBACK_LANGUAGES`` order, so a text never given in a language shows
in the one it was written in."""

from __future__ import annotations

from modeltranslation.translator import TranslationOptions, register

from core.models import Process


@register(Process)
class ProcessTranslation(TranslationOptions):
    fields = ("title", "description")
