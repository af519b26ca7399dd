"""Writes of the participation app: residents and their identity, proposals, comments,
supports. Web views, the API, the SMS conversation and staff paper entry call these;
none of them writes these models directly."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from budgets.events import broadcast_on_commit
from budgets.models import Channel, PhaseKind, Process
from maps.locate import neighbourhood_at
from maps.models import Neighbourhood
from participation.identity import phone_hash, voter_code_hash
from participation.models import (
    Comment,
    Proposal,
    ProposalStatus,
    Resident,
    Support,
)

logger = logging.getLogger(__name__)

LANGUAGES = {code for code, _name in settings.LANGUAGES}

# Limits shared by every channel (an SMS IDEA and a web form get the same answer).
TITLE_MAX = 200
BODY_MAX = 5000
COMMENT_MAX = 2000

# Opt-in demographic questions: answers are kept only from this closed list.
DEMOGRAPHIC_QUESTIONS: dict[str, tuple[str, ...]] = {
    "age_band": ("under_18", "18_29", "30_44", "45_64", "65_plus"),
    "gender": ("woman", "man", "nonbinary", "other"),
    "tenure": ("renter", "owner", "other"),
}


class ParticipationError(Exception):
    """A refused action, with a message fit to show the resident (translatable)."""

    def __init__(self, code: str, message: Any) -> None:
        super().__init__(str(message))
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


# --- residents --------------------------------------------------------------------------


def resident_for_phone(
    *, e164: str, channel: str, language: str | None = None
) -> tuple[Resident, bool]:
    """The resident behind a verified E.164 number, created on first contact.
    Race-safe: two first messages at once create one resident (unique phone_hash)."""
    digest = phone_hash(e164)
    existing = Resident.objects.filter(phone_hash=digest).first()
    if existing is not None:
        if existing.phone_e164 != e164:
            existing.phone_e164 = e164
            existing.save(update_fields=["phone_e164"])
        return existing, False
    try:
        with transaction.atomic():
            resident = Resident.objects.create(
                phone_hash=digest,
                phone_e164=e164,
                first_channel=channel,
                language=language if language in LANGUAGES else settings.LANGUAGE_CODE,
            )
    except IntegrityError:
        return Resident.objects.get(phone_hash=digest), False
    return resident, True


def resident_for_voter_code(*, code: str) -> Resident | None:
    """The resident a printed voter code was issued to, or None for an unknown code."""
    return Resident.objects.filter(voter_code_hash=voter_code_hash(code)).first()


VOTER_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"


def voter_codes_issue(
    *, count: int, neighbourhood: Neighbourhood | None = None, language: str = "en"
) -> list[str]:
    """Create ``count`` residents identified by fresh printed voter codes and return the
    codes (shown once, for printing; only their keyed hashes are stored)."""
    if not 1 <= count <= 100_000:
        raise ParticipationError("bad_count", _("Issue between 1 and 100,000 codes at once."))
    codes = ["".join(secrets.choice(VOTER_CODE_ALPHABET) for _ in range(12)) for _ in range(count)]
    with transaction.atomic():
        Resident.objects.bulk_create(
            Resident(
                voter_code_hash=voter_code_hash(code),
                neighbourhood=neighbourhood,
                language=language,
                first_channel=Channel.PAPER,
            )
            for code in codes
        )
    return [f"{c[:4]}-{c[4:8]}-{c[8:]}" for c in codes]


def resident_set_language(*, resident: Resident, language: str) -> Resident:
    if language not in LANGUAGES:
        raise ParticipationError(
            "unknown_language",
            _("Language not available. Choose one of: %(codes)s")
            % {"codes": ", ".join(sorted(LANGUAGES))},
        )
    resident.language = language
    resident.save(update_fields=["language"])
    return resident


def resident_set_neighbourhood(*, resident: Resident, neighbourhood: Neighbourhood) -> Resident:
    resident.neighbourhood = neighbourhood
    resident.save(update_fields=["neighbourhood"])
    return resident


def resident_sms_opt_out(*, resident: Resident) -> Resident:
    """STOP: never text this resident again (checked by the outbound queue)."""
    if resident.sms_opted_out_at is None:
        resident.sms_opted_out_at = timezone.now()
        resident.save(update_fields=["sms_opted_out_at"])
    return resident


def resident_sms_opt_in(*, resident: Resident) -> Resident:
    if resident.sms_opted_out_at is not None:
        resident.sms_opted_out_at = None
        resident.save(update_fields=["sms_opted_out_at"])
    return resident


def resident_record_demographics(*, resident: Resident, answers: Mapping[str, str]) -> Resident:
    """Store opt-in self-reported answers (giving them is the consent). Unknown
    questions or answers are refused; never joined to ballots."""
    clean: dict[str, str] = {}
    for question, answer in answers.items():
        allowed = DEMOGRAPHIC_QUESTIONS.get(question)
        if allowed is None or answer not in allowed:
            raise ParticipationError(
                "bad_demographic_answer", _("That answer is not one of the choices.")
            )
        clean[question] = answer
    if not clean:
        return resident
    resident.demographics = {**resident.demographics, **clean}
    resident.demographics_consent_at = resident.demographics_consent_at or timezone.now()
    resident.save(update_fields=["demographics", "demographics_consent_at"])
    return resident


# --- proposals, comments, supports --------------------------------------------------------


def _phase_open(process: Process, kind: str) -> bool:
    now = timezone.now()
    return process.phases.filter(kind=kind, starts_at__lte=now, ends_at__gt=now).exists()


@dataclass(frozen=True)
class Point:
    lat: float
    lng: float


def proposal_submit(
    *,
    author: Resident,
    process: Process,
    title: str,
    body: str,
    channel: str,
    point: Point | None = None,
    neighbourhood: Neighbourhood | None = None,
    address: str = "",
    language: str | None = None,
) -> Proposal:
    """A resident's idea, awaiting moderation. The neighbourhood comes from the map pin
    (point-in-polygon) when there is one, else from the given neighbourhood."""
    title = " ".join((title or "").split())
    body = (body or "").strip()
    if not _phase_open(process, PhaseKind.IDEAS):
        raise ParticipationError("ideas_closed", _("Ideas are not being collected right now."))
    if not title:
        raise ParticipationError("title_required", _("Give your idea a short title."))
    if len(title) > TITLE_MAX:
        raise ParticipationError(
            "title_too_long", _("Keep the title under %(n)d characters.") % {"n": TITLE_MAX}
        )
    if len(body) > BODY_MAX:
        raise ParticipationError(
            "body_too_long", _("Keep the description under %(n)d characters.") % {"n": BODY_MAX}
        )
    if point is not None:
        if not (-90 <= point.lat <= 90 and -180 <= point.lng <= 180):
            raise ParticipationError("bad_point", _("That map position is not valid."))
        located = neighbourhood_at(point.lat, point.lng)
        if located is None:
            raise ParticipationError(
                "outside_city", _("That place is outside the city's neighbourhoods.")
            )
        neighbourhood = located
    if neighbourhood is None:
        raise ParticipationError(
            "neighbourhood_required", _("Tell us which neighbourhood the idea is for.")
        )
    proposal = Proposal.objects.create(
        process=process,
        author=author,
        title=title,
        body=body or title,
        lat=point.lat if point else None,
        lng=point.lng if point else None,
        address=address.strip()[:300],
        neighbourhood=neighbourhood,
        status=ProposalStatus.SUBMITTED,
        channel=channel,
        language=language or author.language,
    )
    logger.info("proposal %s submitted via %s", proposal.pk, channel)
    return proposal


def comment_post(
    *, author: Resident, proposal: Proposal, body: str, channel: str, parent: Comment | None = None
) -> Comment:
    body = (body or "").strip()
    if proposal.status != ProposalStatus.APPROVED:
        raise ParticipationError("not_open", _("Comments are open on published ideas only."))
    if not body:
        raise ParticipationError("empty", _("Write something to comment."))
    if len(body) > COMMENT_MAX:
        raise ParticipationError(
            "too_long", _("Keep comments under %(n)d characters.") % {"n": COMMENT_MAX}
        )
    if parent is not None and parent.proposal_id != proposal.pk:
        raise ParticipationError("bad_parent", _("You can only reply on the same idea."))
    comment = Comment.objects.create(
        proposal=proposal, author=author, parent=parent, body=body, channel=channel
    )
    broadcast_on_commit(
        proposal.process_id,
        {
            "kind": "comment",
            "data": {
                "proposal": proposal.pk,
                "comment": comment.pk,
                "parent": parent and parent.pk,
            },
        },
    )
    return comment


def support_add(*, resident: Resident, proposal: Proposal) -> bool:
    """Support an idea; idempotent. Returns True when a new support was recorded."""
    if proposal.status != ProposalStatus.APPROVED:
        raise ParticipationError("not_open", _("Only published ideas can be supported."))
    try:
        with transaction.atomic():
            Support.objects.create(resident=resident, proposal=proposal)
    except IntegrityError:
        return False
    return True


def support_remove(*, resident: Resident, proposal: Proposal) -> bool:
    deleted, _counts = Support.objects.filter(resident=resident, proposal=proposal).delete()
    return deleted > 0

