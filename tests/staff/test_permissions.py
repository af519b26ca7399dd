"""Every staff page is gated by a named permission; without it: 403 (signed in) or the
staff sign-in (anonymous). Never is_staff alone."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, reverse

from core.models import Process
from staff import urls as staff_urls

pytestmark = pytest.mark.django_db


def test_every_staff_view_is_gated_by_a_named_permission() -> None:
    for pattern in staff_urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        if pattern.name == "home":  # links only; each linked page checks its own
            continue
        assert getattr(pattern.callback, "staff_permissions", None), pattern.name


PAGES = [
    ("staff:voter-codes", "process", "participation.issue_voter_codes"),
    ("staff:paper-entry", "process", "budgets.enter_paper_ballots"),
    ("staff:paper-void", "process", "budgets.void_paper_ballots"),
    ("staff:kiosk-open", "process", "budgets.enter_paper_ballots"),
    ("staff:delivery", "process", "budgets.update_delivery"),
    ("staff:delivery-update", "project", "budgets.update_delivery"),
    ("staff:results", "process", "core.publish_results"),
]


@pytest.mark.parametrize(("name", "arg", "perm"), PAGES)
def test_each_page_refuses_staff_without_its_permission(
    voting_process: Process, staff_with: Any, name: str, arg: str, perm: str
) -> None:
    value = voting_process.slug if arg == "process" else voting_process.projects.first().pk
    url = reverse(name, args=[value])
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and "/admin/login/" in anonymous["Location"]
    others = [p for _n, _a, p in PAGES if p != perm]
    client = Client()
    client.force_login(staff_with(*others))  # every other staff permission, not this one
    assert client.get(url).status_code == 403
    allowed = Client()
    allowed.force_login(staff_with(perm))
    assert allowed.get(url).status_code == 200


def test_results_steps_refuse_without_the_permission(
    voting_process: Process, staff_with: Any
) -> None:
    client = Client()
    client.force_login(staff_with("budgets.enter_paper_ballots"))
    for step in ("close", "count", "publish", "unpublish", "override"):
        url = reverse("staff:results-step", args=[voting_process.slug, step])
        assert client.post(url).status_code == 403
    assert voting_process.phases.get(kind="voting").state_at().value == "open"
