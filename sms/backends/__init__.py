"""SMS gateway backends, chosen by ``settings.SMS_BACKEND`` like Django's mail backends."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

from sms.backends.base import BaseSmsBackend
from sms.backends.kinds import is_demo_backend


def sms_is_demo_backend() -> bool:
    """Whether the configured backend is the demo one (texts printed, nothing sent)."""
    return is_demo_backend(settings.SMS_BACKEND)


def get_backend(path: str | None = None, **kwargs: Any) -> BaseSmsBackend:
    cls = import_string(path or settings.SMS_BACKEND)
    backend: BaseSmsBackend = cls(**kwargs)
    return backend
