"""The API's rate limits, counted in the ``throttle`` cache: Redis shared by every
worker process when ``REDIS_URL`` is set (``core.failover_cache``), so a limit is one
limit for the whole site, not one per worker. DRF's own classes count in the default
cache, each process's memory."""

from __future__ import annotations

from typing import cast

from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.utils.connection import ConnectionProxy
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle

# Resolved per thread at each use, as django.core.cache.cache (DRF's default) is; typed
# as the cache it stands for.
throttle_cache = cast(BaseCache, ConnectionProxy(caches, "throttle"))


class SharedRateThrottle(SimpleRateThrottle):
    cache = throttle_cache


class SharedAnonRateThrottle(AnonRateThrottle):
    """Requests per client address without an account (the ``anon`` rate)."""

    cache = throttle_cache


class SharedUserRateThrottle(UserRateThrottle):
    """Requests per account, or per address without one (the ``user`` rate)."""

    cache = throttle_cache
