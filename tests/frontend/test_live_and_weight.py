"""Live updates degrade quietly; the ballot page stays light."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from core.models import Process
from participation.models import Comment, Proposal
from tests.frontend.html import parse

pytestmark = pytest.mark.django_db

DEAD_REDIS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]},
    }
}


def test_writes_and_pages_work_with_the_channel_layer_down(
    voter_client: Client,
    idea: Proposal,
    settings: Any,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    settings.CHANNEL_LAYERS = DEAD_REDIS
    with django_capture_on_commit_callbacks(execute=True):
        response = voter_client.post(f"/proposals/{idea.pk}/comments/", {"body": "Still works"})
    assert response.status_code == 302
    assert Comment.objects.filter(body="Still works").exists()
    assert voter_client.get(f"/proposals/{idea.pk}/").status_code == 200


def test_live_client_is_wired_on_process_pages(
    client: Client, city: Process, idea: Proposal
) -> None:
    for url in (
        f"/processes/{city.slug}/",
        f"/proposals/{idea.pk}/",
        f"/processes/{city.slug}/map/",
    ):
        page = parse(client.get(url).content)
        assert page.by_id("live-config") is not None, url
        assert page.by_id("live-notices") is not None, url
        assert any(
            (s.attrs.get("src") or "").endswith("frontend/live.js") for s in page.named("script")
        )
    source = open(finders.find("frontend/live.js"), encoding="utf-8").read()  # noqa: SIM115
    # Failures are swallowed: no throw, no alert, text only.
    assert "innerHTML" not in source and "alert(" not in source and "throw " not in source


def _gzipped_size(client: Client, url: str) -> tuple[int, list[str]]:
    response = client.get(url)
    assert response.status_code == 200
    page = parse(response.content)
    assets = [t.attrs["src"] for t in page.named("script") if t.attrs.get("src")]
    assets += [t.attrs["href"] for t in page.named("link") if t.attrs.get("rel") == "stylesheet"]
    total = len(gzip.compress(response.content))
    for asset in assets:
        assert asset is not None and asset.startswith("/static/")
        path = finders.find(asset.removeprefix("/static/"))
        assert path, asset
        with open(path, "rb") as handle:
            total += len(gzip.compress(handle.read()))
    return total, [a for a in assets if a]


def test_ballot_page_under_60_kb_gzipped(voter_client: Client, city: Process) -> None:
    total, assets = _gzipped_size(voter_client, f"/processes/{city.slug}/ballot/")
    assert not any("leaflet" in a for a in assets)
    assert total < 60 * 1024, total


def test_map_page_under_250_kb_gzipped(client: Client, city: Process) -> None:
    total, assets = _gzipped_size(client, f"/processes/{city.slug}/map/")
    assert any("leaflet" in a for a in assets)
    assert total < 250 * 1024, total
