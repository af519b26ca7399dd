"""Staff SMS pages (queue, broadcast) and the SMS simulator."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from budgets.models import Ballot
from participation.models import AuditLog, Resident
from sms import outbox
from sms.models import InboundMessage, OutboundMessage, OutboundStatus, SmsBroadcast
from sms.services import BroadcastError, sms_broadcast
from tests.factories import grant
from tests.sms.conftest import City, Phone

SIMULATOR = "/sms/simulator/"
QUEUE = "/sms/staff/queue/"
BROADCAST = "/sms/staff/broadcast/"

pytestmark = pytest.mark.django_db


SMS_STAFF_PERMISSIONS = (
    "sms.use_simulator",
    "sms.send_broadcast",
    "sms.view_outboundmessage",
    "sms.change_outboundmessage",
)


@pytest.fixture
def staff_user(staff_user: Any) -> Any:
    """Staff of these pages: holding their permissions (a bare staff account is refused,
    tests/staff/test_staff_urls.py)."""
    return grant(staff_user, *SMS_STAFF_PERMISSIONS)


@pytest.fixture(autouse=True)
def _test_numbers(settings: Any) -> None:
    # The locmem backend is a real one for the simulator's gate: it texts only as test
    # numbers. These tests' numbers are made the test range.
    settings.SMS_TEST_NUMBER_PREFIX = "+1415555"


@pytest.fixture
def staff_client(staff_user: Any) -> Client:
    client = Client()
    client.force_login(staff_user)
    return client


def sid_from(html: str) -> str:
    match = re.search(r'name="message_sid" value="(SIM[0-9a-f]{32})"', html)
    assert match, html
    return match.group(1)


# --- simulator -----------------------------------------------------------------------------------


def test_simulator_is_staff_only_unless_the_console_backend_runs(
    client: Client, city: City, settings: Any
) -> None:
    response = client.get(SIMULATOR)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    settings.SMS_BACKEND = "sms.backends.console.SmsBackend"
    assert client.get(SIMULATOR).status_code == 200


def test_simulator_votes_through_the_same_path_as_the_webhook(
    staff_client: Client, city: City
) -> None:
    page = staff_client.get(SIMULATOR)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'action="/sms/simulator/"' in html
    assert "<script" not in html.split('id="sms-phone"')[1].split("</form>")[0]  # no JS needed

    def send(body: str) -> str:
        html = staff_client.get(SIMULATOR).content.decode()
        response = staff_client.post(
            SIMULATOR,
            {"sender": "+1 415 555 0177", "body": body, "message_sid": sid_from(html)},
        )
        assert response.status_code == 302
        return staff_client.get(SIMULATOR).content.decode()

    send("hello")
    send("1")
    html = send("VOTE 1 5")
    assert "Vote recorded: 1, 5." in html
    assert Ballot.objects.count() == 2
    message = InboundMessage.objects.get(body="VOTE 1 5")
    assert message.provider == "simulator"
    assert message.message_sid.startswith("SIM")
    assert Resident.objects.get().phone_e164 == "+14155550177"
    assert "Conversation of +1415•••••77" in html  # masked outside the form field


def test_simulator_resubmission_is_a_replay(staff_client: Client, city: City) -> None:
    sid = sid_from(staff_client.get(SIMULATOR).content.decode())
    data = {"sender": "+14155550177", "body": "AREA 1", "message_sid": sid}
    staff_client.post(SIMULATOR, data)
    staff_client.post(SIMULATOR, {**data, "body": "VOTE 1"})  # same id: not acted on
    assert InboundMessage.objects.count() == 1
    assert Ballot.objects.count() == 0


@pytest.mark.parametrize(
    "data",
    [
        {"sender": "nope", "body": "HELP"},
        {"sender": "+14155550177", "body": "HELP", "message_sid": "SM" + "0" * 32},
        {"sender": "+14155550177", "body": "x" * 1601},
    ],
)
def test_simulator_bad_input_is_a_400_with_the_form(
    staff_client: Client, city: City, data: dict[str, str]
) -> None:
    data = {"message_sid": "SIM" + "a" * 32, **data}
    response = staff_client.post(SIMULATOR, data)
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert InboundMessage.objects.count() == 0


def test_simulator_needs_csrf(staff_user: Any, city: City) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_user)
    response = client.post(
        SIMULATOR, {"sender": "+14155550177", "body": "HELP", "message_sid": "SIM" + "a" * 32}
    )
    assert response.status_code == 403
    assert InboundMessage.objects.count() == 0


# --- queue ---------------------------------------------------------------------------------


def test_queue_page_is_staff_only_and_masks_numbers(
    client: Client, staff_client: Client, city: City
) -> None:
    message = OutboundMessage.objects.create(
        to_e164="+14155550123", to_hash="h", body="secret code 123456", error_code="500"
    )
    assert client.get(QUEUE).status_code == 302
    html = staff_client.get(QUEUE).content.decode()
    assert f'id="outbound-{message.pk}"' in html
    assert "+1415•••••23" in html
    assert "+14155550123" not in html
    assert 'id="count-queued">1<' in html
    assert staff_client.get(QUEUE + "?status=sent").content.decode().count('id="outbound-') == 0


def test_queue_page_sends_due_messages(staff_client: Client, city: City) -> None:
    OutboundMessage.objects.create(to_e164="+14155550123", to_hash="h", body="due now")
    response = staff_client.post(QUEUE)
    assert response.status_code == 302
    assert [m.body for m in outbox.messages] == ["due now"]
    assert OutboundMessage.objects.get().status == OutboundStatus.SENT
    entry = AuditLog.objects.get(action="sms.send_due")
    assert entry.actor is not None and entry.data == {"sent": 1}


def test_queue_page_send_now_needs_the_change_permission(
    client: Client, staff_with: Any, city: City
) -> None:
    OutboundMessage.objects.create(to_e164="+14155550123", to_hash="h", body="due now")
    client.force_login(staff_with("sms.view_outboundmessage"))
    assert client.get(QUEUE).status_code == 200
    assert client.post(QUEUE).status_code == 403
    assert outbox.messages == []
    assert not AuditLog.objects.filter(action="sms.send_due").exists()


# --- broadcast -----------------------------------------------------------------------------


def residents_by_sms(client: Client, city: City) -> dict[str, Phone]:
    phones = {}
    for number, language, area in [
        ("+14155550201", "en", "1"),
        ("+14155550202", "es", "1"),
        ("+14155550203", "fr", "2"),
        ("+14155550204", "es", "1"),
    ]:
        phone = Phone(client, number)
        phone.send(f"LANG {language}")
        phone.send(f"AREA {area}")
        phones[number] = phone
    phones["+14155550204"].send("STOP")  # opted out: never receives
    return phones


def test_broadcast_reaches_opted_in_residents_in_their_language(
    client: Client,
    city: City,
    staff_user: Any,
    resident_factory: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    residents_by_sms(client, city)
    # Known from a web sign-in only: never texted us, did not ask for notices.
    resident_factory(phone_e164="+14155550299", neighbourhood=city.north)
    with django_capture_on_commit_callbacks(execute=True):
        broadcast = sms_broadcast(
            author=staff_user,
            neighbourhood_ids=[city.north.pk],
            texts={"en": "Voting closes Friday.", "es": "La votación cierra el viernes.", "fr": ""},
        )
    assert broadcast.recipients == 2
    sent = {m.to: m.body for m in outbox.messages}
    assert sent == {
        "+14155550201": "Voting closes Friday. Reply STOP to stop texts.",
        "+14155550202": "La votacion cierra el viernes. Responde ALTO para no recibir mas.",
    }
    assert set(OutboundMessage.objects.values_list("purpose", "status")) == {("broadcast", "sent")}


def test_broadcast_falls_back_to_the_default_language(
    client: Client, city: City, staff_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    residents_by_sms(client, city)
    with django_capture_on_commit_callbacks(execute=True):
        sms_broadcast(
            author=staff_user,
            neighbourhood_ids=[city.south.pk],
            texts={"en": "Park opening on Sunday."},
        )
    assert [m.body for m in outbox.messages] == [
        "Park opening on Sunday. Reply STOP to stop texts."
    ]


def test_broadcast_refusals(staff_user: Any, city: City) -> None:
    with pytest.raises(BroadcastError) as raised:
        sms_broadcast(author=staff_user, neighbourhood_ids=[city.north.pk], texts={"es": "hola"})
    assert raised.value.code == "text_required"
    with pytest.raises(BroadcastError) as raised:
        sms_broadcast(author=staff_user, neighbourhood_ids=[], texts={"en": "hi"})
    assert raised.value.code == "neighbourhood_required"
    with pytest.raises(BroadcastError) as raised:
        sms_broadcast(
            author=staff_user, neighbourhood_ids=[city.north.pk], texts={"en": "x " * 300}
        )
    assert raised.value.code == "too_long"
    assert SmsBroadcast.objects.count() == 0


def test_broadcast_page(
    client: Client,
    staff_client: Client,
    city: City,
    django_capture_on_commit_callbacks: Any,
) -> None:
    residents_by_sms(client, city)
    assert client.get(BROADCAST).status_code == 302  # staff only
    page = staff_client.get(BROADCAST)
    assert page.status_code == 200
    assert 'name="text_es"' in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            BROADCAST,
            {"neighbourhoods": [city.north.pk, city.south.pk], "text_en": "Results on Monday."},
        )
    assert response.status_code == 302
    assert response["Location"] == QUEUE
    assert len(outbox.messages) == 3
    invalid = staff_client.post(BROADCAST, {"neighbourhoods": [], "text_en": ""})
    assert invalid.status_code == 400


def test_broadcast_page_needs_csrf(staff_user: Any, city: City) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_user)
    response = client.post(BROADCAST, {"neighbourhoods": [city.north.pk], "text_en": "hi"})
    assert response.status_code == 403
    assert SmsBroadcast.objects.count() == 0


def test_simulator_lands_on_the_newest_message_and_pages_older_ones(
    staff_client: Client, city: City, settings: Any
) -> None:
    settings.SMS_INBOUND_PER_MINUTE = 1000
    for n in range(25):
        html = staff_client.get(SIMULATOR).content.decode()
        response = staff_client.post(
            SIMULATOR,
            {"sender": "+1 415 555 0177", "body": f"HELP {n}", "message_sid": sid_from(html)},
        )
    # After a send, the page opens at the newest message (a fragment: no JS needed).
    assert response["Location"].endswith("#sms-latest")
    html = staff_client.get(SIMULATOR).content.decode()
    thread = html.split('id="sms-thread"')[1].split("</ol>")[0]
    # One page of the newest 20 texts, oldest first, then the marker the page lands on.
    assert thread.count("sms-bubble--out") == 20
    assert "</span>HELP 4</li>" not in thread and "</span>HELP 24</li>" in thread
    assert thread.rstrip().endswith(
        'id="sms-latest" tabindex="-1"><span class="visually-hidden">'
        "Newest message above.</span></li>"
    )
    assert "sms/simulator.js" in html  # keeps the scroll box at the bottom
    older = html.split('id="sms-older" href="')[1].split('"')[0]
    page = staff_client.get(SIMULATOR + older.replace("&amp;", "&")).content.decode()
    earlier = page.split('id="sms-thread"')[1].split("</ol>")[0]
    assert earlier.count("sms-bubble--out") == 5
    assert "</span>HELP 0</li>" in earlier and "</span>HELP 5</li>" not in earlier
    assert 'id="sms-newer"' in page and 'id="sms-older"' not in page
