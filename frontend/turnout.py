"""Turnout as the resident pages show it: residents who voted, each once, and how they
voted (web, SMS, paper, partner apps), with the same figures and the same small-cell
suppression as ``GET /api/processes/<slug>/participation/``."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from core.models import Process
from equity.public import participation_by_channel
from equity.selectors import PUBLIC_CHANNELS, process_participation


def channel_label(channel: str) -> str:
    labels = {"web": _("Web"), "sms": _("SMS"), "paper": _("Paper"), "api": _("API")}
    return labels.get(channel, channel)


def count_text(value: int | None) -> str:
    """A published count, or "fewer than N" where it is withheld."""
    return _("fewer than %(n)d") % {"n": settings.EQUITY_MIN_CELL} if value is None else str(value)


@dataclass(frozen=True)
class ChannelTurnout:
    channel: str
    label: str
    count: str


@dataclass(frozen=True)
class Turnout:
    participants: int
    channels: list[ChannelTurnout]


def _channel_order(item: tuple[str, int | None]) -> tuple[int, str]:
    order = [str(c) for c in PUBLIC_CHANNELS]
    return (order.index(item[0]) if item[0] in order else len(order), item[0])


def process_turnout_by_channel(process: Process) -> Turnout:
    """The process's turnout and its split by channel (two grouped queries)."""
    figures = process_participation(process)
    by_channel = participation_by_channel(figures)
    # Channels nobody used are left out (a city without a partner app shows no "API: 0").
    return Turnout(
        participants=figures.participants,
        channels=[
            ChannelTurnout(channel=c, label=channel_label(c), count=count_text(n))
            for c, n in sorted(by_channel.items(), key=_channel_order)
            if n != 0
        ],
    )
