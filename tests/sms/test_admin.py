"""The SMS admin's "queue again" action: only with ``sms.change_outboundmessage``, and
every requeued message leaves an audit entry (actor, before and after)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client

from participation.models import AuditLog
from sms.models import OutboundMessage, OutboundStatus
from sms.sending import outbound_requeue

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/sms/outboundmessage/"


@pytest.fixture
def failed() -> OutboundMessage:
    return OutboundMessage.objects.create(
        to_e164="+14155550123",
        to_hash="h-failed",
        body="Voting opens Monday.",
        purpose="broadcast",
        status=OutboundStatus.FAILED,
        attempts=5,
        error_code="20003",
    )


@pytest.fixture
def sent() -> OutboundMessage:
    return OutboundMessage.objects.create(
        to_e164="+14155550124", to_hash="h-sent", body="done", status=OutboundStatus.SENT
    )


def requeue(client: Client, *messages: OutboundMessage) -> Any:
    return client.post(
        CHANGELIST,
        {"action": "requeue", "_selected_action": [m.pk for m in messages]},
        follow=True,
    )


def test_queue_again_from_the_admin_is_audited_with_before_and_after(
    client: Client,
    staff_with: Any,
    failed: OutboundMessage,
    sent: OutboundMessage,
    django_capture_on_commit_callbacks: Any,
) -> None:
    operator = staff_with("sms.view_outboundmessage", "sms.change_outboundmessage")
    client.force_login(operator)
    with django_capture_on_commit_callbacks(execute=True):
        response = requeue(client, failed, sent)
    assert response.status_code == 200
    assert "1 message queued again." in response.content.decode()
    failed.refresh_from_db()
    # Sent at once by the Immediate task backend after the requeue committed.
    assert failed.status == OutboundStatus.SENT
    (entry,) = AuditLog.objects.filter(action="sms.requeue")
    assert entry.actor == operator
    assert (entry.object_type, entry.object_id) == ("sms.outboundmessage", str(failed.pk))
    assert entry.before == {"status": "failed", "attempts": 5, "error_code": "20003"}
    assert entry.after == {"status": "queued", "attempts": 0, "error_code": ""}
    # The number and the text are never in the log.
    assert "+1415" not in str(entry.data) + str(entry.before) + str(entry.after)
    assert "Voting opens" not in str(entry.data) + str(entry.before) + str(entry.after)


def test_staff_who_may_only_view_the_queue_cannot_queue_again(
    client: Client, staff_with: Any, failed: OutboundMessage
) -> None:
    client.force_login(staff_with("sms.view_outboundmessage"))
    page = client.get(CHANGELIST).content.decode()
    assert 'value="requeue"' not in page  # the action is not offered
    response = requeue(client, failed)
    assert response.status_code == 200  # the admin answers "no action selected"
    failed.refresh_from_db()
    assert failed.status == OutboundStatus.FAILED
    assert not AuditLog.objects.filter(action="sms.requeue").exists()


def test_the_service_refuses_staff_without_the_permission(
    staff_with: Any, failed: OutboundMessage
) -> None:
    viewer = staff_with("sms.view_outboundmessage")
    with pytest.raises(PermissionDenied):
        outbound_requeue(actor=viewer, message_ids=[failed.pk])
    failed.refresh_from_db()
    assert failed.status == OutboundStatus.FAILED
    assert not AuditLog.objects.exists()


def test_requeue_from_the_command_line_is_audited_as_such(failed: OutboundMessage) -> None:
    assert outbound_requeue(actor=None, message_ids=[failed.pk]) == 1
    entry = AuditLog.objects.get(action="sms.requeue")
    assert entry.actor is None and entry.data == {"via": "command line"}
