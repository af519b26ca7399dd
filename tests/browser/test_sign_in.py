"""Signing in with the code texted to the resident's phone (read from the SMS outbox)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.harness.server import LiveServer

pytestmark = pytest.mark.browser


def test_sign_in_with_the_code_from_the_sms_outbox(page: Page, server: LiveServer) -> None:
    page.goto("/")
    page.get_by_role("link", name="Sign in").click()
    expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()

    # A number we cannot text is refused in words, linked to the field.
    page.get_by_label("Mobile phone number").fill("12")
    page.get_by_role("button", name="Text me a code").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Enter a mobile number we can text")
    expect(page.get_by_label("Mobile phone number")).to_have_attribute("aria-invalid", "true")

    phone = server.new_phone()
    page.get_by_label("Mobile phone number").fill(phone)
    page.get_by_role("button", name="Text me a code").click()
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    # The page names the number only masked (+1415•••••01).
    digits = phone.replace(" ", "")
    expect(page.locator("main")).to_contain_text(digits[:5] + "•••••" + digits[-2:])
    expect(page.locator("main")).not_to_contain_text(digits[-4:])
    code = server.sms_code(phone)

    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    page.get_by_label("6-digit code").fill(wrong)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_label("6-digit code")).to_have_attribute("aria-invalid", "true")

    page.get_by_label("6-digit code").fill(code)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("status")).to_contain_text("You are signed in.")
    expect(page.get_by_role("heading", name="Current processes")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    from participation.identity import phone_hash, phone_normalise
    from participation.models import Resident

    with server.db() as db:
        resident = Resident.objects.using(db).get(phone_hash=phone_hash(phone_normalise(phone)))
    assert resident.first_channel == "web"
    assert resident.language == "en"
