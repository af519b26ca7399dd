"""Keyboard only: a new resident signs in, proposes an idea and votes with Tab, Space,
Enter, arrow keys and typing; never the mouse."""

from __future__ import annotations

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.flows import SOLAR, WIFI
from tests.browser.harness.server import LiveServer

pytestmark = pytest.mark.browser

MAX_TABS = 120


def tab_to(page: Page, target: Locator) -> None:
    """Press Tab until ``target`` has the focus, and check the focus can be seen."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            indicator = target.evaluate(
                "el => { const s = getComputedStyle(el);"
                " return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0"
                " || s.boxShadow !== 'none'; }"
            )
            assert indicator, f"{target} has the focus but no visible focus indicator"
            return
    raise AssertionError(f"{MAX_TABS} presses of Tab never reached {target}")


def test_keyboard_only_propose_and_vote(page: Page, server: LiveServer) -> None:
    page.goto(f"/processes/{server.data['process']}/")

    # Propose: the link, then sign-in on the way.
    tab_to(page, page.get_by_role("link", name="Propose an idea"))
    page.keyboard.press("Enter")
    phone = server.new_phone()
    tab_to(page, page.get_by_label("Mobile phone number"))
    page.keyboard.type(phone)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    tab_to(page, page.get_by_label("6-digit code"))
    page.keyboard.type(server.sms_code(phone))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Propose an idea", level=1)).to_be_visible()

    tab_to(page, page.get_by_label("Title"))
    page.keyboard.type("Benches along the river path")
    tab_to(page, page.get_by_label("Describe your idea"))
    page.keyboard.type("Somewhere to rest halfway.")
    # The pin without a mouse: the button puts it at the centre of the map.
    tab_to(page, page.get_by_role("button", name="Put the pin at the centre of the map"))
    page.keyboard.press("Space")
    expect(page.locator("#pin-status")).to_contain_text("Pin placed at latitude")
    tab_to(page, page.get_by_role("button", name="Send my idea"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Benches along the river path")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Your idea is saved")

    # Vote: back to the process, the ballot, the neighbourhood, two projects.
    tab_to(page, page.locator(".breadcrumb").get_by_role("link"))
    page.keyboard.press("Enter")
    tab_to(page, page.get_by_role("link", name="Vote", exact=True))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Your ballot", level=1)).to_be_visible()
    where = page.get_by_label("Your neighbourhood")
    tab_to(page, where)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(where).not_to_have_value("")
    tab_to(page, page.get_by_role("button", name="Save my neighbourhood"))
    page.keyboard.press("Enter")
    expect(page.locator("#claim-form")).to_have_count(0)

    solar = page.get_by_role("checkbox", name=SOLAR)
    tab_to(page, solar)
    page.keyboard.press("Space")
    expect(solar).to_be_checked()
    wifi = page.get_by_role("checkbox", name=WIFI)
    tab_to(page, wifi)
    page.keyboard.press("Space")
    expect(wifi).to_be_checked()
    expect(
        page.locator("fieldset.pot").filter(has_text="City-wide").locator(".meter-text")
    ).to_have_text("You chose $105,000 of $500,000. $395,000 left.")
    tab_to(page, page.get_by_role("button", name="Cast my ballot"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Your ballot is counted")).to_be_visible()
    expect(page.locator("#receipt-code-1")).not_to_be_empty()
