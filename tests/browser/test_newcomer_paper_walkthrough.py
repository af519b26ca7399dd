"""Issue 10's "Done when", walked as a newcomer walks it from ``make run``: the demo
city exactly as ``manage.py load_demo`` leaves it (a server of its own, without the
suite's seed), the demo logins ``manage.py demo_logins`` prints, and only what the
pages show. axe-core checks every page on the way.

1. the poll supervisor issues voter codes;
2. prints a letter for them;
3. the poll worker enters paper ballots at the poll-worker screen;
4. the admin closes voting and publishes (close, count, review, publish);
5. the paper ballots are in the results and in the participation counts by channel
   (the API and the process page);
6. a resident follows a funded project on the web and receives the delivery update
   the communications officer publishes, in their language.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.flows import sign_in, staff_sign_in, voter_codes_download
from tests.browser.harness.axe import AxeAudit
from tests.browser.harness.browsing import Browsing
from tests.browser.harness.server import LiveServer, live_server

pytestmark = pytest.mark.browser

# Three ballots as marked on paper (project numbers): the demo's city-wide projects
# are 1-8 and 21; one more ballot is over the budget and is refused.
PAPER_BALLOTS = ["1 2", "2 3", "1 3 6"]
OVER_BUDGET = "1 2 3 4 5 6 7 8 21"


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, django_db_blocker: Any
) -> Iterator[LiveServer]:
    """This module's own site: what ``make run`` serves (this walk-through closes the
    demo's vote, which the other browser tests keep open)."""
    with live_server(
        tmp_path_factory, django_db_blocker.unblock, name="newcomer", demo_only=True
    ) as running:
        yield running


def demo_login(role_username: str) -> tuple[str, str]:
    """A login as ``manage.py demo_logins`` prints it."""
    from demo.riverbend import DEMO_STAFF, demo_password

    assert role_username in {name for name, _role in DEMO_STAFF}
    return role_username, demo_password(role_username)


def participation(page: Page, slug: str) -> dict[str, Any]:
    answer = page.request.get(f"/api/processes/{slug}/participation/")
    assert answer.status == 200, answer.text()
    body: dict[str, Any] = answer.json()
    return body


def process_section(page: Page, slug: str) -> Any:
    return page.locator("section.staff-process").filter(
        has=page.locator(f'a[href^="/staff/processes/{slug}/"]')
    )


