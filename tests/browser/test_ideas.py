"""Ideas as a new resident: propose one with a pin on the map; comment and reply."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from participation.models import ProposalStatus
from tests.browser.flows import sign_in
from tests.browser.harness.server import LiveServer

pytestmark = pytest.mark.browser


def test_propose_an_idea_with_a_pin(page: Page, server: LiveServer) -> None:
    page.goto(f"/processes/{server.data['process']}/")
    page.get_by_role("link", name="Propose an idea").click()
    sign_in(page, server)
    expect(page.get_by_role("heading", name="Propose an idea", level=1)).to_be_visible()

    page.get_by_label("Title").fill("Drinking fountain by the skate park")
    page.get_by_label("Describe your idea").fill("Kids ride all afternoon in the heat.")
    status = page.locator("#pin-status")
    expect(status).to_have_text("No pin placed.")
    area = page.locator("#propose-map")
    expect(area).to_be_visible()
    box = area.bounding_box()
    assert box is not None
    # Inside the city: just off the middle of the map, which is fitted to the city.
    area.click(position={"x": box["width"] * 0.45, "y": box["height"] * 0.5})
    # The neighbourhood is named as soon as the pin is down (the server's own lookup).
    expect(status).to_contain_text(re.compile(r"Pin placed in .+ \(latitude -?[0-9.]+, longitude"))
    expect(area.locator(".pin--new")).to_have_count(1)
    page.get_by_role("button", name="Send my idea").click()

    expect(page.get_by_role("heading", name="Drinking fountain by the skate park")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text(
        "Thank you. Your idea is saved and will be published after review."
    )
    expect(page.locator("#proposal-status")).to_contain_text(str(ProposalStatus.SUBMITTED.label))
    # The neighbourhood was found from the pin.
    expect(page.locator("#proposal-status").get_by_role("link")).to_have_count(1)
    expect(page.get_by_text("Only you can see this idea until it is reviewed.")).to_be_visible()

    from participation.models import Proposal

    pk = int(re.search(r"/proposals/(\d+)/", page.url).group(1))  # type: ignore[union-attr]
    with server.db() as db:
        idea = Proposal.objects.using(db).select_related("neighbourhood").get(pk=pk)
    assert idea.lat is not None and idea.lng is not None
    assert idea.neighbourhood is not None
    expect(page.locator("#proposal-status")).to_contain_text(idea.neighbourhood.name)


def test_comment_and_reply_on_a_published_idea(page: Page, server: LiveServer) -> None:
    page.goto(f"/proposals/{server.data['proposal']}/")
    expect(page.get_by_role("heading", name=server.data["proposal_title"])).to_be_visible()
    page.get_by_role("link", name="Sign in to comment").click()
    sign_in(page, server)
    expect(page.get_by_role("heading", name=server.data["proposal_title"])).to_be_visible()

    comments = page.locator("#comments")
    heading = comments.get_by_role("heading", level=2)
    before = int(re.match(r"\d+", heading.inner_text()).group(0))  # type: ignore[union-attr]
    page.get_by_label("Your comment").fill("A fountain near the library too, please.")
    page.get_by_role("button", name="Post comment").click()
    expect(page.get_by_role("status")).to_contain_text("Your comment is posted.")
    mine = comments.locator("li.comment").filter(has_text="A fountain near the library too")
    expect(mine).to_have_count(1)
    expect(mine.locator(".meta")).to_contain_text("You,")
    expect(heading).to_have_text(f"{before + 1} comments")

    # Reply to the first comment of the demo idea.
    first = comments.locator("ol.comments > li.comment").first
    first.locator("summary", has_text="Reply").first.click()
    first.get_by_label("Your reply").first.fill("Agreed, and shade over it.")
    first.get_by_role("button", name="Post reply").first.click()
    expect(page.get_by_role("status")).to_contain_text("Your comment is posted.")
    reply = (
        comments.locator("ol.comments > li.comment")
        .first.locator("ol.replies li.comment")
        .filter(has_text="Agreed, and shade over it.")
    )
    expect(reply).to_have_count(1)
    expect(heading).to_have_text(f"{before + 2} comments")
