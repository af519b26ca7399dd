"""Every text the conversation sends, one function per reply, rendered in the active
language (the dispatcher activates the resident's). Pure: data in, text out.

Budgets (tests check each reply in each language): ``help_text`` and ``unknown_text``
fit one segment; every other reply fits two (``MAX_SEGMENTS``). Replies built from data
(lists, project details, ballot problems) are packed or truncated to fit, measured on the
text actually sent (``segments.sms_text``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _

from core.l10n import datetime_text, time_text
from participation.demographics import age_band_range, answer_label
from sms.commands.parser import idea_ref
from sms.segments import fits, sms_text, truncate_to_fit

MAX_SEGMENTS = 2
TITLE_CHARS = 30


def finish(text: str, segments: int = MAX_SEGMENTS) -> str:
    """The sendable form of a reply: GSM-7 look-alikes, then cut to ``segments``."""
    return truncate_to_fit(sms_text(text), segments)


def short_title(title: str, limit: int = TITLE_CHARS) -> str:
    title = " ".join(title.split())
    if len(title) <= limit:
        return title
    cut = title[: limit - 3]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-") + "..."


def clock(moment: datetime) -> str:
    """A time of day in the resident's language (``13:05``, ``1:05 PM``)."""
    return time_text(moment)


def when(moment: datetime) -> str:
    """A date and time in the resident's language (``1 dic 2026, 13:05``)."""
    return datetime_text(moment)


# --- help and errors ---------------------------------------------------------------------


def help_text() -> str:
    return finish(
        _(
            "Just City: LIST projects, INFO 3 details, VOTE 3 7 12 to vote, IDEA text, "
            "COMMENT 5 text, CHECK receipt, LANG es, STOP to stop."
        ),
        1,
    )


def unknown_text() -> str:
    return finish(
        _(
            "Not understood. LIST projects, INFO 3 details, VOTE 3 7 to vote, IDEA text, "
            "CHECK receipt, LANG es, HELP all."
        ),
        1,
    )


def throttled_text(until: datetime) -> str:
    """Sent once per flood: when the number may text again (local time)."""
    return finish(
        _("Too many messages. You can text again from %(time)s; until then we read nothing.")
        % {"time": clock(until)}
    )


def failure_text() -> str:
    return finish(_("Sorry, something went wrong. Please try again in a few minutes."))


def nothing_more_text() -> str:
    return finish(_("Nothing more to show. Send HELP for commands."))


# --- neighbourhood -----------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    text: str
    number: int  # 1-based
    count: int  # pages in all
    items: int  # items on this page


def pack_pages(
    items: Sequence[str],
    render: Callable[[str, int, int, bool], str],
    *,
    segments: int = MAX_SEGMENTS,
) -> list[Page]:
    """Split ``items`` into the fewest pages whose rendered text fits ``segments``.

    ``render(joined_items, page, pages, has_more)`` builds one page's text. While packing
    neither the page count nor whether a page is the last is known, so a page must fit
    with a two-digit page count and with either ending; the final texts are then
    rendered with the real values and are never longer. An item too long for any page
    alone is truncated.
    """
    guess = 99

    def page_fits(joined: str, page: int) -> bool:
        return all(
            fits(sms_text(render(joined, page, guess, more)), segments) for more in (True, False)
        )

    pages: list[list[str]] = []
    current: list[str] = []
    for item in items:
        page = len(pages) + 1
        candidate = [*current, item]
        if page_fits("\n".join(candidate), page):
            current = candidate
            continue
        if current:
            pages.append(current)
            page += 1
        current = [item]
        if not page_fits(item, page):
            # Alone and still too long: keep what fits of it.
            current = [_truncate_item(item, page_fits, page)]
    if current or not pages:
        pages.append(current)
    count = len(pages)
    return [
        Page(sms_text(render("\n".join(page), n, count, n < count)), n, count, len(page))
        for n, page in enumerate(pages, start=1)
    ]


def _truncate_item(item: str, page_fits: Callable[[str, int], bool], page: int) -> str:
    lo, hi = 0, len(item)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if page_fits(item[:mid] + "...", page):
            lo = mid
        else:
            hi = mid - 1
    return item[:lo] + "..."


def neighbourhood_pages(
    names: Sequence[str], *, start: int = 0, welcome: bool = False, retry: bool = False
) -> list[Page]:
    """The neighbourhood question, listing ``names`` numbered from ``start + 1``."""

    def render(joined: str, page: int, pages: int, more: bool) -> str:
        if retry:
            head = _("No neighbourhood matches that. Reply with a number or name:")
        elif welcome:
            head = _(
                "Welcome to Just City! Which neighbourhood do you live in? "
                "Reply with its number or name:"
            )
        else:
            head = _("Which neighbourhood do you live in? Reply with its number or name:")
        tail = " " + _("MORE for more.") if more else ""
        return f"{head}\n{joined}{tail}"

    items = [f"{n} {name}" for n, name in enumerate(names, start=start + 1)]
    return pack_pages(items, render)


