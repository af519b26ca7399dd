"""Money, numbers and dates in the reader's language: the one formatter that pages,
SMS replies, results and print sheets call (Babel's CLDR data).

``1500000 USD`` reads ``$1,500,000`` in English, ``1.500.000 US$`` in Spanish and
``1 500 000 $US`` in French; whole amounts drop their cents, others keep two digits.
The language is the active one (``translation.override`` in the SMS conversation and
the print commands, the request's on pages) unless one is passed. No-break spaces
from CLDR are kept on the web, where they stop "US$" wrapping onto its own line;
``sms.segments.sms_text`` turns them into plain spaces for texts.
"""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal
from functools import lru_cache

from babel import Locale
from babel.core import UnknownLocaleError
from babel.dates import format_date, format_datetime, format_time
from babel.numbers import NumberPattern, format_decimal
from django.conf import settings
from django.utils import timezone, translation

__all__ = [
    "date_text",
    "datetime_text",
    "locale_for",
    "money",
    "number_text",
    "time_text",
]


@lru_cache(maxsize=32)
def _locale(language: str) -> Locale:
    try:
        return Locale.parse(language.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return Locale.parse(settings.LANGUAGE_CODE)


def locale_for(language: str | None = None) -> Locale:
    """The Babel locale of ``language`` (default: the active language)."""
    return _locale(language or translation.get_language() or settings.LANGUAGE_CODE)


@lru_cache(maxsize=32)
def _whole_pattern(language: str) -> NumberPattern:
    pattern = copy.copy(_locale(language).currency_formats["standard"])
    pattern.frac_prec = (0, 0)
    return pattern


def money(amount: Decimal | int | float | str, currency: str, language: str | None = None) -> str:
    """``amount`` of ``currency`` (ISO 4217 code) as the language writes it."""
    value = Decimal(str(amount))
    locale = locale_for(language)
    code = (currency or "XXX").upper()
    if value == value.to_integral_value():
        pattern = _whole_pattern(str(locale))
        return pattern.apply(value, locale, currency=code, currency_digits=False)
    pattern = locale.currency_formats["standard"]
    return pattern.apply(value.quantize(Decimal("0.01")), locale, currency=code)


def number_text(value: Decimal | int | float, language: str | None = None) -> str:
    """A count or a score with the language's grouping (whole numbers without decimals)."""
    number = Decimal(str(value))
    if number == number.to_integral_value():
        number = number.quantize(Decimal(1))
    return format_decimal(number, locale=locale_for(language))


def datetime_text(moment: dt.datetime, language: str | None = None) -> str:
    """A date and time in local time: ``1 Dec 2026, 13:05`` / ``1 dic 2026, 13:05``."""
    local = timezone.localtime(moment) if timezone.is_aware(moment) else moment
    locale = locale_for(language)
    return format_datetime(local, format=_short_datetime(locale), locale=locale)


def _short_datetime(locale: Locale) -> str:
    # CLDR's medium date with a 24-hour time without seconds: short enough for an SMS.
    date = locale.date_formats["medium"].pattern
    return f"{date}, HH:mm"


def time_text(moment: dt.datetime, language: str | None = None) -> str:
    """A time of day in local time, as the language writes it (``13:05``, ``1:05 PM``)."""
    local = timezone.localtime(moment) if timezone.is_aware(moment) else moment
    return format_time(local, format="short", locale=locale_for(language))


def date_text(day: dt.date | dt.datetime, language: str | None = None) -> str:
    """A date as the language writes it in full: ``1 December 2026``, ``1 de diciembre
    de 2026``, ``1 décembre 2026``."""
    if isinstance(day, dt.datetime):
        day = timezone.localtime(day).date() if timezone.is_aware(day) else day.date()
    return format_date(day, format="long", locale=locale_for(language))
