"""The map of ideas and projects, and the list under it that shows the same items."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.harness.server import LiveServer

pytestmark = pytest.mark.browser


def _unlocated(page: Page) -> int:
    """How many listed items the page says have no place on the map."""
    note = page.get_by_text(re.compile(r"no place on the map"))
    if not note.count():
        return 0
    found = re.match(r"\d+", note.inner_text())
    assert found, note.inner_text()
    return int(found.group())


def test_map_and_its_list_alternative_with_a_filter(page: Page, server: LiveServer) -> None:
    page.goto(f"/processes/{server.data['process']}/")
    page.get_by_role("link", name="Map and list of ideas and projects").click()
    expect(page.get_by_role("heading", name="Ideas and projects on the map")).to_be_visible()

    the_map = page.get_by_role("region", name="Map of ideas and projects")
    expect(the_map.locator(".leaflet-container")).to_be_visible()
    rows = page.locator("#map-list tbody tr")
    markers = the_map.locator(".leaflet-marker-icon")
    expect(rows.first).to_be_visible()
    total = rows.count()
    assert total > 10, total
    # One marker per row of the list that has a place; the page names how many have
    # none (ideas other browser tests post on the shared server may have no pin).
    expect(markers).to_have_count(total - _unlocated(page))
    expect(page.get_by_role("heading", name=f"List: {total} items")).to_be_visible()
    # Markers are reachable by keyboard and named in words.
    expect(markers.first).to_have_attribute("tabindex", "0")
    expect(markers.first).to_have_attribute("title", re.compile(r".+ \(.+\)"))

    filters = page.locator("#map-filters")
    neighbourhood = server.data["neighbourhood_name"]
    filters.get_by_label("Neighbourhood").select_option(label=neighbourhood)
    filters.get_by_label("Show").select_option(label="Projects")
    filters.get_by_role("button", name="Apply filters").click()

    expect(page).to_have_url(re.compile(rf"neighbourhood={server.data['neighbourhood']}&"))
    expect(filters.get_by_label("Neighbourhood")).to_have_value(server.data["neighbourhood"])
    filtered = rows.count()
    assert 0 < filtered < total
    expect(page.get_by_role("heading", name=f"List: {filtered} item")).to_be_visible()
    for i in range(filtered):
        cells = rows.nth(i).locator("td")
        expect(cells.nth(0)).to_contain_text("Project No.")
        expect(cells.nth(3)).to_have_text(neighbourhood)
    expect(markers).to_have_count(filtered - _unlocated(page))

    # The list links to the same item pages as the markers' popups.
    first_title = rows.first.locator("td").nth(1).inner_text()
    rows.first.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(first_title)

    page.go_back()
    page.get_by_role("link", name="Clear filters").click()
    expect(rows).to_have_count(total)
