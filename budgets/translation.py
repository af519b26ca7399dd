"""Ballot projects' titles and descriptions per language (django-modeltranslation; see
core/translation.py for how reading falls back)."""

from __future__ import annotations

from modeltranslation.translator import TranslationOptions, register

from budgets.models import Pot, Project


@register(Project)
class ProjectTranslation(TranslationOptions):
    fields = ("title", "description")


@register(Pot)
class PotTranslation(TranslationOptions):
    # "City-wide" (and any pot a city names) reads in the page's or text's language.
    fields = ("name",)
