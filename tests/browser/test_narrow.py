"""A resident on a 390 px phone, with and without JavaScript: no page scrolls sideways,
the maps stand aside for the list without JavaScript, the over-budget meter turns red
and says so, ranks and pins are checked as they are chosen, district names are text."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.flows import CITYWIDE, citywide_meter, claim_neighbourhood, project_box, sign_in
from tests.browser.harness.axe import AxeAudit
from tests.browser.harness.browsing import Browsing
from tests.browser.harness.pixels import greenish, reddish, share_of
from tests.browser.harness.server import LiveServer
from tests.browser.test_accessibility import PUBLIC_PAGES

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}

# What sticks out past the right edge of the window, for the failure message.
OVERFLOW_JS = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    if (box.right > width + 1 && box.width > 0 && !el.closest('.leaflet-container')) {
      wide.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
        (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ')[0] : '') +
        ' right=' + Math.round(box.right));
    }
  }
  return {scroll: document.documentElement.scrollWidth, width: width, wide: wide.slice(0, 8)};
}"""


def narrow_page(browsing: Browsing, *, javascript: bool = True, axe: bool = False) -> Any:
    page = browsing.new_page(javascript=javascript, axe=axe)
    page.set_viewport_size(PHONE)
    return page


def assert_no_sideways_scroll(page: Page, label: str) -> None:
    page.wait_for_load_state("load")
    found = page.evaluate(OVERFLOW_JS)
    assert found["scroll"] <= found["width"], f"{label} ({page.url}) scrolls sideways: {found}"


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_no_public_page_scrolls_sideways_at_390px(
    browsing: Browsing, server: LiveServer, javascript: bool
) -> None:
    # Page script runs only in the evaluate below (bypassing CSP), never from the site.
    page = narrow_page(browsing, javascript=javascript, axe=True)
    for label, path, _locale in PUBLIC_PAGES:
        page.goto(path.format(**server.data))
        assert_no_sideways_scroll(page, label)


def test_no_signed_in_page_scrolls_sideways_at_390px(
    browsing: Browsing, server: LiveServer, axe: AxeAudit
) -> None:
    page = narrow_page(browsing, axe=True)
    page.goto(f"/processes/{server.data['process']}/ballot/")
    sign_in(page, server)
    assert_no_sideways_scroll(page, "ballot asking for the neighbourhood")
    claim_neighbourhood(page, "Mill Hill")
    assert_no_sideways_scroll(page, "ballot")
    for title in CITYWIDE:
        project_box(page, title).check()
    assert_no_sideways_scroll(page, "ballot over budget")
    page.locator("#ballot-submit").click()
    expect(page.get_by_role("alert")).to_be_visible()
    assert_no_sideways_scroll(page, "ballot with errors")
    project_box(page, CITYWIDE[-1]).uncheck()
    page.locator("#ballot-submit").click()
    expect(page.get_by_role("heading", name="Your ballot is counted")).to_be_visible()
    assert_no_sideways_scroll(page, "confirmation")
    page.goto(f"/processes/{server.data['process']}/propose/")
    expect(page.locator("#propose-map.leaflet-container")).to_be_visible()
    assert_no_sideways_scroll(page, "propose")
    page.goto(f"/proposals/{server.data['proposal']}/")
    assert_no_sideways_scroll(page, "idea, signed in")
    page.get_by_role("link", name="My activity").click()
    expect(page.get_by_role("heading", name="My activity", level=1)).to_be_visible()
    # One ballot (city-wide only): its receipt, counted.
    expect(page.locator("#my-receipts .receipt-code-small")).to_have_count(1)
    expect(page.locator("#my-receipts")).to_contain_text("Counted.")
    assert_no_sideways_scroll(page, "my activity")
    axe.check(page, "my activity at 390 px")
    page.goto("/sign-out/")
    assert_no_sideways_scroll(page, "sign-out")
    axe.assert_clean()


def test_results_why_column_is_readable_at_390px(browsing: Browsing, server: LiveServer) -> None:
    page = narrow_page(browsing)
    page.goto(f"/processes/{server.data['closed_process']}/results/")
    why = page.locator(".results-table td.why").first
    expect(why).to_be_visible()
    box = why.bounding_box()
    assert box is not None
    # Stacked: the reason gets (nearly) the whole width of the phone, not a sliver.
    assert box["width"] > 300, box
    assert box["x"] + box["width"] <= PHONE["width"]


