"""Writes of residents: identity by phone on first contact or by an identity a poll
worker checked, language, neighbourhood, SMS opt-out, demographic self-report. Web
views, the SMS conversation, paper entry and sign-in call these; none of them writes a
Resident directly."""

from __future__ import annotations

from collections.abc import Mapping

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import Channel
from maps.models import Neighbourhood
from participation.demographics import DEMOGRAPHIC_QUESTIONS
from participation.errors import ParticipationError
from participation.identity import checked_identity_hash, phone_hash
from participation.models import Resident

LANGUAGES = {code for code, _name in settings.LANGUAGES}


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


def resident_for_checked_identity(
    *,
    name: str = "",
    address: str = "",
    id_number: str = "",
    neighbourhood: Neighbourhood | None = None,
    language: str | None = None,
) -> tuple[Resident, bool]:
    """The resident behind an identity a poll worker checked (an ID number, or a name and
    an address), created on first sight with channel paper. Only the keyed hash is
    stored. A new resident takes ``neighbourhood`` (from the address the worker saw);
    an existing one keeps theirs. Race-safe like ``resident_for_phone``. Raises
    ParticipationError when the identity is incomplete."""
    try:
        digest = checked_identity_hash(name=name, address=address, id_number=id_number)
    except ValueError:
        raise ParticipationError(
            "identity_incomplete",
            _("Enter the voter's ID number, or their name and address."),
        ) from None
    existing = Resident.objects.filter(checked_identity_hash=digest).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            resident = Resident.objects.create(
                checked_identity_hash=digest,
                neighbourhood=neighbourhood,
                first_channel=Channel.PAPER,
                language=language if language in LANGUAGES else settings.LANGUAGE_CODE,
            )
    except IntegrityError:
        return Resident.objects.get(checked_identity_hash=digest), False
    return resident, True


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


def resident_withdraw_demographics(*, resident: Resident) -> Resident:
    """Withdraw consent: the answers are deleted, not hidden, and the resident is in
    "not given" in every figure from now on."""
    if resident.demographics or resident.demographics_consent_at is not None:
        resident.demographics = {}
        resident.demographics_consent_at = None
        resident.save(update_fields=["demographics", "demographics_consent_at"])
    return resident


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
