"""``{% load l10n_money %}``: ``{{ amount|money:process.currency }}``, ``{{ when|datetime_text }}``,
``{{ day|date_text }}`` in the page's language (core/l10n.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import lru_cache

from django import template
from django.conf import settings
from django.utils import translation

from core import l10n

register = template.Library()


@register.filter
def money(amount: Decimal | int | float | str | None, currency: str) -> str:
    if amount is None or amount == "":
        return ""
    language = translation.get_language() or settings.LANGUAGE_CODE
    return _money_text(Decimal(str(amount)), currency, language)


# A page formats the same few amounts (costs, caps) again and again, and Babel takes
# tens of microseconds each time. The text depends only on the amount, the currency and
# the language, all three in the key (equal amounts, as 20000 and 20000.00, read the
# same), so a kept text is never stale; an edited cost is a new key.
@lru_cache(maxsize=4096)
def _money_text(amount: Decimal, currency: str, language: str) -> str:
    return l10n.money(amount, currency, language)


@register.filter
def datetime_text(moment: dt.datetime | None) -> str:
    return l10n.datetime_text(moment) if moment else ""


@register.filter
def date_text(day: dt.date | None) -> str:
    return l10n.date_text(day) if day else ""