def idea_neighbourhood_pages(names: Sequence[str], *, start: int = 0) -> list[Page]:
    def render(joined: str, page: int, pages: int, more: bool) -> str:
        head = _("Which neighbourhood is your idea for? Reply with its number or name:")
        tail = " " + _("MORE for more.") if more else ""
        return f"{head}\n{joined}{tail}"

    items = [f"{n} {name}" for n, name in enumerate(names, start=start + 1)]
    return pack_pages(items, render)


def neighbourhood_set_text(name: str) -> str:
    return finish(
        _("Thanks! Your neighbourhood is %(name)s. Send LIST to see the projects you can vote on.")
        % {"name": name}
    )


# --- projects ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ProjectLine:
    code: int
    title: str
    cost: str  # already formatted with the currency


@dataclass(frozen=True)
class PotLine:
    name: str
    amount: str  # already formatted with the currency


def project_pages(projects: Sequence[ProjectLine], pots: Sequence[PotLine]) -> list[Page]:
    """The ballot, one project per line, after a line with the budgets (packed like a
    project, so a page of titles in a non-Latin script, which are UCS-2 and need more
    room, still fits)."""

    def render(joined: str, page: int, pages: int, more: bool) -> str:
        head = _("Projects %(page)d/%(pages)d") % {"page": page, "pages": pages}
        if more:
            tail = _("LIST %(next)d for more.") % {"next": page + 1}
        else:
            tail = _("VOTE 3 7 to vote, INFO 3 for details.")
        return f"{head}\n{joined}\n{tail}"

    items = [f"{p.code} {short_title(p.title)} {p.cost}" for p in projects]
    if pots:
        budgets = "; ".join(f"{p.name} {p.amount}" for p in pots)
        items.insert(0, _("Budget: %(budgets)s") % {"budgets": budgets})
    return pack_pages(items, render)


@dataclass(frozen=True)
class IdeaLine:
    number: int  # the idea's id: shown and typed as I12
    title: str


def idea_pages(ideas: Sequence[IdeaLine]) -> list[Page]:
    """The published ideas while no vote is open, one per line with the I-number that
    INFO and COMMENT take (the first idea's serves as the example)."""
    example = idea_ref(ideas[0].number) if ideas else idea_ref(12)

    def render(joined: str, page: int, pages: int, more: bool) -> str:
        head = _("Ideas %(page)d/%(pages)d") % {"page": page, "pages": pages}
        if more:
            tail = _("LIST %(next)d for more.") % {"next": page + 1}
        else:
            tail = _("INFO %(ref)s for details, COMMENT %(ref)s and your text to comment.") % {
                "ref": example
            }
        return f"{head}\n{joined}\n{tail}"

    return pack_pages([f"{idea_ref(i.number)} {short_title(i.title)}" for i in ideas], render)


def no_ideas_text() -> str:
    return finish(
        _("No vote is open and no idea is published yet. Send IDEA and your idea to suggest one.")
    )


def no_projects_text() -> str:
    return finish(_("There are no projects on your ballot yet."))


def list_page_missing_text(pages: int) -> str:
    return finish(_("There are %(pages)d pages. Send LIST 1 to start.") % {"pages": pages})


def fit_part(render: Callable[[str], str], part: str, segments: int = MAX_SEGMENTS) -> str:
    """``render(part)`` with ``part`` shortened (at the end, with "...") until the whole
    fits ``segments``; the fixed text around it is kept."""
    part = " ".join(part.split())
    if fits(sms_text(render(part)), segments):
        return sms_text(render(part))
    lo, hi = 0, len(part)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if fits(sms_text(render(part[:mid].rstrip() + "...")), segments):
            lo = mid
        else:
            hi = mid - 1
    shortened = part[:lo].rstrip() + "..." if lo else ""
    return finish(render(shortened), segments)


def info_text(*, code: int, title: str, cost: str, pot: str, description: str) -> str:
    head = _("%(code)d %(title)s: %(cost)s (%(pot)s).") % {
        "code": code,
        "title": " ".join(title.split()),
        "cost": cost,
        "pot": pot,
    }
    tail = _("VOTE %(code)d to choose it.") % {"code": code}
    return fit_part(lambda d: " ".join(x for x in (head, d, tail) if x), description)


