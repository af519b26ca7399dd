"""Writes of residents: identity by phone, language, neighbourhood, SMS opt-out and the
opt-in demographic self-report."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import close_old_connections, connection

from maps.models import Neighbourhood
from participation.demographics import DEMOGRAPHIC_QUESTIONS
from participation.errors import ParticipationError
from participation.identity import phone_hash
from participation.models import Resident
from participation.services.residents import (
    resident_claim_neighbourhood,
    resident_for_phone,
    resident_record_demographics,
    resident_set_language,
    resident_set_neighbourhood,
    resident_sms_opt_in,
    resident_sms_opt_out,
)

pytestmark = pytest.mark.django_db

PHONE = "+14155550123"


# --- resident_for_phone -------------------------------------------------------------------


def test_first_contact_creates_a_resident_known_only_by_the_hash_and_the_number() -> None:
    resident, created = resident_for_phone(e164=PHONE, channel="sms", language="es")
    assert created is True
    stored = Resident.objects.get()
    assert stored.pk == resident.pk
    assert stored.phone_hash == phone_hash(PHONE)
    assert stored.phone_e164 == PHONE
    assert stored.first_channel == "sms"
    assert stored.language == "es"
    assert stored.voter_code_hash is None


def test_second_first_contact_from_the_same_number_is_the_same_resident() -> None:
    first, _ = resident_for_phone(e164=PHONE, channel="sms", language="es")
    again, created = resident_for_phone(e164=PHONE, channel="web", language="fr")
    assert created is False
    assert again.pk == first.pk
    assert Resident.objects.count() == 1
    # Later contacts change neither how they first came nor the language they chose.
    again.refresh_from_db()
    assert (again.first_channel, again.language) == ("sms", "es")


def test_another_number_is_another_resident() -> None:
    first, _ = resident_for_phone(e164=PHONE, channel="sms")
    other, created = resident_for_phone(e164="+14155550124", channel="sms")
    assert created is True
    assert other.pk != first.pk


@pytest.mark.parametrize("language", [None, "", "de", "EN", "es-419"])
def test_first_contact_without_a_known_language_gets_the_site_language(
    language: str | None,
) -> None:
    resident, _ = resident_for_phone(e164=PHONE, channel="sms", language=language)
    resident.refresh_from_db()
    assert resident.language == "en"


def test_contact_refreshes_a_number_missing_from_the_resident(resident_factory: Any) -> None:
    # The number may be blanked (e.g. redacted) while the hash still identifies them.
    known = resident_factory(phone_e164="", phone_hash=phone_hash(PHONE))
    resident, created = resident_for_phone(e164=PHONE, channel="sms")
    assert created is False
    assert resident.pk == known.pk
    known.refresh_from_db()
    assert known.phone_e164 == PHONE


@pytest.fixture
def rival_after_lookup() -> Iterator[list[Resident]]:
    """Make a concurrent first contact win the race: right after resident_for_phone has
    looked for ``PHONE`` (and found nobody), another writer inserts that resident."""
    rivals: list[Resident] = []

    def wrapper(
        execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        result = execute(sql, params, many, context)
        looked_up = sql.lstrip().upper().startswith("SELECT") and "participation_resident" in sql
        if looked_up and not rivals:
            rivals.append(
                Resident(phone_hash=phone_hash(PHONE), phone_e164=PHONE, first_channel="web")
            )
            rivals[0].save()  # runs through this wrapper too: rivals is already non-empty
        return result

    with connection.execute_wrapper(wrapper):
        yield rivals


def test_first_contact_that_loses_the_race_returns_the_winners_resident(
    rival_after_lookup: list[Resident],
) -> None:
    resident, created = resident_for_phone(e164=PHONE, channel="sms")
    assert created is False
    [rival] = rival_after_lookup
    assert resident.pk == rival.pk
    assert Resident.objects.count() == 1
    assert resident.first_channel == "web"  # the winner's row, untouched


def _run_parallel(n: int, work: Callable[[int], object]) -> list[object]:
    barrier = threading.Barrier(n)
    results: list[object] = [None] * n

    def runner(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as exc:
            results[i] = exc
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_first_contacts_from_one_number_create_one_resident() -> None:
    results = _run_parallel(8, lambda i: resident_for_phone(e164=PHONE, channel="sms"))
    errors = [r for r in results if isinstance(r, Exception)]
    assert errors == []
    pairs: list[tuple[Resident, bool]] = results  # type: ignore[assignment]
    assert Resident.objects.count() == 1
    assert {resident.pk for resident, _created in pairs} == {Resident.objects.get().pk}
    assert sum(created for _resident, created in pairs) == 1


# --- language ------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "es", "fr"])
def test_a_resident_can_choose_any_site_language(resident: Resident, language: str) -> None:
    resident_set_language(resident=resident, language=language)
    resident.refresh_from_db()
    assert resident.language == language


@pytest.mark.parametrize("language", ["de", "", "ES", "es-419"])
def test_an_unknown_language_is_refused_and_the_old_one_kept(
    resident_factory: Any, language: str
) -> None:
    resident = resident_factory(language="fr")
    with pytest.raises(ParticipationError) as excinfo:
        resident_set_language(resident=resident, language=language)
    assert excinfo.value.code == "unknown_language"
    assert "en, es, fr" in str(excinfo.value)
    resident.refresh_from_db()
    assert resident.language == "fr"


# --- neighbourhood -------------------------------------------------------------------------


def test_staff_can_set_and_change_a_residents_neighbourhood(
    resident: Resident, neighbourhood_factory: Any
) -> None:
    north, south = neighbourhood_factory(), neighbourhood_factory()
    resident_set_neighbourhood(resident=resident, neighbourhood=north)
    resident_set_neighbourhood(resident=resident, neighbourhood=south)
    resident.refresh_from_db()
    assert resident.neighbourhood_id == south.pk


def test_a_resident_claims_a_neighbourhood_when_they_have_none(
    resident: Resident, neighbourhood: Neighbourhood
) -> None:
    assert resident.neighbourhood_id is None
    resident_claim_neighbourhood(resident=resident, neighbourhood=neighbourhood)
    resident.refresh_from_db()
    assert resident.neighbourhood_id == neighbourhood.pk


def test_claiming_the_same_neighbourhood_again_is_harmless(
    resident: Resident, neighbourhood: Neighbourhood
) -> None:
    resident_claim_neighbourhood(resident=resident, neighbourhood=neighbourhood)
    resident_claim_neighbourhood(resident=resident, neighbourhood=neighbourhood)
    resident.refresh_from_db()
    assert resident.neighbourhood_id == neighbourhood.pk


def test_a_resident_cannot_claim_a_second_neighbourhood(
    resident: Resident, neighbourhood_factory: Any
) -> None:
    north, south = neighbourhood_factory(), neighbourhood_factory()
    resident_claim_neighbourhood(resident=resident, neighbourhood=north)
    with pytest.raises(ParticipationError) as excinfo:
        resident_claim_neighbourhood(resident=resident, neighbourhood=south)
    assert excinfo.value.code == "neighbourhood_set"
    resident.refresh_from_db()
    assert resident.neighbourhood_id == north.pk


def test_a_neighbourhood_set_by_staff_cannot_be_switched_by_the_resident(
    resident: Resident, neighbourhood_factory: Any
) -> None:
    north, south = neighbourhood_factory(), neighbourhood_factory()
    resident_set_neighbourhood(resident=resident, neighbourhood=north)
    with pytest.raises(ParticipationError):
        resident_claim_neighbourhood(resident=resident, neighbourhood=south)
    resident.refresh_from_db()
    assert resident.neighbourhood_id == north.pk


# --- SMS opt-out ---------------------------------------------------------------------------


def test_opt_out_records_when_the_resident_said_stop(resident: Resident) -> None:
    resident_sms_opt_out(resident=resident)
    resident.refresh_from_db()
    assert resident.sms_opted_out_at is not None


def test_a_second_stop_keeps_the_first_opt_out_time(resident: Resident) -> None:
    resident_sms_opt_out(resident=resident)
    resident.refresh_from_db()
    first = resident.sms_opted_out_at
    resident_sms_opt_out(resident=resident)
    resident.refresh_from_db()
    assert resident.sms_opted_out_at == first


def test_opt_in_allows_texts_again(resident: Resident) -> None:
    resident_sms_opt_out(resident=resident)
    resident_sms_opt_in(resident=resident)
    resident.refresh_from_db()
    assert resident.sms_opted_out_at is None


def test_opt_in_of_a_resident_who_never_opted_out_changes_nothing(resident: Resident) -> None:
    returned = resident_sms_opt_in(resident=resident)
    resident_sms_opt_in(resident=resident)
    assert returned.pk == resident.pk
    resident.refresh_from_db()
    assert resident.sms_opted_out_at is None


# --- demographics --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "answer"),
    [(q, a) for q, answers in DEMOGRAPHIC_QUESTIONS.items() for a in answers],
)
def test_every_listed_answer_is_accepted(resident: Resident, question: str, answer: str) -> None:
    resident_record_demographics(resident=resident, answers={question: answer})
    resident.refresh_from_db()
    assert resident.demographics == {question: answer}
    assert resident.demographics_consent_at is not None


def test_answering_is_the_consent_and_its_time_is_set_once(resident: Resident) -> None:
    assert resident.demographics_consent_at is None
    resident_record_demographics(resident=resident, answers={"age_band": "30_44"})
    resident.refresh_from_db()
    consent = resident.demographics_consent_at
    assert consent is not None
    resident_record_demographics(resident=resident, answers={"tenure": "renter"})
    resident.refresh_from_db()
    assert resident.demographics_consent_at == consent


def test_later_answers_are_merged_and_a_changed_answer_replaces_the_old(
    resident: Resident,
) -> None:
    resident_record_demographics(resident=resident, answers={"age_band": "30_44", "gender": "man"})
    resident_record_demographics(resident=resident, answers={"gender": "nonbinary"})
    resident.refresh_from_db()
    assert resident.demographics == {"age_band": "30_44", "gender": "nonbinary"}


@pytest.mark.parametrize(
    "answers",
    [
        {"income": "high"},
        {"age_band": "40"},
        {"age_band": "30_44", "religion": "none"},
        {"gender": "Woman"},
        {"tenure": ""},
    ],
)
def test_unknown_questions_or_answers_are_refused_and_nothing_is_stored(
    resident: Resident, answers: dict[str, str]
) -> None:
    with pytest.raises(ParticipationError) as excinfo:
        resident_record_demographics(resident=resident, answers=answers)
    assert excinfo.value.code == "bad_demographic_answer"
    resident.refresh_from_db()
    assert resident.demographics == {}
    assert resident.demographics_consent_at is None


def test_a_refused_answer_keeps_earlier_answers(resident: Resident) -> None:
    resident_record_demographics(resident=resident, answers={"tenure": "owner"})
    with pytest.raises(ParticipationError):
        resident_record_demographics(resident=resident, answers={"tenure": "squatter"})
    resident.refresh_from_db()
    assert resident.demographics == {"tenure": "owner"}


def test_no_answers_record_no_consent(resident: Resident) -> None:
    resident_record_demographics(resident=resident, answers={})
    resident.refresh_from_db()
    assert resident.demographics == {}
    assert resident.demographics_consent_at is None
