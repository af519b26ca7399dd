"""The one keyed hash of the project: HMAC-SHA256 under a named secret.

Two secrets, two purposes, so one leaked key never opens the other door:

- ``PHONE_KEY``: identities and rate-limit keys (phone numbers, voter codes, client
  addresses, sign-in codes). A database dump shows none of them readable.
- ``BALLOT_KEY``: ballot pseudonyms, the only link between a ballot and a resident.

Each message is prefixed by its purpose (``phone:``, ``code:``, ``ballot:``, ...) by the
caller, so equal inputs of different kinds never share a digest.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Literal

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

SecretName = Literal["PHONE_KEY", "BALLOT_KEY"]


def keyed_hash(secret: SecretName, message: str) -> str:
    """Hex HMAC-SHA256 of ``message`` under ``settings.<secret>``. Refuses an empty key
    rather than fall back to another secret: a fallback would change every stored
    digest the day the key is set."""
    key = {"PHONE_KEY": settings.PHONE_KEY, "BALLOT_KEY": settings.BALLOT_KEY}[secret]
    if not key:
        raise ImproperlyConfigured(f"{secret} is not set")
    return hmac.new(key.encode(), message.encode(), hashlib.sha256).hexdigest()
