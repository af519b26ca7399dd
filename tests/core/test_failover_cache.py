"""The API's rate limits are one limit for the whole site: counted in Redis, shared by
every worker process (core.failover_cache, core.api_throttles), and still counted, in
the process, while Redis fails."""

from __future__ import annotations

import logging
import os
import time
import uuid
from typing import Any

import pytest
from django.core.cache import caches
from django.test import RequestFactory
from rest_framework.request import Request
from rest_framework.views import APIView

from core import failover_cache
from core.api_throttles import SharedAnonRateThrottle
from core.failover_cache import FailoverCache

REDIS_URL = os.environ.get("REDIS_URL", "")
needs_redis = pytest.mark.skipif(not REDIS_URL, reason="needs Redis: set REDIS_URL (CI does)")
# Nothing listens on port 1: a refused connection, as when Redis is down.
NO_REDIS = "redis://127.0.0.1:1/0"


def _cache(location: str, *, prefix: str, retry: float = 5.0) -> FailoverCache:
    return FailoverCache(
        location, {"KEY_PREFIX": prefix, "OPTIONS": {"timeout": 0.25, "retry": retry}}
    )


@needs_redis
def test_two_processes_share_one_count() -> None:
    # Two instances stand for two worker processes: what one sets, the other reads.
    prefix = f"t-{uuid.uuid4().hex}"
    one, other = _cache(REDIS_URL, prefix=prefix), _cache(REDIS_URL, prefix=prefix)
    one.set("history", [3.0, 2.0], 60)
    assert other.get("history") == [3.0, 2.0]
    assert other.add("history", []) is False
    assert other.delete("history") is True
    assert one.get("history", "gone") == "gone"
    # The prefix is applied once: the key in Redis is the one Django would make.
    one.set("k", 1, 60)
    assert one.shared.get(f"{prefix}:1:k") == 1
    one.delete("k")


@needs_redis
def test_the_api_limit_holds_across_worker_processes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Three requests from one address, each answered by another worker: the third is
    over a 2/min limit. With each worker's own memory all three would pass."""
    prefix = f"t-{uuid.uuid4().hex}"
    workers = [_cache(REDIS_URL, prefix=prefix) for _ in range(3)]
    monkeypatch.setattr(SharedAnonRateThrottle, "rate", "2/min", raising=False)
    allowed = []
    for worker in workers:
        monkeypatch.setattr(SharedAnonRateThrottle, "cache", worker)
        request = Request(RequestFactory().get("/api/processes/", REMOTE_ADDR="10.1.2.3"))
        allowed.append(SharedAnonRateThrottle().allow_request(request, APIView()))
    assert allowed == [True, True, False]
    workers[0].delete(SharedAnonRateThrottle.cache_format % {"scope": "anon", "ident": "10.1.2.3"})


def test_redis_down_counts_in_the_process_and_asks_redis_again_later(
    caplog: pytest.LogCaptureFixture,
) -> None:
    cache = _cache(NO_REDIS, prefix="t", retry=60.0)
    with caplog.at_level(logging.WARNING, logger="core.failover_cache"):
        started = time.monotonic()
        cache.set("history", [1.0], 60)
        assert cache.get("history") == [1.0]  # from this process's memory
        assert cache.add("history", []) is False
        for _ in range(50):
            cache.get("history")
        elapsed = time.monotonic() - started
    # One refused connection, then memory: not a timeout per call.
    assert elapsed < 2.0
    assert [r.getMessage() for r in caplog.records].count(
        "shared cache unreachable (ConnectionError); this process counts alone for 60 s"
    ) == 1
    # Another thread's instance (Django gives each its own) knows of the outage: it
    # neither asks Redis again nor counts apart from the first.
    with caplog.at_level(logging.WARNING, logger="core.failover_cache"):
        other_thread = _cache(NO_REDIS, prefix="t", retry=60.0)
        assert other_thread.get("history") == [1.0]
    assert len(caplog.records) == 1
    # Once the retry interval has passed, Redis is asked again (and fails again here).
    failover_cache._down_until[NO_REDIS] = 0.0
    before = time.monotonic()
    assert cache.get("history") == [1.0]
    assert failover_cache._down_until[NO_REDIS] > before
    failover_cache._down_until.pop(NO_REDIS)
    cache.clear()


def test_the_throttle_cache_is_redis_when_the_site_has_it(settings: Any) -> None:
    # Without REDIS_URL (development: one process) it is the process's memory.
    if REDIS_URL:
        assert settings.CACHES["throttle"]["BACKEND"] == "core.failover_cache.FailoverCache"
        assert settings.CACHES["throttle"]["LOCATION"] == REDIS_URL
        assert isinstance(caches["throttle"], FailoverCache)
    else:
        assert settings.CACHES["throttle"]["BACKEND"].endswith("LocMemCache")
    assert SharedAnonRateThrottle.cache.key_prefix == caches["throttle"].key_prefix