def test_map_pages_without_javascript_show_the_list_alone(
    browsing: Browsing, server: LiveServer
) -> None:
    page = browsing.new_page(javascript=False)
    for path in (
        f"/processes/{server.data['process']}/map/",
        f"/processes/{server.data['process']}/",
        f"/projects/{server.data['project']}/",
    ):
        page.goto(path)
        # No grey box and no words about markers that are not there.
        expect(page.locator(".map").first).to_be_hidden()
        shown = page.locator("main").inner_text()  # what is rendered: hidden parts excluded
        assert "marker" not in shown.lower(), path
        assert "The map shows" not in shown, path
        assert "Map\n" not in shown, path
    page.goto(f"/processes/{server.data['process']}/map/")
    expect(page.locator("#map-list")).to_be_visible()
    page.goto(f"/projects/{server.data['project']}/")
    expect(page.locator("#project-location")).to_contain_text("Latitude")


def test_maps_with_javascript_fit_the_city_and_skip_polygons_when_tabbing(
    page: Page, server: LiveServer
) -> None:
    page.goto(f"/processes/{server.data['process']}/map/")
    the_map = page.locator("#main-map")
    expect(the_map.locator(".leaflet-marker-icon").first).to_be_visible()
    box = the_map.bounding_box()
    assert box is not None
    # The city fills the map: every district drawn lies within the map's box.
    paths = the_map.locator("path.leaflet-interactive")
    assert paths.count() >= 12
    for i in range(paths.count()):
        shape = paths.nth(i).bounding_box()
        assert shape is not None
        assert shape["x"] >= box["x"] - 2 and shape["y"] >= box["y"] - 2
        assert shape["x"] + shape["width"] <= box["x"] + box["width"] + 2
        assert shape["y"] + shape["height"] <= box["y"] + box["height"] + 2
        expect(paths.nth(i)).to_have_attribute("tabindex", "-1")
        expect(paths.nth(i)).to_have_attribute("aria-label", re.compile(r"\w"))


def test_district_tooltip_shows_an_html_name_as_text(page: Page, server: LiveServer) -> None:
    from budgets.models import Pot
    from core.models import Process
    from maps.models import Neighbourhood

    name = '<img src=x id="injected">Quay & "Wharf"'
    with server.db() as db:
        process = Process.objects.using(db).get(slug=server.data["process"])
        # South of the demo city's grid (lat 39.20 is its southern edge).
        ring = [
            [-99.50, 39.19],
            [-99.49, 39.19],
            [-99.49, 39.199],
            [-99.50, 39.199],
            [-99.50, 39.19],
        ]
        area = Neighbourhood.objects.using(db).create(
            name=name, slug="quay-wharf", boundary={"type": "Polygon", "coordinates": [ring]}
        )
        # A pot of its own, so a map that draws only the process's districts draws it too.
        pot = Pot.objects.using(db).create(process=process, neighbourhood=area, name=name, amount=0)
    try:
        page.goto(f"/processes/{server.data['process']}/map/")
        district = page.locator('#main-map path[aria-label="' + name.replace('"', '\\"') + '"]')
        expect(district).to_have_count(1)
        district.hover()
        tooltip = page.locator(".leaflet-tooltip.district-tooltip")
        expect(tooltip).to_have_text(name)
        expect(page.locator("#injected")).to_have_count(0)
        expect(tooltip.locator("img")).to_have_count(0)
    finally:
        with server.db() as db:
            Pot.objects.using(db).filter(pk=pot.pk).delete()
            Neighbourhood.objects.using(db).filter(pk=area.pk).delete()


def test_over_budget_meter_turns_red_and_says_so(browsing: Browsing, server: LiveServer) -> None:
    page = narrow_page(browsing)
    page.goto(f"/processes/{server.data['process']}/ballot/")
    sign_in(page, server)
    claim_neighbourhood(page, "Eastgate")
    meter = page.locator("fieldset.pot").filter(has_text="City-wide").locator("meter")
    project_box(page, CITYWIDE[0]).check()
    expect(meter).to_have_js_property("value", 60000)
    within = meter.screenshot()
    assert share_of(within, reddish) < 0.02, "a meter within the budget has red in it"
    # 60,000 of 500,000: the green part is an eighth of the bar.
    assert share_of(within, greenish) > 0.02, "a meter within the budget should be green"
    for title in CITYWIDE[1:]:
        project_box(page, title).check()
    expect(citywide_meter(page)).to_contain_text("over the limit of $500,000")
    expect(citywide_meter(page)).to_have_css("color", "rgb(176, 0, 32)")
    expect(meter).to_have_js_property("value", 560000)
    over = meter.screenshot()
    assert share_of(over, reddish) > 0.3, "the over-budget meter is not red"
    project_box(page, CITYWIDE[-1]).uncheck()
    expect(citywide_meter(page)).to_contain_text("$90,000 left")
    assert share_of(meter.screenshot(), reddish) < 0.02


