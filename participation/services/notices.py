"""The web notices of what happened to a resident's ideas (``ResidentNotice``): written
here only, by ``sms.author_notices`` for residents who use the web, and marked seen
when the resident opens their updates page."""

from __future__ import annotations

from django.utils import timezone

from participation.models import ResidentNotice
from participation.notices import AuthorNotice


def resident_notice_add(*, notice: AuthorNotice) -> ResidentNotice:
    return ResidentNotice.objects.create(
        resident=notice.resident,
        proposal=notice.proposal,
        kind=notice.kind,
        reason=notice.reason,
        data=notice.data,
    )


def resident_notices_seen(*, resident_id: int) -> int:
    """Mark the resident's unseen notices seen; returns how many."""
    return ResidentNotice.objects.filter(resident_id=resident_id, seen_at__isnull=True).update(
        seen_at=timezone.now()
    )
