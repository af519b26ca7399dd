"""Switching the site to Spanish; a signed-in resident's choice is stored and follows
them to another device and to their text messages."""

from __future__ import annotations

from functools import cache

import polib
import pytest
from playwright.sync_api import Page, expect

from sms.segments import sms_text
from tests.browser.flows import sign_in
from tests.browser.harness.browsing import Browsing
from tests.browser.harness.paths import REPO_ROOT
from tests.browser.harness.server import LiveServer

pytestmark = pytest.mark.browser


@cache
def _catalogue(app: str) -> polib.POFile:
    return polib.pofile(str(REPO_ROOT / app / "locale" / "es" / "LC_MESSAGES" / "django.po"))


def spanish(msgid: str, app: str = "frontend") -> str:
    """The Spanish of ``msgid`` in the project's catalogue: the page must show it."""
    entry = _catalogue(app).find(msgid)
    assert entry is not None, f"{msgid!r} is not in {app}/locale/es (run makemessages)"
    assert entry.msgstr and "fuzzy" not in entry.flags, (
        f"{msgid!r} has no Spanish translation in {app}/locale/es"
    )
    return str(entry.msgstr)


def switch_language(page: Page, label: str, button: str = "Change language") -> None:
    form = page.locator("#language-form")
    form.locator("select").select_option(label=label)
    form.get_by_role("button", name=button).click()


def test_switch_to_spanish(browsing: Browsing, page: Page, server: LiveServer) -> None:
    page.goto(f"/processes/{server.data['process']}/")
    phone = sign_in(page, server)
    page.goto(f"/processes/{server.data['process']}/")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    switch_language(page, "Español")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    # Back on the same page, now in Spanish.
    expect(page).to_have_url(f"{server.url}/processes/{server.data['process']}/")
    nav = page.get_by_role("navigation", name=spanish("Main"))
    expect(nav.get_by_role("link", name=spanish("Processes"))).to_be_visible()
    expect(nav.get_by_role("link", name=spanish("Neighbourhoods"))).to_be_visible()
    expect(page.get_by_role("heading", name=spanish("Projects on the ballot"))).to_be_visible()
    expect(page.get_by_role("link", name=spanish("Vote"), exact=True)).to_be_visible()
    expect(page.locator("#language-form select")).to_have_value("es")
    page.get_by_role("link", name=spanish("Processes")).click()
    expect(page.get_by_role("heading", name=spanish("Current processes"))).to_be_visible()

    # The signed-in resident's language is stored ...
    from participation.identity import phone_hash, phone_normalise
    from participation.models import Resident

    with server.db() as db:
        stored = Resident.objects.using(db).get(phone_hash=phone_hash(phone_normalise(phone)))
    assert stored.language == "es"

    # ... so another device turns Spanish on sign-in, and the texts come in Spanish.
    other = browsing.new_page()
    other.goto("/")
    expect(other.locator("html")).to_have_attribute("lang", "en")
    sign_in(other, server, phone=phone)
    expect(other.locator("html")).to_have_attribute("lang", "es")
    expect(other.get_by_role("heading", name=spanish("Current processes"))).to_be_visible()
    text = spanish(
        "Your Just City sign-in code is %(code)s. It expires in 10 minutes. "
        "Never share it: we will not ask you for it.",
        app="participation",
    )
    # As sent: accents folded to GSM-7 look-alikes where that saves segments.
    assert server.sign_in_text(phone).startswith(sms_text(text.split("%(code)s")[0]))