def test_instructions_state_the_limits(page: Page, server: LiveServer) -> None:
    page.goto(f"/processes/{server.data['process']}/ballot/")
    sign_in(page, server)
    claim_neighbourhood(page, "Mill Hill")
    limits = page.locator("#ballot-limits")
    expect(limits).to_contain_text("City-wide: your choices may cost up to $500,000.")
    expect(limits).to_contain_text("Mill Hill: your choices may cost up to")


def test_a_signed_out_resident_is_told_why_and_returned(page: Page, server: LiveServer) -> None:
    ballot = f"/processes/{server.data['process']}/ballot/"
    page.goto(ballot)
    expect(page.locator("#sign-in-why")).to_have_text(
        "Sign in to vote. After signing in you go straight to your ballot."
    )
    sign_in(page, server)
    expect(page).to_have_url(re.compile(re.escape(ballot) + "$"))
    expect(page.get_by_role("heading", name="Your ballot", level=1)).to_be_visible()


def test_pin_names_the_neighbourhood_and_remove_is_disabled_without_a_pin(
    page: Page, server: LiveServer
) -> None:
    page.goto(f"/processes/{server.data['process']}/propose/")
    sign_in(page, server)
    remove = page.get_by_role("button", name="Remove the pin")
    expect(remove).to_be_disabled()
    page.get_by_role("button", name="Put the pin at the centre of the map").click()
    status = page.locator("#pin-status")
    expect(status).to_contain_text(re.compile(r"Pin placed in [A-Z][a-z]+"))
    expect(remove).to_be_enabled()
    remove.click()
    expect(status).to_have_text("No pin placed.")
    expect(remove).to_be_disabled()
    expect(page.get_by_role("button", name="Put the pin at the centre of the map")).to_be_focused()


def test_a_duplicate_rank_is_flagged_as_it_happens(page: Page, server: LiveServer) -> None:
    import datetime as dt
    from decimal import Decimal

    from django.utils import timezone

    from budgets.models import Pot, Project
    from core.models import BallotType, Phase, PhaseKind, Process

    now = timezone.now()
    with server.db() as db:
        process = Process.objects.using(db).create(
            title="Ranked test", slug="ranked-test", ballot_type=BallotType.RANKED
        )
        Phase.objects.using(db).create(
            process=process,
            kind=PhaseKind.VOTING,
            starts_at=now - dt.timedelta(days=1),
            ends_at=now + dt.timedelta(days=1),
        )
        pot = Pot.objects.using(db).create(process=process, name="City-wide", amount=100000)
        for code in (1, 2, 3):
            Project.objects.using(db).create(
                process=process, pot=pot, short_code=code, title=f"Option {code}", cost=Decimal(10)
            )
    try:
        page.goto(f"/processes/{process.slug}/ballot/")
        sign_in(page, server)
        meter = page.locator("fieldset.pot .meter-text")
        first, second, third = (page.get_by_label(re.compile(f"Option {n}")) for n in (1, 2, 3))
        first.select_option(label="Rank 1")
        second.select_option(label="Rank 1")
        expect(meter).to_contain_text("Rank 1 is given to more than one project (1, 2)")
        expect(first).to_have_attribute("aria-invalid", "true")
        expect(second).to_have_attribute("aria-invalid", "true")
        expect(third).not_to_have_attribute("aria-invalid", "true")
        second.select_option(label="Rank 2")
        expect(meter).to_have_text("You ranked 2 projects.")
        expect(first).not_to_have_attribute("aria-invalid", "true")
    finally:
        with server.db() as db:
            Project.objects.using(db).filter(process__slug="ranked-test").delete()
            Pot.objects.using(db).filter(process__slug="ranked-test").delete()
            Process.objects.using(db).filter(slug="ranked-test").delete()