def test_newcomer_issues_prints_enters_publishes_and_follows(
    browsing: Browsing, server: LiveServer, axe: AxeAudit
) -> None:
    slug = server.data["process"]

    # --- 1. issue codes (the poll supervisor) --------------------------------------------
    supervisor = browsing.new_page(axe=True)
    staff_sign_in(supervisor, *demo_login("demo-poll-supervisor"))
    axe.check(supervisor, "staff home (poll supervisor)")
    before = participation(supervisor, slug)
    codes = voter_codes_download(supervisor, slug, len(PAPER_BALLOTS) + 1)
    axe.check(supervisor, "voter codes")

    # --- 2. print a letter ---------------------------------------------------------------
    supervisor.goto("/staff/")
    process_section(supervisor, slug).get_by_role("link", name="Voter codes and letters").click()
    csv_path = server.daphne.log_path.parent / "newcomer-codes.csv"
    csv_path.write_text("voter_code\n" + "\n".join(codes) + "\n", encoding="utf-8")
    supervisor.get_by_label("The CSV of codes (voter_code header)").set_input_files(str(csv_path))
    supervisor.locator("#print-form").get_by_label("Language").select_option("en")
    supervisor.get_by_label("Layout").select_option("letters")
    supervisor.get_by_role("button", name="Open the letters to print").click()
    letter = supervisor.locator("body")
    for code in codes:
        expect(letter).to_contain_text(code)
    expect(letter).to_contain_text("paper")
    axe.check(supervisor, "voter letters")
    csv_path.unlink()

    # --- 3. enter paper ballots at the poll-worker screen (the poll worker) -------------
    worker = browsing.new_page(axe=True)
    staff_sign_in(worker, *demo_login("demo-poll-worker"))
    process_section(worker, slug).get_by_role("link", name="Enter paper ballots").click()
    expect(worker.get_by_role("heading", name="Enter paper ballots", level=1)).to_be_visible()
    axe.check(worker, "paper entry")
    code_box = worker.get_by_label("Voter code")
    numbers = worker.get_by_label("Project numbers")
    for code, marked in zip(codes, PAPER_BALLOTS, strict=False):
        expect(code_box).to_be_focused()
        worker.keyboard.type(code)
        worker.keyboard.press("Tab")
        worker.keyboard.type(marked)
        worker.keyboard.press("Enter")
        expect(worker.locator("#entered")).to_contain_text("Entered.")
    worker.keyboard.type(codes[-1])
    worker.keyboard.press("Tab")
    worker.keyboard.type(OVER_BUDGET)
    worker.keyboard.press("Enter")
    expect(worker.get_by_role("alert")).to_contain_text("over the limit")
    expect(numbers).to_have_value(OVER_BUDGET)
    axe.check(worker, "paper entry, refused")

    # --- 4. close and publish (the admin) --------------------------------------------------
    admin = browsing.new_page(axe=True)
    staff_sign_in(admin, *demo_login("demo-admin"))
    process_section(admin, slug).get_by_role(
        "link", name="Close voting and publish results"
    ).click()
    axe.check(admin, "results walk-through, voting open")
    admin.get_by_role("button", name="Close voting now").click()
    expect(admin.locator("#step-close")).to_contain_text("Voting closed at")
    admin.get_by_role("button", name="Count", exact=True).click()
    review = admin.locator("#step-review")
    expect(review.locator("table.review-table").first).to_be_visible()
    expect(review).to_contain_text("Equal Shares")
    axe.check(admin, "results walk-through, review")
    admin.get_by_role("button", name="Publish the reviewed results").click()
    expect(admin.locator("#published")).to_contain_text("Published at")
    axe.check(admin, "results walk-through, published")

    # --- 5. the paper ballots in the results and the counts by channel ---------------------
    after = participation(admin, slug)
    entered = len(PAPER_BALLOTS)
    assert after["participants"] == before["participants"] + entered
    assert after["by_channel"]["paper"] == (before["by_channel"]["paper"] or 0) + entered
    resident = browsing.new_page(axe=True)
    resident.goto(f"/processes/{slug}/")
    turnout = resident.locator("#turnout")
    expect(turnout).to_contain_text(str(after["participants"]))
    expect(turnout).to_contain_text(f"Paper: {after['by_channel']['paper']}")
    axe.check(resident, "process page, results published")
    resident.get_by_role("link", name="Results", exact=True).click()
    expect(resident.get_by_role("heading", name="Results", level=1)).to_be_visible()
    with server.db() as alias:
        from budgets.models import Ballot

        citywide = (
            Ballot.objects.using(alias)
            .counted()
            .filter(process__slug=slug, pot__neighbourhood=None)
        )
        assert citywide.filter(channel="paper").count() >= entered
        ballots = citywide.count()
    pot = resident.locator("section.pot-result").filter(
        has=resident.get_by_role("heading", name="City-wide")
    )
    expect(pot.locator("dl.facts")).to_contain_text(f"Ballots{ballots}")
    results_turnout = resident.locator("#results-turnout")
    expect(results_turnout).to_contain_text(f"Paper: {after['by_channel']['paper']}")
    axe.check(resident, "results")

    # --- 6. follow a funded project and receive its update ---------------------------------
    funded = resident.locator("tr.funded").first
    title = funded.locator("bdi").first.inner_text()
    funded.get_by_role("link").click()
    expect(resident.get_by_role("heading", level=1)).to_contain_text(title)
    resident.get_by_role("button", name="Sign in to follow this project").click()
    sign_in(resident, server, axe=axe)
    # Back at the project's Follow button, signed in now.
    expect(resident).to_have_url(re.compile(r"/projects/\d+/#follow-form$"))
    resident.get_by_role("button", name="Follow this project").click()
    expect(resident.get_by_role("button", name="Stop following")).to_be_visible()
    axe.check(resident, "project, followed")

    comms = browsing.new_page(axe=True)
    staff_sign_in(comms, *demo_login("demo-communications"))
    process_section(comms, slug).get_by_role("link", name="Delivery updates").click()
    axe.check(comms, "delivery list")
    comms.get_by_role("link", name=re.compile(re.escape(title))).click()
    comms.get_by_label("Status").select_option(label="In progress")
    comms.get_by_label("% complete").fill("25")
    comms.get_by_label("Note in English").fill("Work has started at the first three sites.")
    comms.get_by_label("Note in Spanish").fill("Las obras empezaron en los tres primeros sitios.")
    comms.get_by_role("button", name="Publish the update").click()
    expect(comms.locator("#delivery-done")).to_be_visible()
    axe.check(comms, "delivery update, published")

    resident.get_by_role("navigation", name="Main").get_by_role("link", name="My updates").click()
    update = resident.locator("article.delivery-update").first
    expect(update).to_contain_text(title)
    expect(update).to_contain_text("25% complete")
    expect(update).to_contain_text("Work has started at the first three sites.")
    axe.check(resident, "my updates")
    # In the resident's own language: they switch to Spanish and read the Spanish note.
    resident.get_by_label("Language").select_option("es")
    resident.get_by_role("button", name="Change language").click()
    expect(resident.locator("html")).to_have_attribute("lang", "es")
    expect(resident.locator("article.delivery-update").first).to_contain_text(
        "Las obras empezaron en los tres primeros sitios."
    )
    axe.check(resident, "my updates, Spanish")
    axe.assert_clean()
