"""Ballot projects' titles and descriptions per language (django-modeltranslation; see
core/translation.py for how reading falls back)."""

from __future__ import annotations

from modeltranslation.translator import TranslationOptions, register

from budgets.models import Project


@register(Project)
class ProjectTranslation(TranslationOptions):
    fields = ("title", "description")
