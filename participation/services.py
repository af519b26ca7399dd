"""Writes of the participation app: residents and their identity, proposals, comments,
supports. Web views, the API, the SMS conversation and staff paper entry call these;
none of them writes these models directly."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext
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
    SignInCode,
    SignInFailure,
    SignInFailureMethod,
    Support,
)
from sms.models import OutboundStatus
from sms.outbound import OPTED_OUT_CODE
from sms.sending import send_sms

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


def resident_claim_neighbourhood(*, resident: Resident, neighbourhood: Neighbourhood) -> Resident:
    """A resident says where they live, from the web. Allowed once: a neighbourhood
    decides which local pot's ballot they get, so letting them switch at will would let
    one person vote in every neighbourhood's pot in turn. Changes go through staff
    (``resident_set_neighbourhood``)."""
    if resident.neighbourhood_id not in (None, neighbourhood.pk):
        raise ParticipationError(
            "neighbourhood_set",
            _("Your neighbourhood is already set. To change it, contact the city."),
        )
    return resident_set_neighbourhood(resident=resident, neighbourhood=neighbourhood)


# --- sign-in without passwords --------------------------------------------------------------

SIGN_IN_CODE_TTL = timedelta(minutes=10)
SIGN_IN_CODE_TRIES = 5
SIGN_IN_CODE_DIGITS = 6
# Sends per number: a short burst window (stops SMS pumping and annoyance) and a daily cap.
SIGN_IN_SENDS_PER_NUMBER = ((3, timedelta(minutes=15)), (10, timedelta(days=1)))
# Sends per client address: one address asking codes for many numbers is abuse.
SIGN_IN_SENDS_PER_IP = ((10, timedelta(hours=1)),)
# Wrong codes (SMS or voter code) per client address, across all numbers.
SIGN_IN_FAILURES_PER_IP = ((20, timedelta(hours=1)),)


@dataclass(frozen=True)
class SignInCodeSent:
    e164: str
    expires_at: datetime


def _keyed_hash(value: str) -> str:
    key = (getattr(settings, "PHONE_KEY", "") or settings.SECRET_KEY).encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def sign_in_ip_hash(ip: str) -> str:
    """Keyed hash of a client address: rate limits need to compare addresses, nobody
    needs to read them."""
    return _keyed_hash("ip:" + (ip or "unknown"))


def _sign_in_code_hash(phone_digest: str, code: str) -> str:
    # Bound to the number: the same six digits sent to two numbers hash differently.
    return _keyed_hash(f"sign-in:{phone_digest}:{code}")


def _over_limit(queryset: Any, limits: tuple[tuple[int, timedelta], ...], now: datetime) -> bool:
    return any(queryset.filter(created_at__gt=now - window).count() >= n for n, window in limits)


def sign_in_code_send(*, e164: str, ip: str, language: str) -> SignInCodeSent:
    """Text a fresh 6-digit sign-in code to ``e164`` (already normalised).

    Refuses with ParticipationError when the number (3 per 15 minutes, 10 per day) or
    the client address (10 per hour) has asked too often; the counts are rows of
    SignInCode, so they hold across workers. Concurrent requests may overshoot a limit
    by the few that race; the limits are about abuse, not exact quotas.

    The text is in the resident's stored language if the number is known, else in
    ``language`` (the page's). Only keyed hashes of the number and the code are stored.
    The SMS is queued and leaves on commit; a number that opted out of texts (STOP)
    is refused in words.
    """
    digest = phone_hash(e164)
    ip_digest = sign_in_ip_hash(ip)
    now = timezone.now()
    if _over_limit(SignInCode.objects.filter(phone_hash=digest), SIGN_IN_SENDS_PER_NUMBER, now):
        raise ParticipationError(
            "rate_limited_number",
            _("Too many codes were sent to this number. Wait 15 minutes and try again."),
        )
    if _over_limit(SignInCode.objects.filter(ip_hash=ip_digest), SIGN_IN_SENDS_PER_IP, now):
        raise ParticipationError(
            "rate_limited_ip",
            _("Too many sign-in attempts from your connection. Try again in an hour."),
        )
    code = f"{secrets.randbelow(10**SIGN_IN_CODE_DIGITS):0{SIGN_IN_CODE_DIGITS}d}"
    known = Resident.objects.filter(phone_hash=digest).values_list("language", flat=True).first()
    sms_language = known if known in LANGUAGES else language
    if sms_language not in LANGUAGES:
        sms_language = settings.LANGUAGE_CODE
    with translation.override(sms_language):
        body = gettext(
            "Your Just City sign-in code is %(code)s. It expires in 10 minutes. "
            "Never share it: we will not ask you for it."
        ) % {"code": code}
    expires_at = now + SIGN_IN_CODE_TTL
    with transaction.atomic():
        SignInCode.objects.create(
            phone_hash=digest,
            ip_hash=ip_digest,
            code_hash=_sign_in_code_hash(digest, code),
            created_at=now,
            expires_at=expires_at,
        )
        # Queued: the text leaves after this transaction commits (sms.outbound).
        message = send_sms(to=e164, body=body, purpose="sign_in", language=sms_language)
        if message.status == OutboundStatus.CANCELLED:
            # Nothing will be sent: undo the code row too, and say why.
            if message.error_code == OPTED_OUT_CODE:
                raise ParticipationError(
                    "sms_opted_out",
                    _(
                        "This number asked us not to send texts (STOP). Text START to us to "
                        "allow them again, or sign in with a voter code."
                    ),
                )
            raise ParticipationError(
                "rate_limited_number",
                _("Too many texts were sent to this number. Wait an hour and try again."),
            )
    return SignInCodeSent(e164=e164, expires_at=expires_at)


def _failure_record(*, ip_digest: str, method: str) -> None:
    SignInFailure.objects.create(ip_hash=ip_digest, method=method, created_at=timezone.now())


def _refuse_if_guessing(ip_digest: str) -> None:
    failures = SignInFailure.objects.filter(ip_hash=ip_digest)
    if _over_limit(failures, SIGN_IN_FAILURES_PER_IP, timezone.now()):
        raise ParticipationError(
            "rate_limited_ip",
            _("Too many wrong codes from your connection. Try again in an hour."),
        )


def sign_in_code_verify(*, e164: str, code: str, ip: str, language: str | None = None) -> Resident:
    """Check ``code`` against the latest code sent to ``e164``; on success mark it used
    and return the resident of that number (created on first sign-in, in ``language``):
    the same resident the SMS channel sees for that phone.

    Each try is counted with a conditional UPDATE (attempts < limit) before comparing,
    so concurrent guesses cannot exceed ``SIGN_IN_CODE_TRIES``. Wrong codes are also
    logged per client address (SignInFailure). Raises ParticipationError, in words.
    """
    ip_digest = sign_in_ip_hash(ip)
    _refuse_if_guessing(ip_digest)
    digits = "".join(ch for ch in (code or "") if ch.isdigit())
    if len(digits) != SIGN_IN_CODE_DIGITS or len(code or "") > 20:
        # A typo in the form, not a guess: no try is used.
        raise ParticipationError("code_format", _("Enter the 6 digits from the text message."))
    digest = phone_hash(e164)
    now = timezone.now()
    row = SignInCode.objects.filter(phone_hash=digest, used_at__isnull=True).first()
    if row is None or row.expires_at <= now:
        raise ParticipationError("code_expired", _("That code has expired. Ask for a new one."))
    claimed = SignInCode.objects.filter(
        pk=row.pk, used_at__isnull=True, attempts__lt=SIGN_IN_CODE_TRIES
    ).update(attempts=F("attempts") + 1)
    if not claimed:
        raise ParticipationError(
            "too_many_tries", _("Too many wrong tries for this code. Ask for a new one.")
        )
    if not hmac.compare_digest(row.code_hash, _sign_in_code_hash(digest, digits)):
        _failure_record(ip_digest=ip_digest, method=SignInFailureMethod.SMS_CODE)
        left = SIGN_IN_CODE_TRIES - row.attempts - 1
        if left <= 0:
            raise ParticipationError(
                "too_many_tries", _("Too many wrong tries for this code. Ask for a new one.")
            )
        raise ParticipationError(
            "code_wrong",
            ngettext(
                "That code is not right. You have %(n)d more try.",
                "That code is not right. You have %(n)d more tries.",
                left,
            )
            % {"n": left},
        )
    # Single use, even against a concurrent correct try.
    if not SignInCode.objects.filter(pk=row.pk, used_at__isnull=True).update(used_at=now):
        raise ParticipationError("code_expired", _("That code has expired. Ask for a new one."))
    resident, _created = resident_for_phone(e164=e164, channel=Channel.WEB, language=language)
    return resident


def sign_in_voter_code_verify(*, code: str, ip: str) -> Resident:
    """The resident a printed voter code belongs to. Unknown codes are logged per client
    address and, past the limit, the address is refused for a while."""
    ip_digest = sign_in_ip_hash(ip)
    _refuse_if_guessing(ip_digest)
    resident = resident_for_voter_code(code=code) if (code or "").strip() else None
    if resident is None:
        _failure_record(ip_digest=ip_digest, method=SignInFailureMethod.VOTER_CODE)
        raise ParticipationError(
            "voter_code_unknown",
            _("We do not know that voter code. Check it against your letter and try again."),
        )
    return resident
