"""``{% load l10n_money %}``: ``{{ amount|money:process.currency }}``, ``{{ when|datetime_text }}``,
``{{ day|date_text }}`` in the page's language (core/l10n.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import template

from core import l10n

register = template.Library()


@register.filter
def money(amount: Decimal | int | float | str | None, currency: str) -> str:
    if amount is None or amount == "":
        return ""
    return l10n.money(amount, currency)


@register.filter
def datetime_text(moment: dt.datetime | None) -> str:
    return l10n.datetime_text(moment) if moment else ""


@register.filter
def date_text(day: dt.date | None) -> str:
    return l10n.date_text(day) if day else ""
