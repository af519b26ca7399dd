"""Resident sign-in without passwords: a one-time code texted to their phone, or the
code printed on a voter letter. Limits on sending and guessing are counted in the
database (SignInCode, SignInFailure rows), so they hold across workers."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts.models import SignInCode, SignInFailure, SignInFailureMethod
from core.keyed_hash import keyed_hash
from core.models import Channel
from participation.errors import ParticipationError
from participation.identity import phone_hash
from participation.models import ParticipationKind, Resident
from participation.selectors import resident_for_voter_code
from participation.services.participation_record import (
    participation_record,
    participation_record_live,
)
from participation.services.residents import LANGUAGES, resident_for_phone
from sms.models import OutboundStatus
from sms.outbound import OPTED_OUT_CODE
from sms.sending import send_sms

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


def sign_in_ip_hash(ip: str) -> str:
    """Keyed hash of a client address: rate limits need to compare addresses, nobody
    needs to read them."""
    return keyed_hash("PHONE_KEY", "ip:" + (ip or "unknown"))


def _sign_in_code_hash(phone_digest: str, code: str) -> str:
    # Bound to the number: the same six digits sent to two numbers hash differently.
    return keyed_hash("PHONE_KEY", f"sign-in:{phone_digest}:{code}")


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
        # Either the tries are used up, or a concurrent right try (a double-clicked
        # submit) used the code between our read and this claim: say which.
        if SignInCode.objects.filter(pk=row.pk, used_at__isnull=False).exists():
            raise ParticipationError("code_expired", _("That code has expired. Ask for a new one."))
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
    with transaction.atomic():
        resident, _created = resident_for_phone(e164=e164, channel=Channel.WEB, language=language)
        participation_record_live(
            resident=resident, kind=ParticipationKind.VERIFIED, channel=Channel.WEB
        )
    return resident


def sign_in_voter_code_verify(*, code: str, ip: str) -> Resident:
    """The resident a printed voter code belongs to. Unknown codes are logged per client
    address and, past the limit, the address is refused for a while."""
    ip_digest = sign_in_ip_hash(ip)
    _refuse_if_guessing(ip_digest)
    resident = resident_for_voter_code(code=code)
    if resident is None:
        _failure_record(ip_digest=ip_digest, method=SignInFailureMethod.VOTER_CODE)
        raise ParticipationError(
            "voter_code_unknown",
            _("We do not know that voter code. Check it against your letter and try again."),
        )
    # A letter is for one process when it names one; else it counts for those going on.
    if resident.voter_code_process_id is not None:
        participation_record(
            process=resident.voter_code_process_id,
            resident=resident,
            kind=ParticipationKind.VERIFIED,
            channel=Channel.WEB,
        )
    else:
        participation_record_live(
            resident=resident, kind=ParticipationKind.VERIFIED, channel=Channel.WEB
        )
    return resident
