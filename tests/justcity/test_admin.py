"""Every registered admin page renders, and the ballot admin reveals no choices."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_our_models_are_registered() -> None:
    import justcity.urls  # noqa: F401  (registers the admin modules)

    names = {m._meta.label for m in admin.site._registry}
    for label in ("maps.Neighbourhood", "core.Process", "budgets.Ballot", "sms.OutboundMessage"):
        assert label in names


def test_every_changelist_renders(admin_client) -> None:  # type: ignore[no-untyped-def]
    call_command("load_demo", verbosity=0)
    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        assert admin_client.get(url).status_code == 200, url


def test_ballot_admin_shows_no_selections(admin_client, ballot) -> None:  # type: ignore[no-untyped-def]
    url = reverse("admin:budgets_ballot_change", args=[ballot.pk])
    html = admin_client.get(url).content.decode()
    assert ballot.receipt in html
    assert "selection" not in html.lower()
    assert ballot.voter not in html
