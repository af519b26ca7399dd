"""Delivery tracking on the web: a funded project's status, progress, milestones and
photo on the project page, the delivery page and the map; the Follow button and the
updates page."""

from __future__ import annotations

import datetime as dt
import json
import re
import struct
import zlib

import pytest
from django.test import Client
from django.urls import reverse

from budgets.models import ProjectFollow
from budgets.selectors import process_map_data
from budgets.services.delivery import DeliveryError, Milestone, photo_type
from budgets.services.paper import PaperVoter, paper_ballot_enter
from budgets.services.results import results_publish
from core.models import PhaseKind, Process
from participation.models import Resident
from participation.services.voter_codes import voter_codes_issue
from sms.project_updates import project_delivery_update
from tests.frontend.conftest import close_phase, sign_in

pytestmark = pytest.mark.django_db


def png() -> bytes:
    """A real 1x1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


@pytest.fixture
def funded(city: Process) -> Process:
    for code in voter_codes_issue(count=3, process=city):
        paper_ballot_enter(
            process=city, voter=PaperVoter(voter_code=code), marks=[(1, None)], actor=None
        )
    close_phase(city, PhaseKind.VOTING)
    results_publish(process=city, actor=None)
    return city


def post_update(process: Process, **extra: object) -> None:
    project_delivery_update(
        project=process.projects.get(short_code=1),
        actor=None,
        status="in_progress",
        percent=40,
        notes={"en": "Contractor chosen.", "es": "Contratista elegido."},
        milestones=[
            Milestone("Design", dt.date(2027, 3, 1), dt.date(2027, 3, 5)),
            Milestone("Works", dt.date(2027, 6, 1)),
        ],
        **extra,  # type: ignore[arg-type]
    )


def test_project_page_delivery_page_and_map_show_the_update(
    client: Client, funded: Process
) -> None:
    post_update(funded, photo=png())
    project = funded.projects.get(short_code=1)
    page = client.get(reverse("frontend:project", args=[project.pk])).content.decode()
    assert "40% complete" in page and "Contractor chosen." in page
    assert "Design" in page and "Works" in page and "Not yet" in page
    [photo_url] = re.findall(r'class="delivery-photo" src="([^"]+)"', page)
    photo = client.get(photo_url)
    assert photo["Content-Type"] == "image/png" and photo.content == png()

    es = client.get(
        reverse("frontend:project", args=[project.pk]), HTTP_ACCEPT_LANGUAGE="es"
    ).content.decode()
    assert "Contratista elegido." in es

    delivery = client.get(reverse("frontend:delivery", args=[funded.slug])).content.decode()
    assert "40%" in delivery and "Works" in delivery
    [on_map] = [p for p in process_map_data(funded)["projects"] if p["code"] == 1]
    assert on_map["delivery"] == "In progress, 40% done"


def test_the_follow_button_brings_updates_to_the_updates_page(
    client: Client, funded: Process, resident: Resident
) -> None:
    project = funded.projects.get(short_code=1)
    follow = reverse("frontend:project-follow", args=[project.pk])
    page = reverse("frontend:project", args=[project.pk])
    # Signed out, the button says it signs in first, and sign-in comes back to it.
    assert "Sign in to follow this project" in client.get(page).content.decode()
    to_sign_in = client.post(follow)
    assert to_sign_in.status_code == 302
    assert to_sign_in["Location"].endswith(f"?next={page}%23follow-form")
    assert not ProjectFollow.objects.exists()
    sign_in(client, resident)
    assert "Follow this project" in client.get(page).content.decode()
    client.post(follow)
    assert ProjectFollow.objects.get().channel == "web"
    post_update(funded)
    page = client.get(reverse("frontend:my-updates")).content.decode()
    assert "Contractor chosen." in page and "New" in page
    again = client.get(reverse("frontend:my-updates")).content.decode()
    assert "Contractor chosen." in again and ">New<" not in again
    client.post(follow, {"action": "unfollow"})
    assert not ProjectFollow.objects.exists()


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"GIF89a" + b"\x00" * 20, "photo_type"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "photo_type"),
        (b"\xff\xd8\xff" + b"\x00" * (2 * 1024 * 1024), "photo_too_big"),
    ],
)
def test_photos_are_checked_by_size_and_by_their_bytes(data: bytes, code: str) -> None:
    with pytest.raises(DeliveryError) as refused:
        photo_type(data)
    assert refused.value.code == code
    assert photo_type(png()) == "image/png"
    assert photo_type(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "image/webp"


def test_an_update_is_refused_without_the_default_language_note(funded: Process) -> None:
    with pytest.raises(DeliveryError) as refused:
        project_delivery_update(
            project=funded.projects.get(short_code=1),
            actor=None,
            status="planning",
            percent=10,
            notes={"es": "Solo en español"},
        )
    assert refused.value.code == "note_required"
    data = json.dumps(process_map_data(funded))
    assert "Planning" not in data
