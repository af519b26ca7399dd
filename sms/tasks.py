"""Background tasks of the SMS app (``django.tasks``: the Immediate backend locally,
django-tasks-db's DatabaseBackend and ``manage.py db_worker`` in production). Task
bodies only call services."""

from __future__ import annotations

from django.tasks import task

from sms.outbound import outbound_send


@task()
def send_outbound(message_id: int) -> str:
    """Send one queued OutboundMessage; see ``sms.outbound.outbound_send``. Safe to run
    twice or late: the row is claimed with a conditional update."""
    return outbound_send(message_id=message_id)
