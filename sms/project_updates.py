"""``project_delivery_update``: the one service that publishes a delivery update of a
funded project and tells its followers, each in their language on their channel (a
text through ``send_sms`` for SMS followers; web followers see it on their updates
page). Staff pages and ``manage.py project_delivery_update`` call it.

It lives on the SMS floor for the reason sign-in does: it texts people. The record
itself is ``budgets.services.delivery.project_delivery_record``. Only residents who
asked to follow the project are told; never "people who voted for it".
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from budgets.models import ImplementationStatus, Project, ProjectFollow, ProjectUpdate
from budgets.services.delivery import Milestone, project_delivery_record
from core.models import Channel
from participation.identity import InvalidPhoneNumber
from sms.commands import replies
from sms.commands.keywords import Kind, display
from sms.models import OutboundPurpose
from sms.sending import send_sms

logger = logging.getLogger(__name__)


def delivery_text(project: Project, update: ProjectUpdate, language: str) -> str:
    """The text an SMS follower gets, in ``language``: the project, its status and
    progress, the note (theirs, else the default language's), how to stop."""
    note = update.notes.get(language) or update.notes.get(settings.LANGUAGE_CODE, "")
    with translation.override(language):
        head = _("Project %(code)d %(title)s: %(status)s, %(percent)d%% done.") % {
            "code": project.short_code,
            "title": replies.short_title(project.title),
            "status": ImplementationStatus(update.status).label,
            "percent": update.percent,
        }
        tail = _("%(stop)s %(code)d to stop.") % {
            "stop": display(Kind.UNFOLLOW, language),
            "code": project.short_code,
        }
        return replies.fit_part(lambda text: " ".join(x for x in (head, text, tail) if x), note)


def project_delivery_update(
    *,
    project: Project,
    actor: Any,
    status: str,
    percent: int,
    notes: Mapping[str, str],
    milestones: Sequence[Milestone] | None = None,
    photo: bytes | None = None,
) -> ProjectUpdate:
    """Publish a delivery update (see ``project_delivery_record`` for the checks and
    the permission) and queue one text per SMS follower, in one transaction: texts
    go out on commit, so a refused update texts nobody. Returns the update."""
    with transaction.atomic():
        update = project_delivery_record(
            project=project,
            actor=actor,
            status=status,
            percent=percent,
            notes=notes,
            milestones=milestones,
            photo=photo,
        )
        followers = ProjectFollow.objects.filter(
            project=project, channel=Channel.SMS, resident__sms_opted_out_at__isnull=True
        ).select_related("resident")
        sent = 0
        for follow in followers:
            resident = follow.resident
            if not resident.phone_e164:
                continue
            try:
                send_sms(
                    to=resident.phone_e164,
                    body=delivery_text(project, update, resident.language),
                    purpose=OutboundPurpose.NOTICE,
                    language=resident.language,
                )
            except InvalidPhoneNumber:
                logger.warning("follower #%s has an invalid number; skipped", resident.pk)
                continue
            sent += 1
        logger.info("delivery update %s of project %s: %d texts", update.pk, project.pk, sent)
    return update
