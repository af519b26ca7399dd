"""The staff delivery-update page, over project_delivery_update: followers get it."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from budgets.models import ProjectUpdate
from budgets.services.delivery import project_follow
from budgets.services.paper import PaperVoter, paper_ballot_enter
from budgets.services.results import results_publish
from core.models import Channel, Process
from participation.identity import phone_hash
from participation.models import AuditLog, Resident
from participation.services.voter_codes import voter_codes_issue
from sms import outbox
from tests.budgets.conftest import close_voting

pytestmark = pytest.mark.django_db


@pytest.fixture
def funded(voting_process: Process) -> Process:
    for code in voter_codes_issue(count=2, process=voting_process):
        paper_ballot_enter(
            process=voting_process, voter=PaperVoter(voter_code=code), marks=[(1, None)], actor=None
        )
    close_voting(voting_process)
    results_publish(process=voting_process, actor=None)
    return voting_process


def upload(data: bytes, name: str) -> io.BytesIO:
    stream = io.BytesIO(data)
    stream.name = name
    return stream


def test_an_update_from_the_page_reaches_a_follower_in_spanish(
    funded: Process, client: Client, staff_with: Any, django_capture_on_commit_callbacks: Any
) -> None:
    follower = Resident.objects.create(
        phone_e164="+14155550199", phone_hash=phone_hash("+14155550199"), language="es"
    )
    project = funded.projects.get(short_code=1)
    project_follow(project=project, resident=follower, channel=Channel.SMS)
    client.force_login(staff_with("budgets.update_delivery"))
    listing = client.get(reverse("staff:delivery", args=[funded.slug])).content.decode()
    assert reverse("staff:delivery-update", args=[project.pk]) in listing
    assert (
        reverse("staff:delivery-update", args=[funded.projects.get(short_code=5).pk]) not in listing
    )
    outbox.messages.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("staff:delivery-update", args=[project.pk]),
            {
                "status": "in_progress",
                "percent": "40",
                "note_en": "Contractor chosen.",
                "note_es": "Contratista elegido.",
                "milestone-0-title": "Design",
                "milestone-0-planned": "2027-03-01",
                "milestone-0-done": "2027-03-05",
                "milestone-1-title": "Works",
                "milestone-1-planned": "2027-06-01",
            },
        )
    assert response.status_code == 200, response.content.decode()[:2000]
    update = ProjectUpdate.objects.get(project=project)
    assert update.percent == 40 and update.notes["es"] == "Contratista elegido."
    assert [m.title for m in project.milestones.all()] == ["Design", "Works"]
    assert AuditLog.objects.filter(action="delivery.update").count() == 1
    [text] = outbox.messages
    assert text.to == "+14155550199" and "Contratista elegido." in text.body


def test_a_photo_that_is_not_an_image_is_refused(
    funded: Process, client: Client, staff_with: Any
) -> None:
    project = funded.projects.get(short_code=1)
    client.force_login(staff_with("budgets.update_delivery"))
    response = client.post(
        reverse("staff:delivery-update", args=[project.pk]),
        {
            "status": "in_progress",
            "percent": "10",
            "note_en": "Started.",
            "photo": upload(b"<html>not a photo</html>", "photo.jpg"),
        },
    )
    assert response.status_code == 400
    assert "must be a JPEG, PNG or WebP" in response.content.decode()
    assert not ProjectUpdate.objects.exists()
