"""Roles are groups holding exactly their roles.py permissions, kept in step after
every migrate, with permissions not declared yet skipped."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission

from participation import roles
from participation.roles import ROLE_PERMISSIONS
from participation.services.roles_sync import roles_sync

pytestmark = pytest.mark.django_db


def names(group: Group) -> set[str]:
    return {
        f"{p.content_type.app_label}.{p.codename}"
        for p in group.permissions.select_related("content_type")
    }


def test_every_role_is_a_group_after_migrate() -> None:
    for role in ROLE_PERMISSIONS:
        assert Group.objects.filter(name=role).exists(), role
    comms = names(Group.objects.get(name=roles.COMMUNICATIONS))
    assert "sms.send_broadcast" in comms and "budgets.update_delivery" in comms
    admin = names(Group.objects.get(name=roles.ADMIN))
    assert {"core.publish_results", "sms.use_simulator", "participation.view_auditlog"} <= admin
    assert "sms.use_simulator" not in comms


def test_sync_skips_undeclared_and_restores_drift(monkeypatch: Any) -> None:
    monkeypatch.setitem(
        ROLE_PERMISSIONS, roles.POLL_WORKER, ("budgets.enter_paper_ballots", "budgets.not_yet")
    )
    group = Group.objects.get(name=roles.POLL_WORKER)
    group.permissions.add(Permission.objects.get(codename="publish_results"))  # drift
    synced = roles_sync()
    assert names(group) == {"budgets.enter_paper_ballots"}
    assert synced.missing[roles.POLL_WORKER] == ["budgets.not_yet"]


def test_sync_is_idempotent() -> None:
    before = {g.name: names(g) for g in Group.objects.all()}
    roles_sync()
    roles_sync()
    assert {g.name: names(g) for g in Group.objects.all()} == before
