"""The writes of pilot reporting: issuing a pilot's API token and storing its reports.

Every entry point (``manage.py pilot_token``, the staff pilot page, the pilot API) calls
these, so the rules live here once: a new token replaces the old one; a report is keyed
by (pilot, period, neighbourhood, channel); the same report twice is one row; a changed
report replaces the row and leaves an audit entry with what it was before.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from maps.models import Neighbourhood
from participation.demographics import DEMOGRAPHIC_QUESTIONS, known_group_keys, question_groups
from participation.models import Pilot, PilotChannel, PilotReport
from participation.pilot_access import REPORT_PERMISSION, pilot_require_reporter, pilot_token_hash
from participation.services.audit_trail import audit_trail_write
from participation.staff_permissions import staff_require

TOKEN_BYTES = 32


def pilot_token_rotate(*, pilot: Pilot, actor: Any) -> str:
    """Issue a new API token for ``pilot`` and return it: the only time it is readable.
    Only its keyed hash is stored, so the previous token stops working at once.
    ``actor`` is a staff user who manages this pilot, or None for the command line."""
    staff_require(actor, REPORT_PERMISSION)
    pilot_require_reporter(actor, pilot)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    now = timezone.now()
    with transaction.atomic():
        Pilot.objects.filter(pk=pilot.pk).update(
            token_hash=pilot_token_hash(token), token_issued_at=now
        )
        audit_trail_write(
            actor=actor,
            action="pilot.token_rotate",
            object_type="pilot",
            object_id=pilot.pk,
            data={"pilot": pilot.slug},
        )
    pilot.token_hash = pilot_token_hash(token)
    pilot.token_issued_at = now
    return token


@dataclass(frozen=True)
class PilotReportInput:
    """One report as the API receives it (already shaped by its serializer)."""

    period_start: dt.date
    period_end: dt.date
    neighbourhood: str | None
    channel: str
    participants: int
    participants_by_group: dict[str, int] = field(default_factory=dict)
    metrics: dict[str, dict[str, Any]] = field(default_factory=dict)


class PilotReportInvalid(Exception):
    """The report breaks a rule; ``errors`` maps each field to its messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class PilotReportOutcome:
    report: PilotReport
    created: bool
    replaced: bool


def _content(report: PilotReport) -> dict[str, Any]:
    return {
        "participants": report.participants,
        "participants_by_group": report.participants_by_group,
        "metrics": report.metrics,
    }


def _group_errors(data: PilotReportInput) -> list[str]:
    """The groups must be the city's (``"<question>.<answer>"`` of its self-report
    questions, or ``"<question>.not_given"``): the criteria read those keys and no
    other, so a report under any other key would be stored and silently count nowhere.
    No group, and no question's groups together, may count more than the participants."""
    groups = data.participants_by_group
    messages = []
    unknown = sorted(set(groups) - known_group_keys())
    if unknown:
        messages.append(
            _("Unknown group keys: %(keys)s. The city's groups are: %(known)s.")
            % {"keys": ", ".join(unknown), "known": ", ".join(sorted(known_group_keys()))}
        )
    over = sorted(k for k, v in groups.items() if v > data.participants)
    if over:
        messages.append(
            _("A group cannot count more people than the participants: %(groups)s.")
            % {"groups": ", ".join(over)}
        )
    crowded = [
        question
        for question in DEMOGRAPHIC_QUESTIONS
        if sum(groups.get(key, 0) for key in question_groups(question)) > data.participants
    ]
    if crowded and not over:
        messages.append(
            _("The groups of %(questions)s add up to more than the participants.")
            % {"questions": ", ".join(crowded)}
        )
    return messages


def _validate(pilot: Pilot, data: PilotReportInput) -> Neighbourhood | None:
    errors: dict[str, list[str]] = {}
    if data.period_end < data.period_start:
        errors["period_end"] = [_("The period cannot end before it starts.")]
    if data.channel not in PilotChannel.values:
        errors["channel"] = [_("Unknown channel.")]
    group_errors = _group_errors(data)
    if group_errors:
        errors["participants_by_group"] = group_errors
    neighbourhood = None
    if data.neighbourhood is not None:
        neighbourhood = Neighbourhood.objects.filter(slug=data.neighbourhood).first()
        if neighbourhood is None:
            errors["neighbourhood"] = [_("No neighbourhood has this slug.")]
    if errors:
        raise PilotReportInvalid(errors)
    return neighbourhood


def pilot_report_submit(*, pilot: Pilot, data: PilotReportInput) -> PilotReportOutcome:
    """Store ``pilot``'s report for its (period, neighbourhood, channel).

    Idempotent: the first call creates the row (``created``); the same content again
    returns that row untouched; different content replaces it in place (same id,
    ``replaced``) and writes an audit entry with the content before and after. The row
    is locked while it is compared, and a concurrent first report loses the unique
    constraint's race and is compared against the winner. The caller has already
    authenticated the pilot (its API token)."""
    neighbourhood = _validate(pilot, data)
    new = {
        "participants": data.participants,
        "participants_by_group": data.participants_by_group,
        "metrics": data.metrics,
    }
    key = {
        "pilot": pilot,
        "period_start": data.period_start,
        "period_end": data.period_end,
        "channel": data.channel,
        "neighbourhood": neighbourhood,
    }
    with transaction.atomic():
        existing = PilotReport.objects.select_for_update().filter(**key).first()
        if existing is None:
            try:
                with transaction.atomic():
                    report = PilotReport.objects.create(**key, **new)
                return PilotReportOutcome(report=report, created=True, replaced=False)
            except IntegrityError:
                existing = PilotReport.objects.select_for_update().get(**key)
        before = _content(existing)
        if before == new:
            return PilotReportOutcome(report=existing, created=False, replaced=False)
        for name, value in new.items():
            setattr(existing, name, value)
        existing.save(update_fields=[*new, "updated_at"])
        audit_trail_write(
            actor=None,
            action="pilot.report_replace",
            object_type="pilot_report",
            object_id=existing.pk,
            data={"via": "pilot API", "pilot": pilot.slug, "before": before, "after": new},
        )
    return PilotReportOutcome(report=existing, created=False, replaced=True)
