"""Production's static storage answers each file's hashed URL as Django's manifest
storage does, and builds it once per process (justcity.static_storage)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.contrib.staticfiles.storage import HashedFilesMixin

from justcity.static_storage import StaticFilesStorage


def _storage(root: Path) -> StaticFilesStorage:
    (root / "staticfiles.json").write_text(
        json.dumps({"version": "1.1", "hash": "x", "paths": {"app/site.css": "app/site.1a2b.css"}})
    )
    return StaticFilesStorage(location=str(root), base_url="/static/")


def test_a_url_is_the_manifest_s_and_is_built_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    storage = _storage(tmp_path)
    built = []
    real = HashedFilesMixin._url

    def counted(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        built.append(args[1])
        return real(self, *args, **kwargs)

    monkeypatch.setattr(HashedFilesMixin, "_url", counted)
    assert [storage.url("app/site.css") for _ in range(3)] == ["/static/app/site.1a2b.css"] * 3
    assert built == ["app/site.css"]
    # force (collectstatic's own use) always asks the manifest.
    assert storage.url("app/site.css", force=True) == "/static/app/site.1a2b.css"
    assert built == ["app/site.css", "app/site.css"]


def test_a_file_the_manifest_lacks_is_refused_every_time(tmp_path: Path) -> None:
    # As Django's: a missing collectstatic is an error (the readiness check finds it),
    # never a URL kept for later.
    storage = _storage(tmp_path)
    for _ in range(2):
        with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
            storage.url("app/missing.js")
    assert storage._urls == {}
