"""Delivery of funded projects: the record of each update (status, progress, dated
milestones, notes per language, an optional photo) and who follows a project.

``project_delivery_record`` writes an update; it is called only by
``sms.project_updates.project_delivery_update``, the one service staff pages and
commands call, which also tells the followers (texting them needs the SMS floor).
``project_follow`` / ``project_unfollow`` are called by the web button and SMS
``FOLLOW n`` / ``UNFOLLOW n``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from budgets.models import (
    ImplementationStatus,
    Project,
    ProjectFollow,
    ProjectMilestone,
    ProjectUpdate,
)
from budgets.results import project_funded
from core.models import Channel
from participation.errors import ParticipationError
from participation.models import Resident
from participation.services.audit_trail import audit_trail_write
from participation.staff_permissions import staff_require

UPDATE_PERMISSION = "budgets.update_delivery"
NOTE_MAX = 2000
PHOTO_MAX_BYTES = 2 * 1024 * 1024
# What a photo may be, recognised by its first bytes (never by its name or the type a
# browser claims): JPEG, PNG, and WebP (``RIFF`` ... ``WEBP``).
PHOTO_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)
FOLLOW_CHANNELS = (Channel.WEB, Channel.SMS)
LANGUAGE_CODES = {code for code, _name in settings.LANGUAGES}


class DeliveryError(ParticipationError):
    """A refused delivery update or follow, with a message fit to show."""


@dataclass(frozen=True)
class Milestone:
    title: str
    planned_on: dt.date
    done_on: dt.date | None = None


def photo_type(data: bytes) -> str:
    """The image type of ``data`` by its signature, or raise DeliveryError."""
    if len(data) > PHOTO_MAX_BYTES:
        raise DeliveryError(
            "photo_too_big",
            _("The photo is too big: at most %(mb)d MB.") % {"mb": PHOTO_MAX_BYTES // 2**20},
        )
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    for signature, kind in PHOTO_SIGNATURES:
        if data.startswith(signature):
            return kind
    raise DeliveryError("photo_type", _("The photo must be a JPEG, PNG or WebP image."))


def project_delivery_record(
    *,
    project: Project,
    actor: Any,
    status: str,
    percent: int,
    notes: Mapping[str, str],
    milestones: Sequence[Milestone] | None = None,
    photo: bytes | None = None,
) -> ProjectUpdate:
    """Write one delivery update of a funded project and return it.

    - ``actor`` needs ``budgets.update_delivery`` (None: the command line); audited.
    - ``notes``: the note per language; the default language's is required (others
      fall back to it). ``milestones``, when given, replace the project's list.
    - ``photo``: at most 2 MB, JPEG, PNG or WebP by its bytes.
    - Refused for a project the published results did not fund.
    Call it through ``project_delivery_update``, which also tells the followers."""
    staff_require(actor, UPDATE_PERMISSION)
    if status not in ImplementationStatus.values:
        raise DeliveryError("bad_status", _("That is not a delivery status."))
    if not 0 <= percent <= 100:
        raise DeliveryError("bad_percent", _("Progress is a percentage from 0 to 100."))
    clean = {lang: " ".join(text.split()) for lang, text in notes.items() if lang in LANGUAGE_CODES}
    clean = {lang: text for lang, text in clean.items() if text}
    if settings.LANGUAGE_CODE not in clean:
        raise DeliveryError("note_required", _("Write the update in the default language."))
    if any(len(text) > NOTE_MAX for text in clean.values()):
        raise DeliveryError(
            "note_too_long", _("Keep the update under %(n)d characters.") % {"n": NOTE_MAX}
        )
    for milestone in milestones or ():
        if not milestone.title.strip():
            raise DeliveryError("milestone_title", _("Every milestone needs a title."))
    kind = photo_type(photo) if photo else ""
    with transaction.atomic():
        locked = Project.objects.select_for_update().select_related("process").get(pk=project.pk)
        if not project_funded(locked):
            raise DeliveryError(
                "not_funded", _("Only projects funded in the published results are delivered.")
            )
        now = timezone.now()
        update = ProjectUpdate.objects.create(
            project=locked,
            created_at=now,
            author=actor if getattr(actor, "pk", None) else None,
            status=status,
            percent=percent,
            notes=clean,
            photo=photo or None,
            photo_type=kind,
        )
        locked.implementation_status = status
        locked.implementation_percent = percent
        locked.implementation_note = clean[settings.LANGUAGE_CODE]
        locked.implementation_updated_at = now
        locked.save(
            update_fields=[
                "implementation_status",
                "implementation_percent",
                "implementation_note",
                "implementation_updated_at",
            ]
        )
        if milestones is not None:
            locked.milestones.all().delete()
            ProjectMilestone.objects.bulk_create(
                ProjectMilestone(
                    project=locked,
                    title=m.title.strip()[:200],
                    planned_on=m.planned_on,
                    done_on=m.done_on,
                )
                for m in milestones
            )
        audit_trail_write(
            actor=actor,
            action="delivery.update",
            object_type="project",
            object_id=locked.pk,
            data={"update": update.pk, "status": status, "percent": percent},
        )
    project.refresh_from_db()
    return update


def project_follow(*, project: Project, resident: Resident, channel: str) -> bool:
    """``resident`` follows ``project`` on ``channel`` (web notices or texts);
    idempotent. Returns True when the follow is new. An SMS follow needs a phone."""
    if channel not in FOLLOW_CHANNELS:
        raise ValueError(f"cannot follow by {channel!r}")
    if project.withdrawn:
        raise DeliveryError("withdrawn", _("That project was withdrawn."))
    if channel == Channel.SMS and not resident.phone_e164:
        raise DeliveryError("no_phone", _("Following by SMS needs a phone number."))
    try:
        with transaction.atomic():
            ProjectFollow.objects.create(
                project=project, resident=resident, channel=channel, seen_at=timezone.now()
            )
    except IntegrityError:
        return False
    return True


def project_unfollow(*, project: Project, resident: Resident, channel: str) -> bool:
    deleted, _counts = ProjectFollow.objects.filter(
        project=project, resident=resident, channel=channel
    ).delete()
    return deleted > 0


def project_follows_seen(*, resident: Resident) -> int:
    """The resident read their updates page: nothing there is new any more."""
    return ProjectFollow.objects.filter(resident=resident, channel=Channel.WEB).update(
        seen_at=timezone.now()
    )
