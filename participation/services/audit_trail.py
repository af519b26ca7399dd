"""The one writer of this issue's staff-action audit entries (paper entry, voids,
voter codes, delivery updates) over ``participation.models.AuditLog``.

Kept to one small function so the switch to the staff issue's shared audit service is
a one-line change. Entries never carry a resident's identity next to a ballot: paper
entries name the process and the pots, not who voted.
"""

from __future__ import annotations

from typing import Any

from participation.models import AuditLog


def audit_trail_write(
    *, actor: Any, action: str, object_type: str, object_id: object, data: dict[str, Any]
) -> AuditLog:
    """Append one entry. ``actor`` is the staff user, or None for the command line
    (a shell on the server: trusted, and recorded as such in ``data["via"]``)."""
    user = actor if getattr(actor, "pk", None) else None
    if user is None:
        data = {**data, "via": data.get("via", "command line")}
    return AuditLog.objects.create(
        actor=user, action=action, object_type=object_type, object_id=str(object_id), data=data
    )
