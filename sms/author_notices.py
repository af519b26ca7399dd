"""Telling an idea's author what staff decided, in their language, on their own channel:
a text through the SMS queue for an idea sent by SMS (``send_sms``), a web notice on
their updates page otherwise (or when they opted out of texts).

It lives on the SMS floor for the reason sign-in and delivery updates do: it texts
people. The decisions themselves are made below, by ``proposal_moderate``
(participation) and ``proposal_to_project`` (budgets), which return the notices to
deliver; the two ``*_and_tell`` services here run a decision and its notices in one
transaction, so a refused decision tells nobody and texts leave only on commit. Staff
pages call these, never the decision services alone.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from budgets.services.review import ReviewResult, proposal_to_project
from core.models import Channel
from participation.identity import InvalidPhoneNumber
from participation.models import NoticeKind
from participation.notices import AuthorNotice
from participation.services.moderation import ModerationResult, proposal_moderate
from participation.services.notices import resident_notice_add
from sms.commands import replies
from sms.commands.keywords import Kind, display
from sms.commands.parser import idea_ref
from sms.models import OutboundPurpose
from sms.sending import send_sms

logger = logging.getLogger(__name__)


def author_notice_text(notice: AuthorNotice, language: str) -> str:
    """The text an SMS author gets, in ``language``; a reason is shortened to fit two
    segments, never the facts around it."""
    # The I-number residents type (COMMENT I12, INFO I12), never a bare "#12" that
    # reads like a project number.
    idea = idea_ref(notice.proposal.pk)
    with translation.override(language):
        if notice.kind == NoticeKind.APPROVED:
            return replies.finish(
                _("Your idea %(ref)s is published. Others can now support it.") % {"ref": idea}
            )
        if notice.kind == NoticeKind.REJECTED:
            head = _("Your idea %(ref)s was not accepted. Reason:") % {"ref": idea}
            return replies.fit_part(lambda text: f"{head} {text}", notice.reason)
        if notice.kind == NoticeKind.CHANGES:
            head = _("Please change your idea %(ref)s:") % {"ref": idea}
            tail = _("Send %(idea)s with a new version.") % {"idea": display(Kind.IDEA, language)}
            return replies.fit_part(lambda text: f"{head} {text} {tail}", notice.reason)
        if notice.kind == NoticeKind.MERGED:
            return replies.finish(
                _("Your idea %(ref)s was merged into the similar idea %(into)s.")
                % {"ref": idea, "into": idea_ref(int(notice.data.get("into") or 0))}
            )
        if notice.kind == NoticeKind.MERGED_IN:
            return replies.finish(
                _("A similar idea was merged into your idea %(ref)s.") % {"ref": idea}
            )
        if notice.kind == NoticeKind.ON_BALLOT:
            code = int(notice.data.get("short_code") or 0)
            return replies.finish(
                _("Your idea %(ref)s is on the ballot as project %(code)d. Send %(info)s %(code)d.")
                % {"ref": idea, "code": code, "info": display(Kind.INFO, language)}
            )
    raise ValueError(f"no text for notice {notice.kind}")


def author_notice_deliver(notice: AuthorNotice) -> str:
    """Deliver one notice on the author's channel; returns "sms" or "web"."""
    resident = notice.resident
    by_sms = (
        notice.proposal.channel == Channel.SMS
        and bool(resident.phone_e164)
        and resident.sms_opted_out_at is None
    )
    if by_sms:
        try:
            send_sms(
                to=resident.phone_e164,
                body=author_notice_text(notice, resident.language),
                purpose=OutboundPurpose.NOTICE,
                language=resident.language,
            )
            return "sms"
        except InvalidPhoneNumber:
            logger.warning("author #%s has an invalid number; told on the web", resident.pk)
    resident_notice_add(notice=notice)
    return "web"


def proposal_moderate_and_tell(**decision: Any) -> ModerationResult:
    """``proposal_moderate(**decision)``, then its notices delivered, in one
    transaction (see ``proposal_moderate`` for the checks and the permission)."""
    with transaction.atomic():
        result = proposal_moderate(**decision)
        for notice in result.notices:
            author_notice_deliver(notice)
    return result


def proposal_to_project_and_tell(**review: Any) -> ReviewResult:
    """``proposal_to_project(**review)``, then the author told their idea is on the
    ballot, in one transaction."""
    with transaction.atomic():
        result = proposal_to_project(**review)
        if result.notice is not None:
            author_notice_deliver(result.notice)
    return result
