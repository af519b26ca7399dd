"""A moderator clears the demo city's queue of ten items from the keyboard alone: j/k
to move, a to approve, r + a reason + Enter to reject, h to hide. Each decision goes
through the same form a mouse (or no JavaScript) would submit, and leaves an audit
entry; an SMS author's rejection is queued as a text."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from demo.riverbend import DEMO_QUEUE_SIZE
from tests.browser.harness.server import LiveServer

pytestmark = pytest.mark.browser
MAX_STEPS = 40


def sign_in_staff(page: Page, server: LiveServer) -> None:
    page.goto("/admin/login/?next=/staff/moderation/")
    page.get_by_label("Username").fill(server.data["moderator"])
    page.get_by_label("Password").fill(server.data["moderator_password"])
    page.get_by_label("Password").press("Enter")
    expect(page.get_by_role("heading", name="Moderation queue", level=1)).to_be_visible()


def test_a_moderator_clears_the_demo_queue_from_the_keyboard(
    page: Page, server: LiveServer
) -> None:
    from participation.models import AuditLog

    with server.db() as alias:
        audits_before = (
            AuditLog.objects.using(alias).filter(action__startswith="moderation.").count()
        )
    sign_in_staff(page, server)
    rows = page.locator(".queue-item")
    assert rows.count() >= DEMO_QUEUE_SIZE
    # j and k move the selection; the focused row is the current one.
    expect(rows.nth(0)).to_be_focused()
    page.keyboard.press("j")
    expect(rows.nth(1)).to_be_focused()
    page.keyboard.press("k")
    expect(rows.nth(0)).to_be_focused()

    decided = {"approve": 0, "reject": 0, "hide": 0}
    for _step in range(MAX_STEPS):
        if page.locator("#queue-empty").count():
            break
        current = rows.nth(0)
        expect(current).to_be_focused()
        text = current.inner_text()
        before = rows.count()
        if "WATCHES" in text:
            page.keyboard.press("r")
            expect(current.locator(".queue-reason")).to_be_focused()
            page.keyboard.type("Advertising is not an idea.")
            page.keyboard.press("Enter")
            decided["reject"] += 1
        elif "idiots" in text:
            page.keyboard.press("h")
            decided["hide"] += 1
        else:
            page.keyboard.press("a")
            decided["approve"] += 1
        expect(page.get_by_role("status")).to_contain_text("done")
        if before > 1:
            expect(rows).to_have_count(before - 1)
    expect(page.locator("#queue-empty")).to_be_visible()
    assert sum(decided.values()) >= DEMO_QUEUE_SIZE
    assert decided["reject"] == 1 and decided["hide"] == 1

    from participation.models import Proposal, ProposalStatus, ResidentNotice
    from sms.models import OutboundMessage

    with server.db() as alias:
        audits = AuditLog.objects.using(alias).filter(action__startswith="moderation.").count()
        assert audits - audits_before == sum(decided.values())
        spam = Proposal.objects.using(alias).get(title_en__startswith="BUY CHEAP WATCHES")
        assert spam.status == ProposalStatus.REJECTED
        # The Spanish idea came by SMS: its author is told by text, in Spanish, or, as
        # the demo's numbers are fictional (555-01xx) and cannot be texted, on the web.
        bancos = (
            Proposal.objects.using(alias)
            .select_related("author")
            .get(title_es="Bancos con sombra en la plaza")
        )
        assert bancos.status == ProposalStatus.APPROVED and bancos.channel == "sms"
        text = (
            OutboundMessage.objects.using(alias)
            .filter(to_e164=bancos.author.phone_e164, purpose="notice")
            .first()
        )
        if text is not None:
            assert f"Tu idea I{bancos.pk} esta publicada" in text.body
        else:
            assert (
                ResidentNotice.objects.using(alias)
                .filter(resident=bancos.author, proposal=bancos, kind="approved")
                .exists()
            )
