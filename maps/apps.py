from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db import transaction
from django.db.models.signals import post_delete, post_save


def _neighbourhoods_changed(*, using: str, **_kwargs: Any) -> None:
    from maps.locate import invalidate

    # Now, so this thread sees its own uncommitted edit; and again on commit, so another
    # thread that rebuilt the index from pre-commit rows in between does not keep it.
    invalidate()
    transaction.on_commit(invalidate, using=using)


class MapsConfig(AppConfig):
    name = "maps"

    def ready(self) -> None:
        from maps.models import Neighbourhood

        # Keeps maps.locate's point-in-polygon index fresh (see that module's docstring).
        # Only a counter is bumped: no writes or tasks hang off these signals.
        post_save.connect(
            _neighbourhoods_changed, sender=Neighbourhood, dispatch_uid="maps.locate.saved"
        )
        post_delete.connect(
            _neighbourhoods_changed, sender=Neighbourhood, dispatch_uid="maps.locate.deleted"
        )
