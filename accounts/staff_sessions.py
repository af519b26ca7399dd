"""Deactivating a staff account ends its sessions at once.

Every staff sign-in records its session key (``StaffSession``); when an account is
saved inactive (the admin, a command, anything), each recorded session is deleted from
the session store, so the next request of that browser is anonymous. Django's
``ModelBackend`` already refuses an inactive user on every request; deleting the
sessions makes the end immediate and leaves no session to revive.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.http import HttpRequest

from accounts.models import StaffSession


def staff_sessions_end(*, user_id: int) -> int:
    """Delete every recorded session of the account; returns how many."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    keys = list(StaffSession.objects.filter(user_id=user_id).values_list("session_key", flat=True))
    for key in keys:
        store(session_key=key).delete()
    StaffSession.objects.filter(user_id=user_id).delete()
    return len(keys)


@receiver(user_logged_in, dispatch_uid="accounts.staff_session_record")
def _record(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is None or not getattr(user, "is_staff", False):
        return
    session = getattr(request, "session", None)
    if session is None:
        return
    if session.session_key is None:
        session.save()
    StaffSession.objects.update_or_create(
        session_key=session.session_key, defaults={"user_id": user.pk}
    )


@receiver(user_logged_out, dispatch_uid="accounts.staff_session_forget")
def _forget(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    session = getattr(request, "session", None)
    if session is not None and session.session_key:
        StaffSession.objects.filter(session_key=session.session_key).delete()


@receiver(post_save, sender=get_user_model(), dispatch_uid="accounts.staff_sessions_end")
def _end_when_deactivated(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    if not created and not instance.is_active:
        staff_sessions_end(user_id=instance.pk)
