from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The shared vocabulary every app stands on: processes and their phases, the
    channels residents use, live events, append-only rows and keyed hashes."""

    name = "core"
