"""Kiosk mode at a poll site, in a real browser: a poll worker opens a kiosk (and is
signed out of that browser); voter A types their voter code and casts; the kiosk returns
to the start with nothing of A left (no receipt on screen, nothing of A's ballot behind
Back, no resident or staff session in the cookies); voter B casts; each ballot is stored
once."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.flows import (
    AIR,
    CITYWIDE,
    FIBRE,
    SOLAR,
    WIFI,
    staff_sign_in,
    voter_codes_download,
)
from tests.browser.harness.axe import AxeAudit
from tests.browser.harness.browsing import Browsing
from tests.browser.harness.server import LiveServer

pytestmark = pytest.mark.browser


def kiosk_box(page: Page, title: str) -> Any:
    return page.get_by_role("checkbox", name=re.compile(re.escape(title)))


def session_data(server: LiveServer, page: Page) -> dict[str, Any]:
    """What the server keeps in the browser's session (read from its database)."""
    from django.contrib.sessions.models import Session

    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    with server.db() as alias:
        row = Session.objects.using(alias).filter(session_key=cookies["sessionid"]).first()
        assert row is not None, "the kiosk's session cookie names no session"
        return dict(row.get_decoded())


def vote_at_kiosk(page: Page, code: str, titles: list[str]) -> str:
    """One voter at the kiosk: their code, their choices, the ballot cast. Returns the
    receipt the thank-you screen shows."""
    # Found by id: the voter may have chosen another language.
    code_box = page.locator("#kiosk-code")
    expect(code_box).to_be_focused()
    expect(code_box).to_have_value("")
    page.keyboard.type(code)
    page.keyboard.press("Enter")
    expect(page.locator("#kiosk-cast")).to_be_visible()
    # Nothing is marked for a new voter: the last voter's choices are not there.
    expect(page.locator("#kiosk-ballot-form input:checked")).to_have_count(0)
    for title in titles:
        kiosk_box(page, title).check()
    page.locator("#kiosk-cast").click()
    expect(page.locator("#kiosk-thanks")).to_be_visible()
    receipt = page.locator("code.receipt").first.inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]{5}-[A-Z0-9]+", receipt), receipt
    return receipt


def assert_back_shows_nothing_of(page: Page, receipt: str) -> None:
    """Back, as far as the history goes: no page shows the last voter's receipt or
    their marked ballot."""
    for _step in range(4):
        page.go_back()
        page.wait_for_load_state("load")
        body = page.locator("body").inner_text()
        assert receipt not in body, f"the last voter's receipt is back at {page.url}"
        assert page.locator("input[type=checkbox]:checked").count() == 0, (
            f"the last voter's ballot is back at {page.url}"
        )
        assert "Cast my ballot" not in body, f"a ballot opens without a code at {page.url}"


