"""Voting as a new resident: the budget meter, the over-budget error in words, the
receipt and its check, re-voting, and the whole flow with JavaScript off."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.flows import (
    AIR,
    CITYWIDE,
    FIBRE,
    OVER_IN_WORDS,
    SOLAR,
    WIFI,
    cast,
    check_receipt,
    citywide_meter,
    open_ballot,
    project_box,
    receipt_code,
    sign_in,
)
from tests.browser.harness.browsing import Browsing
from tests.browser.harness.server import LiveServer

pytestmark = pytest.mark.browser


def test_vote_within_budget_and_the_meter_follows(page: Page, server: LiveServer) -> None:
    open_ballot(page, server)
    meter = citywide_meter(page)
    expect(meter).to_have_text("You chose $0 of $500,000. $500,000 left.")

    project_box(page, SOLAR).check()
    expect(meter).to_have_text("You chose $60,000 of $500,000. $440,000 left.")
    project_box(page, WIFI).check()
    expect(meter).to_have_text("You chose $105,000 of $500,000. $395,000 left.")
    expect(
        page.locator("fieldset.pot").filter(has_text="City-wide").locator("meter")
    ).to_have_js_property("value", 105000)
    project_box(page, WIFI).uncheck()
    expect(meter).to_have_text("You chose $60,000 of $500,000. $440,000 left.")
    project_box(page, AIR).check()
    expect(meter).not_to_have_class(re.compile(r"\bover\b"))

    cast(page)
    receipt = page.locator("section.receipt").filter(has_text="City-wide")
    expect(receipt).to_contain_text(f"No. 1: {SOLAR}")
    expect(receipt).to_contain_text(f"No. 3: {AIR}")
    expect(receipt).to_contain_text("Total cost $98,000; $402,000 of this budget left")
    assert re.fullmatch(r"[A-Z0-9]+(-[A-Z0-9]+)+", receipt_code(page)), receipt_code(page)


def test_over_budget_is_explained_in_words(page: Page, server: LiveServer) -> None:
    open_ballot(page, server)
    meter = citywide_meter(page)
    for title in CITYWIDE:
        project_box(page, title).check()
    expect(meter).to_have_text(
        "Your choices cost $560,000: $60,000 over the limit of $500,000. Remove a project to fit."
    )
    expect(meter).to_have_class(re.compile(r"\bover\b"))

    page.locator("#ballot-submit").click()
    summary = page.get_by_role("alert")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("heading")).to_have_text("There is a problem")
    error = summary.get_by_role("link", name=OVER_IN_WORDS)
    expect(error).to_be_visible()
    # The summary takes the focus and links to the fund that is over its budget.
    expect(page.locator("#error-summary")).to_be_focused()
    target = (error.get_attribute("href") or "").lstrip("#")
    expect(page.locator(f"[id='{target}']")).to_contain_text("City-wide")
    # Nothing was counted, and the choices are kept for the resident to fix.
    for title in CITYWIDE:
        expect(project_box(page, title)).to_be_checked()
    expect(page.get_by_role("heading", name="Your ballot is counted")).to_have_count(0)

    project_box(page, FIBRE).uncheck()
    expect(meter).to_have_text("You chose $410,000 of $500,000. $90,000 left.")
    cast(page)


def test_receipt_says_counted(page: Page, server: LiveServer) -> None:
    open_ballot(page, server)
    project_box(page, AIR).check()
    cast(page)
    code = receipt_code(page)

    page.get_by_role("link", name="Check this receipt").first.click()
    expect(page.locator("#receipt-result")).to_contain_text("Counted.")
    answer = check_receipt(page, code)
    assert "Counted." in answer
    assert code in answer
    # A receipt never shows what was chosen.
    assert AIR not in page.content()


def test_vote_again_and_the_old_receipt_says_replaced(page: Page, server: LiveServer) -> None:
    open_ballot(page, server)
    project_box(page, SOLAR).check()
    cast(page)
    first = receipt_code(page)

    page.get_by_role("link", name="Back to the process").click()
    page.get_by_role("link", name="Vote", exact=True).click()
    expect(page.get_by_text("You have already voted.")).to_be_visible()
    project_box(page, WIFI).check()
    page.get_by_role("button", name="Replace my ballot").click()
    expect(page.get_by_role("heading", name="Your ballot is counted")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("It replaces your earlier ballot")
    second = receipt_code(page)
    assert second != first

    assert "Replaced by a later ballot." in check_receipt(page, first)
    assert "Counted." in check_receipt(page, second)


def test_vote_without_javascript(browsing: Browsing, server: LiveServer) -> None:
    page = browsing.new_page(javascript=False)
    page.goto(f"/processes/{server.data['process']}/")
    page.get_by_role("link", name="Vote", exact=True).click()
    sign_in(page, server)
    page.get_by_label("Your neighbourhood").select_option(label="Eastgate")
    page.get_by_role("button", name="Save my neighbourhood").click()
    expect(page.get_by_role("heading", name="Your ballot", level=1)).to_be_visible()

    for title in CITYWIDE:
        project_box(page, title).check()
    page.get_by_role("button", name="Cast my ballot").click()
    # The server says it, in the summary and in the fund's own meter text.
    expect(page.get_by_role("alert").get_by_role("link", name=OVER_IN_WORDS)).to_be_visible()
    expect(citywide_meter(page)).to_have_text("Over the budget. You chose $560,000 of $500,000.")

    project_box(page, FIBRE).uncheck()
    project_box(page, "Bike-share stations in underserved districts").uncheck()
    page.get_by_role("button", name="Cast my ballot").click()
    expect(page.get_by_role("heading", name="Your ballot is counted")).to_be_visible()
    expect(page.locator("section.receipt").filter(has_text="City-wide")).to_contain_text(
        "Total cost $320,000; $180,000 of this budget left unspent."
    )
    code = receipt_code(page)
    page.get_by_role("link", name="Check this receipt").first.click()
    expect(page.locator("#receipt-result")).to_contain_text("Counted.")
    assert "Counted." in check_receipt(page, code)
