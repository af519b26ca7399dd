"""The one writer of staff-action audit entries (``participation.models.AuditLog``):
moderation, review, paper entry and voids, voter codes, delivery updates, phase and pot
edits, publication, broadcasts, role and account changes, every admin add/change/delete.

Call it by keywords inside the transaction of the act, so the entry and the act commit
or roll back together. Entries never carry a resident's identity next to a ballot: paper
entries name the process and the pots, not who voted; an admin change records the
changed field names and values of staff-visible fields only (the admin base class
decides which, ``participation.admin_base``).
"""

from __future__ import annotations

from typing import Any

from participation.models import AuditLog

# Long free text (a reason, a note) is kept whole; each recorded value is capped so one
# entry stays readable and a pasted blob cannot bloat the log.
MAX_VALUE_CHARS = 2000


def _bounded(values: dict[str, Any] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in (values or {}).items():
        if isinstance(value, str) and len(value) > MAX_VALUE_CHARS:
            value = value[:MAX_VALUE_CHARS] + "…"
        elif not isinstance(value, str | int | float | bool | list | dict | type(None)):
            value = str(value)
        out[str(key)] = value
    return out


def audit_trail_write(
    *,
    actor: Any,
    action: str,
    object_type: str,
    object_id: object,
    data: dict[str, Any] | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditLog:
    """Append one entry. ``actor`` is the staff user, or None for the command line
    (a shell on the server: trusted, and recorded as such in ``data["via"]``).
    ``before``/``after`` hold the changed values (field → value) and ``reason`` why
    staff made the change, where the act asks for one."""
    user = actor if getattr(actor, "pk", None) else None
    data = dict(data or {})
    if user is None:
        data = {**data, "via": data.get("via", "command line")}
    return AuditLog.objects.create(
        actor=user,
        action=action[:64],
        object_type=object_type[:64],
        object_id=str(object_id)[:64],
        data=data,
        before=_bounded(before),
        after=_bounded(after),
        reason=(reason or "").replace("\x00", ""),
    )
