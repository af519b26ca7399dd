"""axe-core on every resident page (WCAG 2.0, 2.1 and 2.2, levels A and AA): 0 violations.

axe is injected into a browser context that bypasses the site's CSP (only here: the
CSP rightly refuses foreign scripts). Public pages are checked one by one; the pages
behind sign-in (code entry, forms with their error states, the ballot, the
confirmation with its receipt) are checked along a resident's journey.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.flows import (
    CITYWIDE,
    FIBRE,
    SOLAR,
    WIFI,
    cast,
    claim_neighbourhood,
    project_box,
    receipt_code,
    sign_in,
)
from tests.browser.harness.axe import AxeAudit
from tests.browser.harness.browsing import Browsing
from tests.browser.harness.server import LiveServer

pytestmark = pytest.mark.browser

# (label, path template, Accept-Language). Filled from the seeded data.
PUBLIC_PAGES = [
    ("home", "/", "en-US"),
    ("home-spanish", "/", "es-ES"),
    ("neighbourhoods", "/neighbourhoods/", "en-US"),
    ("neighbourhood", "/neighbourhoods/{neighbourhood}/", "en-US"),
    ("process", "/processes/{process}/", "en-US"),
    ("process-closed", "/processes/{closed_process}/", "en-US"),
    ("map", "/processes/{process}/map/", "en-US"),
    (
        "map-list-filtered",
        "/processes/{process}/map/?neighbourhood={neighbourhood}&kind=project",
        "en-US",
    ),
    ("map-list-empty", "/processes/{process}/map/?status=cancelled", "en-US"),
    ("map-bad-filter", "/processes/{process}/map/?status=nonsense", "en-US"),
    ("proposal", "/proposals/{proposal}/", "en-US"),
    ("project", "/projects/{project}/", "en-US"),
    ("project-funded", "/projects/{closed_project}/", "en-US"),
    ("sign-in", "/sign-in/", "en-US"),
    ("sign-in-voter-code", "/sign-in/voter-code/", "en-US"),
    ("receipt-check", "/receipt/", "en-US"),
    ("receipt-unknown", "/receipt/?code=ABCDE-FGHJK", "en-US"),
    ("results", "/processes/{closed_process}/results/", "en-US"),
    ("results-pending", "/processes/{process}/results/", "en-US"),
    ("results-fairness", "/processes/{closed_process}/results/fairness/", "en-US"),
    ("results-fairness-french", "/processes/{closed_process}/results/fairness/", "fr-FR"),
    ("pilots", "/pilots/", "en-US"),
    ("pilot", "/pilots/solar-bus-shelters/", "es-ES"),
    ("delivery", "/processes/{closed_process}/delivery/", "en-US"),
    ("delivery-pending", "/processes/{process}/delivery/", "en-US"),
    ("budget-split", "/processes/{process}/budget/", "en-US"),
    ("not-found", "/no-such-page/", "en-US"),
]


@pytest.mark.parametrize(
    ("label", "path", "locale"), PUBLIC_PAGES, ids=[p[0] for p in PUBLIC_PAGES]
)
def test_public_page_has_no_axe_violations(
    browsing: Browsing, server: LiveServer, axe: AxeAudit, label: str, path: str, locale: str
) -> None:
    page = browsing.new_page(axe=True, locale=locale)
    response = page.goto(path.format(**server.data))
    assert response is not None
    assert response.status in (200, 400, 404), response.status
    if page.locator(".leaflet-container").count():
        expect(page.locator(".leaflet-container").first).to_be_visible()
    axe.check(page, label)
    axe.assert_clean()


def _open_reply(page: Page) -> Any:
    details = page.locator("details.reply").first
    details.locator("summary").click()
    expect(details.get_by_label("Your reply")).to_be_visible()
    return details


def test_sign_in_and_idea_pages_have_no_axe_violations(
    browsing: Browsing, server: LiveServer, axe: AxeAudit
) -> None:
    page = browsing.new_page(axe=True)
    page.goto(f"/proposals/{server.data['proposal']}/")
    page.get_by_role("link", name="Sign in to comment").click()
    # The error states of sign-in, then a real sign-in.
    page.get_by_label("Mobile phone number").fill("12")
    page.get_by_role("button", name="Text me a code").click()
    expect(page.get_by_role("alert")).to_be_visible()
    axe.check(page, "sign-in with an error")
    phone = server.new_phone()
    page.get_by_label("Mobile phone number").fill(phone)
    page.get_by_role("button", name="Text me a code").click()
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    axe.check(page, "code entry")
    code = server.sms_code(phone)
    page.get_by_label("6-digit code").fill(f"{(int(code) + 1) % 1_000_000:06d}")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_be_visible()
    axe.check(page, "code entry with an error")
    page.get_by_label("6-digit code").fill(code)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    # A published idea, signed in: comment form and reply forms.
    expect(page.get_by_role("heading", name=server.data["proposal_title"])).to_be_visible()
    axe.check(page, "idea, signed in")
    _open_reply(page)
    axe.check(page, "idea with a reply form open")
    # Blank (spaces pass the browser's own `required` check): the server's error.
    page.get_by_label("Your comment").fill("   ")
    page.get_by_role("button", name="Post comment").click()
    expect(page.get_by_role("alert")).to_be_visible()
    axe.check(page, "idea with a comment error")
    page.get_by_label("Your comment").fill("Yes, near the playground.")
    page.get_by_role("button", name="Post comment").click()
    expect(page.get_by_role("status")).to_be_visible()
    axe.check(page, "idea after commenting")

    # Proposing: the form, its error state, the submitted idea.
    page.goto(f"/processes/{server.data['process']}/propose/")
    expect(page.locator("#propose-map.leaflet-container")).to_be_visible()
    axe.check(page, "propose form")
    page.get_by_role("button", name="Send my idea").click()
    expect(page.get_by_role("alert")).to_be_visible()
    axe.check(page, "propose form with errors")
    page.get_by_label("Title").fill("Shade sails in the market square")
    page.get_by_role("button", name="Put the pin at the centre of the map").click()
    expect(page.locator("#pin-status")).to_contain_text("Pin placed")
    axe.check(page, "propose form with a pin")
    page.get_by_role("button", name="Send my idea").click()
    expect(page.get_by_role("heading", name="Shade sails in the market square")).to_be_visible()
    axe.check(page, "submitted idea (author's view)")

    page.goto("/sign-out/")
    axe.check(page, "sign-out confirmation")
    axe.assert_clean()


def test_ballot_and_receipt_pages_have_no_axe_violations(
    browsing: Browsing, server: LiveServer, axe: AxeAudit
) -> None:
    page = browsing.new_page(axe=True)
    page.goto(f"/processes/{server.data['process']}/ballot/")
    sign_in(page, server)
    expect(page.get_by_role("heading", name="Your ballot", level=1)).to_be_visible()
    axe.check(page, "ballot asking for the neighbourhood")
    page.goto("/me/neighbourhood/?next=/")
    axe.check(page, "neighbourhood page")
    page.goto(f"/processes/{server.data['process']}/ballot/")
    claim_neighbourhood(page, "Northfield")
    axe.check(page, "ballot")
    for title in CITYWIDE:
        project_box(page, title).check()
    axe.check(page, "ballot over budget (meter)")
    page.locator("#ballot-submit").click()
    expect(page.get_by_role("alert")).to_be_visible()
    axe.check(page, "ballot with the over-budget error")
    project_box(page, FIBRE).uncheck()
    cast(page)
    axe.check(page, "confirmation with receipt")
    first = receipt_code(page)
    page.get_by_role("link", name="Check this receipt").first.click()
    expect(page.locator("#receipt-result")).to_contain_text("Counted.")
    axe.check(page, "receipt counted")

    page.goto(f"/processes/{server.data['process']}/ballot/")
    expect(page.get_by_text("You have already voted.")).to_be_visible()
    axe.check(page, "ballot, voted before")
    project_box(page, SOLAR).check()
    project_box(page, WIFI).check()
    page.get_by_role("button", name="Replace my ballot").click()
    expect(page.get_by_role("heading", name="Your ballot is counted")).to_be_visible()
    axe.check(page, "confirmation of a replacing ballot")
    page.goto(f"/receipt/{first}")
    expect(page.locator("#receipt-result")).to_contain_text("Replaced by a later ballot.")
    axe.check(page, "receipt replaced")
    axe.assert_clean()


def test_the_audit_finds_a_known_violation(browsing: Browsing, axe: AxeAudit) -> None:
    """The harness itself: axe is really injected and really reports (an image with no
    text alternative must fail), so 0 violations elsewhere means something."""
    page = browsing.new_page(axe=True)
    page.set_content(
        '<!doctype html><html lang="en"><head><title>Harness</title></head>'
        '<body><main><h1>Harness</h1><img src="data:,"></main></body></html>'
    )
    violations = axe.check(page, "harness")
    assert [v["id"] for v in violations] == ["image-alt"], axe.report()
