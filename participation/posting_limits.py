"""How often one resident may post ideas and comments: the one home of the posting
limits, checked by ``proposal_submit`` and ``comment_post`` so the web, SMS and any
later channel refuse a flood alike (SMS also throttles texts per number, earlier, in
``sms.rate_limits``; this limit is per resident, whatever the channel).

The limit counts the resident's own rows of the last hour (ideas, comments), so it
needs no table of its own and survives restarts. The caller holds the resident's row
lock, so two posts racing in parallel are counted one after the other.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import ngettext

from participation.errors import ParticipationError
from participation.models import Comment, Flag, Proposal, Resident

WINDOW = dt.timedelta(hours=1)
IDEA = "idea"
COMMENT = "comment"
FLAG = "flag"


@dataclass(frozen=True)
class PostingLimit:
    kind: str
    per_hour: int


def posting_limit(kind: str) -> PostingLimit:
    per_hour = {
        IDEA: settings.IDEAS_PER_HOUR,
        COMMENT: settings.COMMENTS_PER_HOUR,
        FLAG: settings.FLAGS_PER_HOUR,
    }[kind]
    return PostingLimit(kind=kind, per_hour=int(per_hour))


def _recent_times(kind: str, resident: Resident, since: dt.datetime, n: int) -> list[dt.datetime]:
    """The creation times of the resident's newest ``n`` posts of ``kind`` since ``since``."""
    rows: QuerySet[Proposal] | QuerySet[Comment] | QuerySet[Flag]
    if kind == IDEA:
        rows = Proposal.objects.filter(author=resident, created_at__gte=since)
    elif kind == FLAG:
        rows = Flag.objects.filter(resident=resident, created_at__gte=since)
    else:
        rows = Comment.objects.filter(author=resident, created_at__gte=since)
    return list(rows.order_by("-created_at").values_list("created_at", flat=True)[:n])


def posting_limit_check(*, resident: Resident, kind: str, now: dt.datetime | None = None) -> None:
    """Raise ``ParticipationError("rate_limited")`` when ``resident`` has already posted
    the hour's allowance of ``kind``; the message says when the next post is possible.
    Call it with the resident's row locked (``select_for_update``)."""
    limit = posting_limit(kind)
    if limit.per_hour <= 0:  # 0 turns the limit off (a staff-run kiosk, a test)
        return
    now = now or timezone.now()
    recent = _recent_times(kind, resident, now - WINDOW, limit.per_hour)
    if len(recent) < limit.per_hour:
        return
    # The oldest of the last ``per_hour`` posts leaves the window first.
    free_at = recent[-1] + WINDOW
    minutes = max(1, math.ceil((free_at - now).total_seconds() / 60))
    if kind == IDEA:
        said = ngettext(
            "You have sent %(n)d idea in the last hour, the most allowed.",
            "You have sent %(n)d ideas in the last hour, the most allowed.",
            limit.per_hour,
        ) % {"n": limit.per_hour}
    elif kind == FLAG:
        said = ngettext(
            "You have reported %(n)d post in the last hour, the most allowed.",
            "You have reported %(n)d posts in the last hour, the most allowed.",
            limit.per_hour,
        ) % {"n": limit.per_hour}
    else:
        said = ngettext(
            "You have posted %(n)d comment in the last hour, the most allowed.",
            "You have posted %(n)d comments in the last hour, the most allowed.",
            limit.per_hour,
        ) % {"n": limit.per_hour}
    wait = ngettext(
        "You can post again in %(m)d minute.", "You can post again in %(m)d minutes.", minutes
    ) % {"m": minutes}
    raise ParticipationError("rate_limited", f"{said} {wait}")
