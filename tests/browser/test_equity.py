"""The equity dashboards and the 'about you' page in a real browser: axe-core finds 0
violations (WCAG 2.x A and AA) in three languages, and the pages work without
JavaScript (the map is SVG, the figures are tables)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.flows import sign_in
from tests.browser.harness.axe import AxeAudit
from tests.browser.harness.browsing import Browsing
from tests.browser.harness.server import LiveServer

pytestmark = pytest.mark.browser

PAGES = [
    ("equity", "/processes/{process}/equity/", "en-US"),
    ("equity-spanish", "/processes/{process}/equity/", "es-ES"),
    ("equity-french", "/processes/{process}/equity/", "fr-FR"),
    ("equity-closed", "/processes/{closed_process}/equity/", "en-US"),
    ("equity-city", "/equity/", "en-US"),
]


@pytest.mark.parametrize(("label", "path", "locale"), PAGES, ids=[p[0] for p in PAGES])
def test_equity_page_has_no_axe_violations(
    browsing: Browsing, server: LiveServer, axe: AxeAudit, label: str, path: str, locale: str
) -> None:
    page = browsing.new_page(axe=True, locale=locale)
    response = page.goto(path.format(**server.data))
    assert response is not None and response.status == 200
    axe.check(page, label)
    axe.assert_clean()


def test_equity_dashboard_without_javascript(browsing: Browsing, server: LiveServer) -> None:
    page = browsing.new_page(javascript=False)
    page.goto("/processes/{process}/equity/".format(**server.data))
    expect(page.locator("#scorecard-table")).to_be_visible()
    expect(page.locator("#choropleth")).to_be_visible()
    expect(page.locator("#funnel-overall")).to_be_visible()


def test_about_you_has_no_axe_violations(
    browsing: Browsing, server: LiveServer, axe: AxeAudit
) -> None:
    page = browsing.new_page(axe=True)
    page.goto("/me/about-you/")
    sign_in(page, server)
    expect(page.locator("#about-you-form")).to_be_visible()
    axe.check(page, "about-you")
    page.locator("#about-you-save").click()
    expect(page.locator("#my-activity-link")).to_be_visible()
    axe.assert_clean()
