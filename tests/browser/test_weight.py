"""Page weight, as transferred over the network (compressed if the server compresses):
the ballot page at most 60 KB without the map, the map page at most 250 KB without
tiles. Measured with the Chrome DevTools protocol (``Network.loadingFinished``'s
``encodedDataLength``: bytes received, headers included) on a cold cache.

Each test also writes ``test-artifacts/browser/weight-<page>.json`` with every request,
its transferred size, its Content-Encoding and its gzip size, so a regression can be
traced to the file that grew."""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Page, expect

from tests.browser.flows import open_ballot
from tests.browser.harness.browsing import Browsing
from tests.browser.harness.paths import ARTIFACTS
from tests.browser.harness.server import LiveServer

pytestmark = pytest.mark.browser

KB = 1024
BALLOT_BUDGET = 60 * KB
MAP_BUDGET = 250 * KB


@dataclass
class Transfer:
    url: str
    transferred: int = 0
    encoding: str = ""
    status: int = 0
    resource_type: str = ""


@dataclass
class Weighing:
    transfers: dict[str, Transfer] = field(default_factory=dict)

    def attach(self, page: Page) -> None:
        cdp = page.context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        cdp.on("Network.requestWillBeSent", self._request)
        cdp.on("Network.responseReceived", self._response)
        cdp.on("Network.loadingFinished", self._finished)

    def _request(self, event: dict[str, Any]) -> None:
        self.transfers[event["requestId"]] = Transfer(
            url=event["request"]["url"], resource_type=event.get("type", "")
        )

    def _response(self, event: dict[str, Any]) -> None:
        transfer = self.transfers.get(event["requestId"])
        if transfer is not None:
            headers = {k.lower(): v for k, v in event["response"]["headers"].items()}
            transfer.encoding = headers.get("content-encoding", "")
            transfer.status = int(event["response"]["status"])

    def _finished(self, event: dict[str, Any]) -> None:
        transfer = self.transfers.get(event["requestId"])
        if transfer is not None:
            transfer.transferred = int(event["encodedDataLength"])


def weigh(page: Page, path: str, *, exclude: tuple[str, ...] = ()) -> tuple[int, list[Transfer]]:
    """Load ``path`` on a cold cache and sum what came over the wire, except requests
    whose URL contains one of ``exclude`` and map tiles (any other origin: tiles are
    the only third-party requests the CSP allows)."""
    weighing = Weighing()
    weighing.attach(page)
    page.goto(path, wait_until="networkidle")
    origin = urlparse(page.url).netloc
    counted = [
        t
        for t in weighing.transfers.values()
        if t.url.startswith("http")
        and urlparse(t.url).netloc == origin
        and not any(part in t.url for part in exclude)
    ]
    assert all(t.transferred > 0 for t in counted), [t for t in counted if not t.transferred]
    return sum(t.transferred for t in counted), counted


def record(page: Page, name: str, total: int, counted: list[Transfer], budget: int) -> str:
    rows = []
    for t in counted:
        body = page.request.get(t.url, headers={"Accept-Encoding": "identity"}).body()
        parts = urlparse(t.url)
        rows.append(
            {
                "url": parts.path + (f"?{parts.query}" if parts.query else ""),
                "type": t.resource_type,
                "status": t.status,
                "transferred": t.transferred,
                "content_encoding": t.encoding or "none",
                "uncompressed_body": len(body),
                "gzip_body": len(gzip.compress(body, 6)),
            }
        )
    summary = {
        "page": name,
        "transferred_total": total,
        "budget": budget,
        "gzip_bodies_total": sum(r["gzip_body"] for r in rows),
        "requests": rows,
    }
    (ARTIFACTS / f"weight-{name}.json").write_text(json.dumps(summary, indent=2))
    lines = [f"{name}: {total / KB:.1f} KB transferred (budget {budget / KB:.0f} KB)"]
    lines += [
        f"  {r['transferred'] / KB:7.1f} KB  {r['content_encoding']:<5} "
        f"(gzip would be {r['gzip_body'] / KB:.1f} KB)  {r['url']}"
        for r in sorted(rows, key=lambda r: -r["transferred"])
    ]
    text = "\n".join(lines)
    print(text)
    return text


def test_ballot_page_weight(page: Page, browsing: Browsing, server: LiveServer) -> None:
    open_ballot(page, server)
    path = f"/processes/{server.data['process']}/ballot/"
    total, counted = weigh(page, path, exclude=("/static/leaflet/",))
    expect(page.get_by_role("heading", name="Your ballot", level=1)).to_be_visible()
    assert any(urlparse(t.url).path == path for t in counted)
    report = record(page, "ballot", total, counted, BALLOT_BUDGET)
    assert total <= BALLOT_BUDGET, report


def test_map_page_weight(page: Page, server: LiveServer) -> None:
    path = f"/processes/{server.data['process']}/map/"
    total, counted = weigh(page, path)
    expect(page.locator(".leaflet-container")).to_be_visible()
    assert any("/static/leaflet/" in t.url for t in counted), "Leaflet was not loaded"
    report = record(page, "map", total, counted, MAP_BUDGET)
    assert total <= MAP_BUDGET, report
