"""The production server's settings (justcity/gunicorn_conf.py), read from the
environment as gunicorn reads them: at import."""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator
from types import ModuleType

import pytest
from django.core.exceptions import ImproperlyConfigured

from justcity import gunicorn_conf


def _conf(monkeypatch: pytest.MonkeyPatch, **env: str) -> ModuleType:
    for name in ("WEB_CONCURRENCY", "WEB_REUSE_PORT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return importlib.reload(gunicorn_conf)


@pytest.fixture(autouse=True)
def _restore(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    yield
    monkeypatch.undo()
    importlib.reload(gunicorn_conf)  # as the environment of the run has it


def test_defaults_spread_connections_over_cores_plus_one_workers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    conf = _conf(monkeypatch)
    assert conf.reuse_port is True
    assert conf.workers == (os.cpu_count() or 1) + 1
    assert conf.worker_class == "uvicorn_worker.UvicornWorker"


def test_both_can_be_set(monkeypatch: pytest.MonkeyPatch) -> None:
    conf = _conf(monkeypatch, WEB_CONCURRENCY="7", WEB_REUSE_PORT="off")
    assert (conf.workers, conf.reuse_port) == (7, False)
    assert _conf(monkeypatch, WEB_REUSE_PORT="1").reuse_port is True


def test_a_bad_switch_is_refused_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ImproperlyConfigured, match="WEB_REUSE_PORT must be a boolean"):
        _conf(monkeypatch, WEB_REUSE_PORT="maybe")
