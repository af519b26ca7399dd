"""FOLLOW n / UNFOLLOW n by SMS, and a delivery update reaching each follower in their
language; never anyone who only voted for the project."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from budgets.models import ProjectFollow
from budgets.services.delivery import DeliveryError
from budgets.services.results import results_publish
from sms import outbox
from sms.project_updates import project_delivery_update
from tests.budgets.conftest import close_voting
from tests.factories import UserFactory
from tests.sms.conftest import City, Phone

pytestmark = pytest.mark.django_db


def publish(city: City, voters: list[Phone]) -> None:
    for phone in voters:
        phone.send("VOTE 1 2")
    close_voting(city.process)
    results_publish(process=city.process, actor=None)
    outbox.messages.clear()


@pytest.fixture
def update(django_capture_on_commit_callbacks: Any) -> Callable[..., None]:
    """Post a delivery update of project ``code``. Queued texts are sent when the
    update's transaction commits (the test's never does): run those callbacks."""

    def post(city: City, code: int = 1, **notes: str) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            project_delivery_update(
                project=city.projects[code],
                actor=None,
                status="in_progress",
                percent=40,
                notes=notes or {"en": "Contractor chosen.", "es": "Contratista elegido."},
            )

    return post


def test_follow_by_sms_then_an_update_reaches_the_follower_in_spanish(
    city: City, make_phone, update
) -> None:  # type: ignore[no-untyped-def]
    voter = make_phone("+14155550111")
    follower = make_phone("+14155550122")
    publish(city, [voter])
    follower.send("IDIOMA es")
    [reply] = follower.send("SEGUIR 1")
    assert reply.startswith("Sigues el proyecto 1 Solar bus shelters")
    assert "DEJAR 1" in reply
    assert ProjectFollow.objects.filter(channel="sms").count() == 1

    update(city)
    [text] = outbox.messages
    assert text.to == "+14155550122"  # the follower, not the voter
    assert text.body.startswith("Proyecto 1 Solar bus shelters: En curso, 40% hecho.")
    assert "Contratista elegido." in text.body
    assert "DEJAR 1 para parar." in text.body


def test_unfollow_stops_the_texts_and_dejar_de_seguir_reads_too(
    city: City, phone: Phone, update: Any
) -> None:
    publish(city, [phone])  # one ballot: a project nobody chose is never funded
    phone.send("FOLLOW 1")
    [reply] = phone.send("UNFOLLOW 1")
    assert "no more texts about project 1" in reply
    phone.send("FOLLOW 1")
    phone.send("LANG es")
    [reply] = phone.send("dejar de seguir 1")
    assert "proyecto 1" in reply
    update(city)
    assert outbox.messages == []


def test_follow_in_french_and_without_a_number(city: City, phone: Phone, update: Any) -> None:
    publish(city, [phone])  # one ballot: a project nobody chose is never funded
    phone.send("LANGUE fr")
    [usage] = phone.send("SUIVRE")
    assert "SUIVRE 7" in usage
    [unknown] = phone.send("SUIVRE 99")
    assert "99" in unknown
    phone.send("SUIVRE 2")
    update(city, 2, en="Works start in May.", fr="Les travaux commencent en mai.")
    [text] = outbox.messages
    assert "Les travaux commencent en mai." in text.body and "QUITTER 2" in text.body


def test_an_opted_out_follower_gets_nothing(city: City, phone: Phone, update: Any) -> None:
    publish(city, [phone])  # one ballot: a project nobody chose is never funded
    phone.send("FOLLOW 1")
    phone.send("STOP")
    update(city)
    assert outbox.messages == []


def test_updates_need_the_permission_and_a_funded_project(
    city: City, phone: Phone, update: Any
) -> None:
    publish(city, [phone])
    with pytest.raises(PermissionDenied):
        project_delivery_update(
            project=city.projects[1],
            actor=UserFactory(),
            status="planning",
            percent=0,
            notes={"en": "x"},
        )
    with pytest.raises(DeliveryError) as refused:
        update(city, 4)  # nobody voted for it: not funded
    assert refused.value.code == "not_funded"