def info_usage_text() -> str:
    return finish(_("Send INFO and a project number, e.g. INFO 3. LIST shows the numbers."))


def no_such_project_text(code: int) -> str:
    return finish(
        _("There is no project %(code)d on your ballot. LIST shows the numbers.") % {"code": code}
    )


# --- voting ------------------------------------------------------------------------------


def no_vote_open_text(*, ideas_open: bool) -> str:
    if ideas_open:
        return finish(_("No vote is open right now. Send IDEA and your idea to suggest one."))
    return finish(_("No vote is open right now."))


def vote_usage_text() -> str:
    return finish(_("Send VOTE and project numbers, e.g. VOTE 3 7 12. LIST shows the numbers."))


def vote_unreadable_text(tokens: Sequence[str]) -> str:
    template = _("Vote not recorded: %(tokens)s is not a project number. Example: VOTE 3 7 12.")
    return fit_part(lambda t: template % {"tokens": t}, ", ".join(tokens))


def vote_invalid_text(problems: Sequence[str]) -> str:
    template = _("Vote not recorded. %(problems)s Send VOTE again with your choices.")
    return fit_part(lambda p: template % {"problems": p}, " ".join(problems))


@dataclass(frozen=True)
class PotConfirmation:
    pot: str
    total: str
    remaining: str
    receipt: str


def vote_recorded_text(
    *, codes: Sequence[int], pots: Sequence[PotConfirmation], replaced: bool
) -> str:
    choices = ", ".join(str(c) for c in codes)
    if replaced:
        head = _("Vote changed: %(codes)s. Your earlier vote no longer counts.") % {
            "codes": choices
        }
    else:
        head = _("Vote recorded: %(codes)s.") % {"codes": choices}
    lines = [
        _("%(pot)s: %(total)s, %(remaining)s left. Receipt %(receipt)s.")
        % {"pot": p.pot, "total": p.total, "remaining": p.remaining, "receipt": p.receipt}
        for p in pots
    ]
    tail = _("Send VOTE again to change it.")
    text = sms_text("\n".join([head, *lines, tail]))
    if fits(text, MAX_SEGMENTS):
        return text
    # Many pots or long names: the receipts matter most, keep them, drop the rest.
    receipts = ", ".join(p.receipt for p in pots)
    return finish(
        _("Vote recorded: %(codes)s. Receipt %(receipts)s.")
        % {"codes": choices, "receipts": receipts}
    )


def vote_recorded_minimal_text(receipts: Sequence[str]) -> str:
    """The reply when the full confirmation could not be rendered: the ballot is in,
    and the receipt is what the resident must not lose."""
    return finish(_("Vote recorded. Receipt %(receipts)s.") % {"receipts": ", ".join(receipts)})


def _age_band_short(band: str) -> str:
    """A band as a text lists it, short: "18-29", "65+", "under 18"."""
    years = age_band_range(band)
    if years is None:
        return str(answer_label(band))
    low, high = years
    if low is None:
        return _("under %(high)s") % {"high": high}
    return f"{low}+" if high is None else f"{low}-{high}"


def age_choices(bands: Sequence[str]) -> str:
    """The city's age bands numbered as the reply expects them: "1 under 18, 2 18-29"."""
    return ", ".join(f"{n} {_age_band_short(band)}" for n, band in enumerate(bands, start=1))


def age_question_text(bands: Sequence[str]) -> str:
    return finish(
        _("Optional: your age? Reply %(choices)s. It helps us reach everyone. Or ignore this.")
        % {"choices": age_choices(bands)}
    )


def age_usage_text(bands: Sequence[str]) -> str:
    return finish(_("Send AGE and a number: %(choices)s.") % {"choices": age_choices(bands)})


def thanks_text() -> str:
    return finish(_("Thank you!"))


# --- receipts ----------------------------------------------------------------------------


def check_usage_text() -> str:
    return finish(_("Send CHECK and your receipt code, e.g. CHECK ABCDE-23456."))


def check_counted_text(*, receipt: str, pot: str, cast_at: datetime) -> str:
    return finish(
        _("Receipt %(receipt)s: counted (%(pot)s, %(when)s).")
        % {"receipt": receipt, "pot": pot, "when": when(cast_at)}
    )


def check_replaced_text(*, receipt: str, replaced_at: datetime, on_paper: bool = False) -> str:
    if on_paper:
        return finish(
            _(
                "Receipt %(receipt)s: replaced by a paper ballot on %(when)s. "
                "Only the paper one counts."
            )
            % {"receipt": receipt, "when": when(replaced_at)}
        )
    return finish(
        _("Receipt %(receipt)s: replaced by a newer vote on %(when)s. Only the latest counts.")
        % {"receipt": receipt, "when": when(replaced_at)}
    )


