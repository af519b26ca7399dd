"""The names a new pot is given in every language (modeltranslation columns), so
"City-wide" never stays in English on a Spanish page or text."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _


def citywide_pot_names() -> dict[str, str]:
    """``{"name": ..., "name_en": "City-wide", "name_es": "Toda la ciudad", ...}``:
    keyword arguments for creating or updating a city-wide pot."""
    names = {}
    for code, _label in settings.LANGUAGES:
        with translation.override(code):
            names[f"name_{code}"] = _("City-wide")
    names["name"] = names[f"name_{settings.LANGUAGE_CODE}"]
    return names
