"""What an idea's author is told when staff decide on it (published, rejected with the
reason, changes requested, merged, on the ballot): the notice a service hands back,
and the sentence a web notice shows.

Services on this floor only say *who* is told *what* (``AuthorNotice``); delivering it
on the author's channel (a text for an SMS resident, a web notice otherwise) is the SMS
floor's (``sms.author_notices``), because participation cannot reach the SMS queue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from participation.models import NoticeKind, Proposal, Resident


@dataclass(frozen=True)
class AuthorNotice:
    """Tell ``resident`` that ``kind`` happened to their idea ``proposal``. ``reason``
    is the moderator's public reason; ``data`` carries the numbers a sentence needs:
    ``into`` (the idea merged into) and ``short_code`` (the ballot number)."""

    resident: Resident
    kind: str
    proposal: Proposal
    reason: str = ""
    data: dict[str, Any] = field(default_factory=dict)


def notice_sentence(kind: str, *, proposal_id: int | None, data: dict[str, Any]) -> str:
    """The sentence of a notice in the active language (the reason is shown apart)."""
    idea = proposal_id or 0
    if kind == NoticeKind.APPROVED:
        return _("Your idea #%(id)d is published. Residents can now support it.") % {"id": idea}
    if kind == NoticeKind.REJECTED:
        return _("Your idea #%(id)d was not accepted.") % {"id": idea}
    if kind == NoticeKind.CHANGES:
        return _("Moderators ask you to change your idea #%(id)d before it is published.") % {
            "id": idea
        }
    if kind == NoticeKind.MERGED:
        return _("Your idea #%(id)d was merged into idea #%(into)d, which is like it.") % {
            "id": idea,
            "into": int(data.get("into") or 0),
        }
    if kind == NoticeKind.MERGED_IN:
        return _("A similar idea was merged into your idea #%(id)d, with its supporters.") % {
            "id": idea
        }
    if kind == NoticeKind.ON_BALLOT:
        return _("Your idea #%(id)d is on the ballot as project %(code)d.") % {
            "id": idea,
            "code": int(data.get("short_code") or 0),
        }
    return ""