def check_voided_text(*, receipt: str, voided_at: datetime) -> str:
    return finish(
        _("Receipt %(receipt)s: this paper entry was voided on %(when)s. It does not count.")
        % {"receipt": receipt, "when": when(voided_at)}
    )


def check_unknown_text(receipt: str) -> str:
    return finish(
        _("No vote has receipt %(receipt)s. Check the code and try again.") % {"receipt": receipt}
    )


# --- ideas and comments ------------------------------------------------------------------


def idea_usage_text() -> str:
    return finish(_("Send IDEA and your idea, e.g. IDEA Benches at the bus stop."))


def ideas_closed_text() -> str:
    return finish(_("Ideas are not being collected right now."))


def idea_received_text(proposal_id: int) -> str:
    return finish(
        _(
            "Thank you! Idea %(ref)s received. Staff review ideas before they are published. "
            "Comment on it with COMMENT %(ref)s and your text."
        )
        % {"ref": idea_ref(proposal_id)}
    )


def comment_usage_text() -> str:
    return finish(
        _(
            "Send COMMENT, a number and your text: COMMENT 5 Great for project 5 (the "
            "number LIST shows), COMMENT I12 Great for idea I12."
        )
    )


def no_such_idea_text(proposal_id: int) -> str:
    return finish(_("There is no idea %(ref)s.") % {"ref": idea_ref(proposal_id)})


def comment_pending_text(proposal_id: int) -> str:
    return finish(
        _("Thank you. Your comment on idea %(ref)s is shown once a moderator reviews it.")
        % {"ref": idea_ref(proposal_id)}
    )


def comment_posted_text(proposal_id: int) -> str:
    return finish(_("Your comment on idea %(ref)s was posted.") % {"ref": idea_ref(proposal_id)})


def project_comment_posted_text(code: int) -> str:
    return finish(_("Your comment on project %(code)d was posted.") % {"code": code})


def project_no_discussion_text(code: int) -> str:
    return finish(
        _(
            "Project %(code)d has no discussion to comment on. Ideas have numbers like I12: "
            "COMMENT I12 and your text."
        )
        % {"code": code}
    )


def idea_info_text(*, proposal_id: int, title: str, body: str) -> str:
    ref = idea_ref(proposal_id)
    head = _("Idea %(ref)s: %(title)s.") % {"ref": ref, "title": " ".join(title.split())}
    tail = _("COMMENT %(ref)s and your text to comment.") % {"ref": ref}
    return fit_part(lambda b: " ".join(x for x in (head, b, tail) if x), body)


# --- several processes -------------------------------------------------------------------


def which_process_text(titles: Sequence[str], *, retry: bool = False) -> str:
    """Several processes are open and nothing says which one the text is about."""
    if retry:
        head = _("No vote matches that. Reply with its number:")
    else:
        head = _("Several votes are open. Which one is your text about? Reply with its number:")
    tail = _("Or PROCESS 2 at any time.")
    items = "; ".join(f"{n} {short_title(t)}" for n, t in enumerate(titles, start=1))
    return fit_part(lambda i: f"{head} {i}. {tail}", items)


def process_chosen_text(title: str) -> str:
    return finish(
        _("Your texts are now about: %(title)s. PROCESS to choose another.")
        % {"title": short_title(title, 60)}
    )


def flag_usage_text() -> str:
    return finish(_("Send FLAG and the idea number to report it to moderators, e.g. FLAG I12."))


def flag_recorded_text(proposal_id: int, *, again: bool = False) -> str:
    if again:
        return finish(
            _("You already reported idea %(ref)s. Moderators will look at it.")
            % {"ref": idea_ref(proposal_id)}
        )
    return finish(
        _("Thank you. Idea %(ref)s is reported to the moderators.") % {"ref": idea_ref(proposal_id)}
    )


def refused_text(message: str) -> str:
    """A service refused the action (ParticipationError): its message says why."""
    return finish(str(message))


# --- language and subscription -----------------------------------------------------------


def language_set_text() -> str:
    return finish(_("Language: English. Send HELP for commands."))


def language_usage_text() -> str:
    return finish(_("Send LANG en, LANG es or LANG fr."))


def start_text() -> str:
    return finish(_("You will get texts from Just City again. Send HELP for commands."))


def stop_text() -> str:
    """Our confirmation of an opt-out, when the gateway does not send its own."""
    return finish(_("You will get no more texts from Just City. Send START to get them again."))


def broadcast_footer() -> str:
    return _("Reply STOP to stop texts.")
