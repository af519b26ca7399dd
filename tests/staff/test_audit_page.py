"""The staff audit page: gated, filtered, paginated with bounded pages, bad input a
400; and the staff actions write their entries (admin edits, role changes)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from core.models import PhaseKind
from participation import roles
from participation.models import AuditLog
from participation.services.audit_trail import audit_trail_write
from tests.factories import PhaseFactory, PotFactory, UserFactory, grant

pytestmark = pytest.mark.django_db


@pytest.fixture
def auditor() -> Client:
    client = Client()
    client.force_login(grant(UserFactory(username="auditor"), "participation.view_auditlog"))
    return client


def test_audit_page_filters_and_pages(auditor: Client) -> None:
    actor = UserFactory(username="mod")
    for i in range(60):
        audit_trail_write(actor=actor, action="demo.thing", object_type="proposal", object_id=i)
    audit_trail_write(
        actor=None,
        action="results.publish",
        object_type="process",
        object_id=7,
        before={"results_published_at": None},
        after={"results_published_at": "now"},
        reason="voting closed",
    )
    page = auditor.get("/staff/audit/").content.decode()
    assert page.count('<tr id="audit-') == 50
    assert auditor.get("/staff/audit/", {"per_page": 25}).content.decode().count("<tr id=") == 25
    assert auditor.get("/staff/audit/", {"per_page": 100000}).status_code == 400
    only = auditor.get("/staff/audit/", {"action": "results.publish"}).content.decode()
    assert only.count("<tr id=") == 1 and "voting closed" in only
    mine = auditor.get("/staff/audit/", {"actor": "mod", "object_type": "proposal"})
    assert mine.content.decode().count("<tr id=") == 50
    assert (
        auditor.get("/staff/audit/", {"actor": "command line"}).content.decode().count("<tr id=")
        == 1
    )
    tomorrow = (timezone.now() + timedelta(days=1)).date().isoformat()
    none = auditor.get("/staff/audit/", {"since": tomorrow}).content.decode()
    assert "<tr id=" not in none
    assert auditor.get("/staff/audit/", {"page": str(2**80)}).status_code == 200


@pytest.mark.parametrize(
    "query",
    [{"action": "a\x00b"}, {"since": "2026-13-45"}, {"since": "2027-01-02", "until": "2027-01-01"}],
)
def test_bad_filters_are_a_400(auditor: Client, query: dict[str, str]) -> None:
    assert auditor.get("/staff/audit/", query).status_code == 400


def test_audit_page_needs_its_permission() -> None:
    client = Client()
    moderator = UserFactory(username="moderator-1")
    moderator.groups.add(Group.objects.get(name=roles.MODERATOR))
    client.force_login(moderator)
    assert client.get("/staff/audit/").status_code == 403


def test_role_changes_in_the_admin_are_audited(admin_client: Client) -> None:
    user = UserFactory(username="newcomer")
    group = Group.objects.get(name=roles.REVIEWER)
    response = admin_client.post(
        f"/admin/auth/user/{user.pk}/change/",
        {
            "username": "newcomer",
            "is_active": "on",
            "is_staff": "on",
            "groups": [group.pk],
            "date_joined_0": "2026-01-01",
            "date_joined_1": "10:00:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = AuditLog.objects.get(action="staff.roles_change", object_id=str(user.pk))
    assert entry.after["groups"] == [roles.REVIEWER]
    assert entry.before["groups"] == []


def _process_post(process: Any, phase: Any, pot: Any, **changes: str) -> dict[str, Any]:
    data = {
        "title_en": process.title,
        "slug": process.slug,
        "languages": '["en"]',
        "ballot_type": process.ballot_type,
        "min_projects": "1",
        "rule": process.rule,
        "pot_formula": process.pot_formula,
        "neighbourhood_budget": "0",
        "currency": "USD",
        "comment_moderation": "post",
        "min_supporters": "1",
        "phases-TOTAL_FORMS": "1",
        "phases-INITIAL_FORMS": "1",
        "phases-0-id": str(phase.pk),
        "phases-0-process": str(process.pk),
        "phases-0-kind": phase.kind,
        "phases-0-starts_at_0": phase.starts_at.strftime("%Y-%m-%d"),
        "phases-0-starts_at_1": phase.starts_at.strftime("%H:%M:%S"),
        "phases-0-ends_at_0": phase.ends_at.strftime("%Y-%m-%d"),
        "phases-0-ends_at_1": phase.ends_at.strftime("%H:%M:%S"),
        "pots-TOTAL_FORMS": "1",
        "pots-INITIAL_FORMS": "1",
        "pots-0-id": str(pot.pk),
        "pots-0-process": str(process.pk),
        "pots-0-name": pot.name,
        # Pot names are per language (modeltranslation): the inline posts each one.
        **{
            f"pots-0-name_{lang}": getattr(pot, f"name_{lang}") or "" for lang in ("en", "es", "fr")
        },
        "pots-0-amount": str(pot.amount),
    }
    data.update(changes)
    return data


def test_phases_and_pots_after_voting_opened(admin_client: Client, process: Any) -> None:
    now = timezone.now()
    phase = PhaseFactory(
        process=process,
        kind=PhaseKind.VOTING,
        starts_at=(now - timedelta(days=1)).replace(microsecond=0),
        ends_at=(now + timedelta(days=2)).replace(microsecond=0),
    )
    pot = PotFactory(process=process)
    url = f"/admin/core/process/{process.pk}/change/"
    later = (now + timedelta(days=3)).replace(microsecond=0)
    extend = {"phases-0-ends_at_0": later.strftime("%Y-%m-%d")}
    refused = admin_client.post(url, _process_post(process, phase, pot, **extend))
    assert refused.status_code == 200
    assert "give a reason" in refused.content.decode()
    phase.refresh_from_db()
    assert phase.ends_at < later
    reason = "Extended: the SMS gateway was down for a day"
    ok = admin_client.post(url, _process_post(process, phase, pot, change_reason=reason, **extend))
    assert ok.status_code == 302
    phase.refresh_from_db()
    assert phase.ends_at.date() == later.date()
    entry = AuditLog.objects.get(action="admin.change", object_type="core.phase")
    assert entry.reason == reason and "ends_at" in entry.after
    money = admin_client.post(
        url, _process_post(process, phase, pot, change_reason=reason, **{"pots-0-amount": "1"})
    )
    assert "Pots cannot change once voting has opened" in money.content.decode()
    pot.refresh_from_db()
    assert str(pot.amount) != "1.00"
