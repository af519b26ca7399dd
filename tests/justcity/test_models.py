"""The constraints the database itself enforces."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from budgets.models import Ballot, CastLog
from core.append_only import AppendOnlyError
from participation.models import AuditLog, Resident

pytestmark = pytest.mark.django_db


def test_one_ballot_per_voter_per_pot_in_the_database(ballot: Ballot) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Ballot.objects.create(
            process=ballot.process,
            pot=ballot.pot,
            voter=ballot.voter,
            channel="sms",
            receipt="OTHERRECEIPT",
            cast_at=timezone.now(),
        )


def test_resident_needs_an_identity() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Resident.objects.create(first_channel="web")


def test_demographics_need_consent(resident: Resident) -> None:
    resident.demographics = {"age_band": "18-29"}
    with pytest.raises(IntegrityError), transaction.atomic():
        resident.save()


def test_audit_log_is_append_only() -> None:
    entry = AuditLog.objects.create(action="process.publish", object_type="process", object_id="1")
    entry.action = "changed"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditLog.objects.all().update(action="x")
    with pytest.raises(AppendOnlyError):
        AuditLog.objects.all().delete()


def test_cast_log_is_append_only(ballot: Ballot) -> None:
    log = CastLog.objects.create(
        ballot=ballot, receipt=ballot.receipt, channel="web", cast_at=timezone.now()
    )
    with pytest.raises(AppendOnlyError):
        log.save()


def test_project_cost_must_be_positive(project_factory) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(IntegrityError), transaction.atomic():
        project_factory(cost=0)


def test_phase_must_end_after_it_starts(phase_factory) -> None:  # type: ignore[no-untyped-def]
    now = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        phase_factory(starts_at=now, ends_at=now)


def test_migrations_match_models() -> None:
    from django.core.management import call_command

    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
