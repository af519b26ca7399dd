"""The poll-worker screen, keyboard first: a poll supervisor issues codes (the CSV
downloads once), then types each code and the project numbers; the running total shows
each budget against its cap as they type, Enter enters the ballot, and an over-budget
ballot is refused with the web's message."""

from __future__ import annotations

import csv
import io

import pytest
from playwright.sync_api import expect

from tests.browser.flows import staff_sign_in
from tests.browser.harness.browsing import Browsing
from tests.browser.harness.server import LiveServer

pytestmark = pytest.mark.browser


def test_poll_worker_screen_keyboard_first_with_running_total(
    browsing: Browsing, server: LiveServer
) -> None:
    from demo.riverbend import POLL_PASSWORD, POLL_USERNAME

    page = browsing.new_page()
    staff_sign_in(page, POLL_USERNAME, POLL_PASSWORD)
    slug = server.data["process"]

    # The staff home lists every process (the seed's closed one too): take this one's.
    page.locator(f'a[href="/staff/processes/{slug}/voter-codes/"]').click()
    page.get_by_label("How many codes").fill("2")
    with page.expect_download() as download:
        page.get_by_role("button", name="Issue and download the CSV").click()
    with open(download.value.path(), encoding="utf-8") as stream:
        rows = list(csv.reader(io.StringIO(stream.read())))
    assert rows[0] == ["voter_code"]
    first, second = rows[1][0], rows[2][0]

    page.goto(f"/staff/processes/{slug}/paper/")
    code_box = page.get_by_label("Voter code")
    expect(code_box).to_be_focused()  # ready to type at once
    page.keyboard.type(first)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Project numbers")).to_be_focused()
    page.keyboard.type("1 2")
    total = page.locator("#running-total")
    expect(total).to_contain_text("City-wide: 2 projects, $105,000 of $500,000")
    page.keyboard.press("Enter")
    expect(page.locator("#entered")).to_contain_text("Entered.")
    expect(code_box).to_be_focused()
    expect(code_box).to_have_value("")

    page.keyboard.type(second)
    page.keyboard.press("Tab")
    page.keyboard.type("1 2 3 4 5 6 7 8 21")
    expect(total).to_contain_text("$560,000 of $500,000")
    expect(total).to_contain_text("over the budget")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("over the limit")
    expect(page.get_by_label("Project numbers")).to_have_value("1 2 3 4 5 6 7 8 21")

    # The same code again is refused with the time of the first entry.
    page.get_by_label("Voter code").fill(first)
    page.get_by_label("Project numbers").fill("3")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("Already entered on paper at")


def test_the_screen_works_without_javascript(browsing: Browsing, server: LiveServer) -> None:
    from demo.riverbend import POLL_PASSWORD, POLL_USERNAME

    page = browsing.new_page(javascript=False)
    staff_sign_in(page, POLL_USERNAME, POLL_PASSWORD)
    page.goto(f"/staff/processes/{server.data['process']}/paper/")
    page.get_by_label("Project numbers").fill("1 21")
    page.get_by_role("button", name="Check totals only").click()
    expect(page.locator("#running-total")).to_contain_text("2 projects, $210,000 of $500,000")
