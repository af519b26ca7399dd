"""Ideas' titles and texts per language (django-modeltranslation; see core/translation.py
for how reading falls back). An idea is written in its author's language
(``Proposal.language``) and stored in that language's column; staff may add the others."""

from __future__ import annotations

from modeltranslation.translator import TranslationOptions, register

from participation.models import Proposal


@register(Proposal)
class ProposalTranslation(TranslationOptions):
    fields = ("title", "body")
