"""Live updates over the websocket: turnout rises on an open process page while another
resident votes; and with the channel layer down the site still works."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser.flows import WIFI, cast, open_ballot, project_box
from tests.browser.harness.browsing import Browsing
from tests.browser.harness.paths import ARTIFACTS
from tests.browser.harness.server import Daphne, LiveServer, server_env

pytestmark = pytest.mark.browser


def _turnout(page: Page) -> int:
    return int(page.locator("#live-turnout").inner_text().replace(",", ""))


def test_turnout_updates_live(browsing: Browsing, server: LiveServer) -> None:
    watcher = browsing.new_page()
    with watcher.expect_websocket() as opened:
        watcher.goto(f"/processes/{server.data['process']}/")
    socket = opened.value
    before = _turnout(watcher)

    voter = browsing.new_page()
    open_ballot(voter, server)
    project_box(voter, WIFI).check()
    cast(voter)

    # No reload: the number changes in place.
    expect(watcher.locator("#live-turnout")).to_have_text(str(before + 1))
    assert not socket.is_closed()


@pytest.fixture(scope="module")
def server_without_channel_layer(server: LiveServer) -> Iterator[str]:
    """A second daphne on the same database whose channel layer (Redis) is unreachable."""
    daphne = Daphne(
        server_env(server.database_url, REDIS_URL="redis://127.0.0.1:9/0"),
        ARTIFACTS / "server-no-channel-layer.log",
    )
    try:
        yield daphne.start()
    finally:
        daphne.stop()


def test_site_works_with_the_channel_layer_down(
    browsing: Browsing, server: LiveServer, server_without_channel_layer: str
) -> None:
    page = browsing.new_page(base_url=server_without_channel_layer)
    page.goto(f"/processes/{server.data['process']}/")
    before = _turnout(page)
    open_ballot(page, server)
    project_box(page, WIFI).check()
    cast(page)
    page.goto(f"/processes/{server.data['process']}/")
    expect(page.locator("#live-turnout")).to_have_text(str(before + 1))
