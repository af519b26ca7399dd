"""The admin reveals nothing it should not: for every registered ModelAdmin (looped
over ``admin.site._registry``, so later ones are covered), lookups through selections,
ballots, phone numbers or hashes are refused, NUL bytes are a 400, and the SMS admins
never show a VOTE text, its reply or a sign-in code."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.test import Client, RequestFactory
from django.urls import reverse

import justcity.urls  # noqa: F401  (registers the admin modules)
from participation.admin_base import SafeModelAdmin
from sms.models import InboundMessage, OutboundMessage, OutboundPurpose

pytestmark = pytest.mark.django_db

FORBIDDEN_LOOKUPS = (
    "selections",
    "selections__isnull",
    "selections__project",
    "selections__project__id__exact",
    "ballots",
    "ballots__isnull",
    "ballots__selections",
    "projects__selections",
    "pot__ballots",
    "voter",
    "voter__startswith",
    "phone_e164",
    "phone_e164__startswith",
    "phone_hash",
    "phone_hash__startswith",
    "author__phone_e164",
    "author__phone_hash__startswith",
    "resident__phone_hash",
    "voter_code_hash__startswith",
    "checked_identity_hash",
    "from_hash",
    "to_e164",
    "to_hash__startswith",
    "body__icontains",
    "reply__icontains",
    "token_hash",
    "key",
    "password__startswith",
)


def changelist(model: Any) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def test_every_model_admin_is_the_safe_base_class() -> None:
    assert len(admin.site._registry) > 15
    for model, model_admin in admin.site._registry.items():
        assert isinstance(model_admin, SafeModelAdmin), model._meta.label


def test_lookups_through_selections_ballots_phones_and_hashes_are_refused(
    admin_user: Any,
) -> None:
    request = RequestFactory().get("/")
    request.user = admin_user
    for model, model_admin in admin.site._registry.items():
        for lookup in FORBIDDEN_LOOKUPS:
            assert not model_admin.lookup_allowed(lookup, "1", request), (model, lookup)


def test_refused_lookups_are_a_400_on_every_changelist(admin_client: Client) -> None:
    for model in admin.site._registry:
        for lookup in ("selections", "selections__isnull", "phone_hash__startswith"):
            response = admin_client.get(changelist(model), {lookup: "1"})
            assert response.status_code == 400, (model, lookup)


def test_declared_filters_still_work(admin_client: Client, process: Any) -> None:
    response = admin_client.get(
        reverse("admin:budgets_project_changelist"), {"process__id__exact": process.pk}
    )
    assert response.status_code == 200
    response = admin_client.get(reverse("admin:budgets_ballot_changelist"), {"channel": "web"})
    assert response.status_code == 200


def test_nul_bytes_anywhere_in_the_admin_are_a_400(admin_client: Client) -> None:
    for model in admin.site._registry:
        url = changelist(model)
        assert admin_client.get(url, {"q": "a\x00b"}).status_code == 400, model
        assert admin_client.get(url + "?o=%00").status_code == 400, model
        info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        assert admin_client.get(reverse(f"{info}_change", args=["1\x00"])).status_code == 400


def test_sms_admins_never_show_vote_texts_codes_or_numbers(admin_client: Client) -> None:
    vote = InboundMessage.objects.create(
        message_sid="SM1",
        from_hash="h" * 64,
        body="VOTE 3 7",
        reply="Vote recorded: 3, 7. Receipt K7Q2",
        command="vote",
    )
    idea = InboundMessage.objects.create(
        message_sid="SM2", from_hash="g" * 64, body="IDEA more trees", command="idea"
    )
    code = OutboundMessage.objects.create(
        to_e164="+14155550123",
        to_hash="t" * 64,
        body="Your Just City code is 482913",
        purpose=OutboundPurpose.SIGN_IN,
    )
    for url in (
        reverse("admin:sms_inboundmessage_change", args=[vote.pk]),
        reverse("admin:sms_inboundmessage_changelist"),
    ):
        html = admin_client.get(url).content.decode()
        assert "VOTE 3 7" not in html and "K7Q2" not in html and "h" * 64 not in html
    assert (
        "IDEA more trees"
        in admin_client.get(
            reverse("admin:sms_inboundmessage_change", args=[idea.pk])
        ).content.decode()
    )
    html = admin_client.get(reverse("admin:sms_outboundmessage_change", args=[code.pk])).content
    text = html.decode()
    assert "482913" not in text and "+14155550123" not in text and "5550123" not in text


def test_resident_admin_shows_no_phone_or_hash(admin_client: Client, resident: Any) -> None:
    html = admin_client.get(
        reverse("admin:participation_resident_change", args=[resident.pk])
    ).content.decode()
    assert resident.phone_hash not in html
    if resident.phone_e164:
        assert resident.phone_e164 not in html