def test_kiosk_signs_each_voter_out_and_keeps_nothing_between_voters(
    browsing: Browsing, server: LiveServer
) -> None:
    from budgets.models import Ballot, Pot
    from budgets.pseudonyms import ballot_pseudonym
    from demo.riverbend import POLL_PASSWORD, POLL_USERNAME
    from participation.identity import voter_code_hash
    from participation.models import Resident
    from staff.access import KIOSK_GRANT

    slug = server.data["process"]
    page = browsing.new_page()
    staff_sign_in(page, POLL_USERNAME, POLL_PASSWORD)
    code_a, code_b = voter_codes_download(page, slug, 2)

    # The poll worker opens the kiosk from the staff home: this browser is signed out.
    page.goto("/staff/")
    page.locator(f'a[href="/staff/processes/{slug}/kiosk/"]').click()
    expect(page.get_by_role("heading", name="Open a kiosk", level=1)).to_be_visible()
    page.get_by_role("button", name="Sign out and open the kiosk").click()
    expect(page).to_have_url(re.compile(r"/staff/kiosk/$"))
    assert set(session_data(server, page)) == {KIOSK_GRANT}
    staff = page.request.get("/staff/", max_redirects=0)
    assert staff.status == 302 and "/admin/login/" in staff.headers["location"]
    # A locked-down screen: no site navigation, no link out.
    expect(page.locator("nav")).to_have_count(0)
    expect(page.locator("main a")).to_have_count(0)

    csrf_before = {c["name"]: c["value"] for c in page.context.cookies()}.get("csrftoken")
    receipt_a = vote_at_kiosk(page, code_a, [SOLAR, WIFI])
    expect(page.get_by_role("heading", name="Thank you: your ballot is counted.")).to_be_visible()
    # A new CSRF secret too: no form from A's screen is accepted afterwards.
    assert {c["name"]: c["value"] for c in page.context.cookies()}["csrftoken"] != csrf_before
    # Signed out the moment the ballot counted: the session holds only the grant.
    assert set(session_data(server, page)) == {KIOSK_GRANT}
    page.get_by_role("link", name="Done").click()
    expect(page).to_have_url(re.compile(r"/staff/kiosk/$"))
    expect(page.get_by_label("Voter code")).to_have_value("")
    assert receipt_a not in page.locator("body").inner_text()
    # No resident session: the resident's own pages ask to sign in.
    activity = page.request.get("/me/activity/", max_redirects=0)
    assert activity.status == 302 and "/sign-in/" in activity.headers["location"]
    assert {c["name"] for c in page.context.cookies()} <= {"sessionid", "csrftoken"}

    assert_back_shows_nothing_of(page, receipt_a)
    page.goto("/staff/kiosk/")
    assert set(session_data(server, page)) == {KIOSK_GRANT}

    # Voter B reads Spanish: they choose it at the start, and the kiosk speaks it to
    # them only; the next voter starts in the kiosk's own language again.
    page.get_by_role("button", name="Español").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    receipt_b = vote_at_kiosk(page, code_b, [AIR])
    assert receipt_b != receipt_a
    expect(page.locator("html")).to_have_attribute("lang", "es")
    page.locator("#kiosk-next").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_label("Voter code")).to_be_focused()
    assert_back_shows_nothing_of(page, receipt_b)

    # Each voter's ballot is stored once, on paper, under the receipt they were shown.
    with server.db() as alias:
        citywide = Pot.objects.using(alias).get(process__slug=slug, neighbourhood=None)
        for code, receipt, picked in ((code_a, receipt_a, 2), (code_b, receipt_b, 1)):
            voter = Resident.objects.using(alias).get(voter_code_hash=voter_code_hash(code))
            ballots = list(
                Ballot.objects.using(alias).filter(
                    process__slug=slug,
                    voter=ballot_pseudonym(resident_id=voter.pk, pot_id=citywide.pk),
                )
            )
            assert len(ballots) == 1
            assert ballots[0].channel == "paper"
            assert ballots[0].receipt == receipt.replace("-", "")
            assert ballots[0].selections.count() == picked


def test_kiosk_screens_have_no_axe_violations(
    browsing: Browsing, server: LiveServer, axe: AxeAudit
) -> None:
    """The kiosk's screens (start, a refused code, the ballot, a refused ballot, the
    thank-you screen) for a voter who may use a screen reader or only a keyboard."""
    from demo.riverbend import POLL_PASSWORD, POLL_USERNAME

    slug = server.data["process"]
    page = browsing.new_page(axe=True)
    staff_sign_in(page, POLL_USERNAME, POLL_PASSWORD)
    (code,) = voter_codes_download(page, slug, 1)
    page.goto(f"/staff/processes/{slug}/kiosk/")
    axe.check(page, "open a kiosk")
    page.get_by_role("button", name="Sign out and open the kiosk").click()
    axe.check(page, "kiosk start")
    page.get_by_label("Voter code").fill("NOPE-NOPE-NOPE")
    page.get_by_role("button", name="Start").click()
    expect(page.get_by_role("alert")).to_contain_text("no voter code like that")
    axe.check(page, "kiosk start, unknown code")
    page.get_by_label("Voter code").fill(code)
    page.get_by_role("button", name="Start").click()
    axe.check(page, "kiosk ballot")
    for title in CITYWIDE:
        kiosk_box(page, title).check()
    page.get_by_role("button", name="Cast my ballot").click()
    expect(page.get_by_role("alert")).to_contain_text("over the limit")
    axe.check(page, "kiosk ballot, refused")
    kiosk_box(page, FIBRE).uncheck()
    kiosk_box(page, AIR).uncheck()
    # The thank-you screen's own clock: it goes back to the start for the next voter,
    # after a warning that leaves time to ask for more (no meta refresh: WCAG 2.2.1).
    page.clock.install()
    page.get_by_role("button", name="Cast my ballot").click()
    expect(page.get_by_role("heading", name="Thank you: your ballot is counted.")).to_be_visible()
    axe.check(page, "kiosk thank-you")
    warning = page.locator("#kiosk-timeout")
    expect(warning).to_be_hidden()
    page.clock.run_for(61_000)
    expect(warning).to_be_visible()
    expect(warning).to_have_attribute("role", "status")
    axe.check(page, "kiosk thank-you, time-out warning")
    page.get_by_role("button", name="I need more time").click()
    expect(warning).to_be_hidden()
    page.clock.run_for(50_000)
    expect(page.locator("code.receipt")).to_be_visible()
    page.clock.run_for(11_000)
    expect(warning).to_be_visible()
    page.clock.run_for(21_000)
    expect(page).to_have_url(re.compile(r"/staff/kiosk/$"))
    expect(page.get_by_label("Voter code")).to_be_visible()
    axe.assert_clean()
