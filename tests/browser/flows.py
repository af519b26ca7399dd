"""Steps a resident takes, shared by the browser tests. They use what a resident sees
(labels, button names, headings) wherever the page gives one."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from playwright.sync_api import Page, expect

if TYPE_CHECKING:
    from tests.browser.harness.axe import AxeAudit
    from tests.browser.harness.server import LiveServer

# The demo's city-wide projects (demo/riverbend.py) plus the one seed.py adds:
# $560,000 in all against a $500,000 city-wide budget.
SOLAR = "Solar bus shelters with live arrival screens"  # 60,000
WIFI = "Free public Wi-Fi in all libraries"  # 45,000
AIR = "Air-quality sensors near every school"  # 38,000
FIBRE = "Fibre backbone along the river"  # 150,000
CITYWIDE = [
    SOLAR,
    WIFI,
    AIR,
    "Accessible crossing signals (audio + tactile)",
    "Bike-share stations in underserved districts",
    "Open data portal for city budgets",
    "Flood early-warning sensors on the river",
    "Multilingual 311 by SMS",
    FIBRE,
]
OVER_IN_WORDS = (
    "Your choices cost $560,000, which is $60,000 over the limit of $500,000. "
    "Remove a project to fit."
)


def sign_in(
    page: Page,
    server: LiveServer,
    *,
    phone: str | None = None,
    axe: AxeAudit | None = None,
) -> str:
    """Sign in from the page the browser is on (or is redirected to): the phone number,
    then the code read from the SMS outbox. Returns the number used. Works in any
    language and without JavaScript (fields are found by their ids)."""
    phone = phone or server.new_phone()
    if "/sign-in/" not in page.url:
        page.locator("#sign-in-link").click()
    expect(page.locator("#sign-in-form")).to_be_visible()
    if axe is not None:
        axe.check(page, "sign-in")
    page.locator("#phone").fill(phone)
    page.locator("#sign-in-submit").click()
    expect(page.locator("#code-form")).to_be_visible()
    if axe is not None:
        axe.check(page, "sign-in code entry")
    page.locator("#code").fill(server.sms_code(phone))
    page.locator("#code-submit").click()
    expect(page.locator("#sign-out-button")).to_be_visible()
    return phone


def claim_neighbourhood(page: Page, name: str) -> None:
    """The ballot asks a new resident where they live (it decides their local pot)."""
    claim = page.locator("#claim-form")
    expect(claim).to_be_visible()
    claim.get_by_label("Your neighbourhood").select_option(label=name)
    claim.get_by_role("button", name="Save my neighbourhood").click()
    expect(page.locator("#claim-form")).to_have_count(0)


def open_ballot(page: Page, server: LiveServer, *, neighbourhood: str = "Mill Hill") -> str:
    """From the process page to a ballot, signing in a new resident on the way.
    Returns the phone number."""
    page.goto(f"/processes/{server.data['process']}/")
    page.get_by_role("link", name="Vote", exact=True).click()
    phone = sign_in(page, server)
    expect(page.get_by_role("heading", name="Your ballot", level=1)).to_be_visible()
    claim_neighbourhood(page, neighbourhood)
    return phone


def project_box(page: Page, title: str) -> object:
    return page.get_by_role("checkbox", name=re.compile(re.escape(title)))


def citywide_meter(page: Page) -> object:
    return page.locator("fieldset.pot").filter(has_text="City-wide").locator(".meter-text")


def cast(page: Page) -> None:
    page.locator("#ballot-submit").click()
    expect(page.get_by_role("heading", name="Your ballot is counted")).to_be_visible()


def receipt_code(page: Page, index: int = 1) -> str:
    code = page.locator(f"#receipt-code-{index}").inner_text().strip()
    assert code, "no receipt code on the confirmation page"
    return code


def check_receipt(page: Page, code: str) -> str:
    """Type the receipt code into the public checker, as a resident would; returns the
    answer's text."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Check a receipt").click()
    page.get_by_label("Receipt code").fill(code)
    page.get_by_role("button", name="Check", exact=True).click()
    result = page.locator("#receipt-result")
    expect(result).to_be_visible()
    return result.inner_text()


def staff_sign_in(page: Page, username: str, password: str) -> None:
    """A staff member signs in on the admin login and lands on the staff home."""
    page.goto("/admin/login/?next=/staff/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Staff", level=1)).to_be_visible()


def voter_codes_download(page: Page, slug: str, count: int) -> list[str]:
    """From the staff home, issue ``count`` voter codes for process ``slug`` and read
    them from the CSV the browser downloads (shown once, never again)."""
    import csv
    import io

    page.goto("/staff/")
    # The staff home lists every process: take this one's link.
    page.locator(f'a[href="/staff/processes/{slug}/voter-codes/"]').click()
    page.get_by_label("How many codes").fill(str(count))
    with page.expect_download() as download:
        page.get_by_role("button", name="Issue and download the CSV").click()
    with open(download.value.path(), encoding="utf-8") as stream:
        rows = list(csv.reader(io.StringIO(stream.read())))
    assert rows[0] == ["voter_code"]
    codes = [row[0] for row in rows[1:]]
    assert len(codes) == count
    return codes
