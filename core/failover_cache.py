"""A cache shared by every worker process (Redis), that falls back to this process's
memory while Redis fails.

The API's rate limits count in a cache (DRF throttles). Each web worker's own memory
would give each worker its own count: with five workers a client could make up to five
times its limit, depending on which worker its connections land on. So they count in
Redis, shared by all workers of all machines. Redis down must not take the API with it
(voting works without Redis): a call that fails is answered from this process's memory,
and no thread of the process asks Redis again for ``retry`` seconds, so an outage costs
one short timeout per process and interval, not one per request. Limits then hold per
process until Redis is back. What Redis held is not copied across: a client's count
restarts when either side takes over, at most once each way per outage.

Settings: ``LOCATION`` is the Redis URL; ``OPTIONS`` may set ``timeout`` (seconds one
call may wait, connecting included) and ``retry`` (seconds before Redis is tried again).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


def _as_made(key: str, key_prefix: str, version: int | None) -> str:
    return key


# Redis URL -> when this process may ask it again. Django gives each thread its own cache
# instance; the outage is the process's, found once, by whichever thread meets it first.
_down_until: dict[str, float] = {}
_down_lock = threading.Lock()


class FailoverCache(BaseCache):
    def __init__(self, location: str, params: dict[str, Any]) -> None:
        super().__init__(params)
        options = dict(params.get("OPTIONS", {}))
        timeout = float(options.pop("timeout", 0.5))
        self.retry = float(options.pop("retry", 5.0))
        shared = {
            # The key prefix and version are applied here, once, not again below.
            "KEY_FUNCTION": _as_made,
            "TIMEOUT": params.get("TIMEOUT", 300),
            "OPTIONS": {
                **options,
                "socket_connect_timeout": timeout,
                "socket_timeout": timeout,
            },
        }
        self.shared = RedisCache(location, shared)
        # LocMemCache instances of one name share their memory: one per process.
        self.local = LocMemCache(
            f"failover:{location}", {"KEY_FUNCTION": _as_made, "TIMEOUT": shared["TIMEOUT"]}
        )
        self.location = location

    def _call(self, name: str, *args: Any) -> Any:
        if time.monotonic() >= _down_until.get(self.location, 0.0):
            try:
                return getattr(self.shared, name)(*args)
            except RedisError as exc:
                with _down_lock:
                    if time.monotonic() >= _down_until.get(self.location, 0.0):
                        logger.warning(
                            "shared cache unreachable (%s); this process counts alone for %.0f s",
                            type(exc).__name__,
                            self.retry,
                        )
                    _down_until[self.location] = time.monotonic() + self.retry
        return getattr(self.local, name)(*args)

    def get(self, key: str, default: Any = None, version: int | None = None) -> Any:
        return self._call("get", self.make_and_validate_key(key, version=version), default)

    def set(
        self,
        key: str,
        value: Any,
        timeout: float | None = DEFAULT_TIMEOUT,
        version: int | None = None,
    ) -> None:
        self._call("set", self.make_and_validate_key(key, version=version), value, timeout)

    def add(
        self,
        key: str,
        value: Any,
        timeout: float | None = DEFAULT_TIMEOUT,
        version: int | None = None,
    ) -> bool:
        return bool(
            self._call("add", self.make_and_validate_key(key, version=version), value, timeout)
        )

    def touch(
        self,
        key: str,
        timeout: float | None = DEFAULT_TIMEOUT,
        version: int | None = None,
    ) -> bool:
        return bool(self._call("touch", self.make_and_validate_key(key, version=version), timeout))

    def delete(self, key: str, version: int | None = None) -> bool:
        return bool(self._call("delete", self.make_and_validate_key(key, version=version)))

    def clear(self) -> None:
        """This process's memory only. Redis' clear is FLUSHDB, which would also empty
        the channel layer sharing the database; what Redis keeps expires on its own."""
        self.local.clear()

    def close(self, **kwargs: Any) -> None:
        self.shared.close(**kwargs)
