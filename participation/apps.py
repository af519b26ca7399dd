from __future__ import annotations

from typing import Any

from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate


def _last_app_with_models() -> str:
    labels = [config.label for config in apps.get_app_configs() if config.models_module]
    return labels[-1]


def _roles_sync_after_migrate(sender: AppConfig, using: str, **kwargs: Any) -> None:
    """After every migrate, once every app's permissions exist (Django creates them in
    its own post-migrate step, app by app): give new permissions to their roles."""
    if sender.label != _last_app_with_models():
        return
    from participation.services.roles_sync import roles_sync

    roles_sync(using=using)


class ParticipationConfig(AppConfig):
    name = "participation"

    def ready(self) -> None:
        post_migrate.connect(_roles_sync_after_migrate, dispatch_uid="participation.roles_sync")
