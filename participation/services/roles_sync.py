"""Keep the staff groups in step with ``participation.roles``: one group per role,
holding exactly the role's named permissions that exist.

Called by a data migration (so a fresh database has the groups) and after every
``migrate`` (``participation.apps``), because a permission declared later by another
change is only created by Django's own post-migrate step: the next sync adds it to its
roles. A permission listed in ``roles.py`` that no model declares yet is skipped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.apps import apps as global_apps
from django.db import DEFAULT_DB_ALIAS, transaction

from participation.roles import ROLE_PERMISSIONS


@dataclass
class RolesSynced:
    """What a sync did: per role, the permissions granted and those not declared yet."""

    granted: dict[str, list[str]] = field(default_factory=dict)
    missing: dict[str, list[str]] = field(default_factory=dict)


def roles_sync(*, apps: Any = None, using: str = DEFAULT_DB_ALIAS) -> RolesSynced:
    """Create or update one group per role with exactly its existing permissions.

    ``apps`` is a migration's historical registry (None: the live one). Idempotent;
    a group's permissions are set, not added to, so ``roles.py`` stays the one home of
    who may do what (the admin shows group permissions read-only for that reason)."""
    registry = apps or global_apps
    group_model = registry.get_model("auth", "Group")
    permission_model = registry.get_model("auth", "Permission")
    wanted = {perm for perms in ROLE_PERMISSIONS.values() for perm in perms}
    by_name: dict[str, Any] = {}
    for perm in (
        permission_model.objects.using(using)
        .select_related("content_type")
        .filter(codename__in={name.split(".", 1)[1] for name in wanted})
    ):
        by_name[f"{perm.content_type.app_label}.{perm.codename}"] = perm
    synced = RolesSynced()
    with transaction.atomic(using=using):
        for role, perms in ROLE_PERMISSIONS.items():
            group, _created = group_model.objects.using(using).get_or_create(name=role)
            found = [by_name[name] for name in perms if name in by_name]
            group.permissions.set(found)
            synced.granted[role] = [name for name in perms if name in by_name]
            synced.missing[role] = [name for name in perms if name not in by_name]
    return synced
