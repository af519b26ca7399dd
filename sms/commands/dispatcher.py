"""The one dispatcher: a parsed ``Command`` and the resident's context in, replies out.

Each handler parses its arguments, calls one service (``ballot_cast``,
``proposal_submit``, ``comment_post``, ``resident_set_language``, ...) and renders the
result with ``replies``; no handler writes a model itself. Runs inside ``sms_receive``'s
transaction with the resident's row locked and their language active.

Conversation state (``SmsConversation``): the neighbourhood is asked once, proactively,
on the first text that needs it (and again only when an idea or a neighbourhood ballot
cannot go on without it); after a first vote, one optional age question. While a
question is pending, a text that is not a keyword is read as its answer; any keyword
runs as usual, so a resident can always ignore a question.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone, translation

from budgets.ballot_limits import ballot_limits
from budgets.ballot_validation import Choice
from budgets.receipts import receipt_display, receipt_normalise
from budgets.selectors import projects_on_ballot, receipt_status
from budgets.services.ballots import BallotInvalid, CastResult, ballot_cast
from core.l10n import money
from core.models import BallotType, Channel, PhaseKind, Process
from maps.models import Neighbourhood
from participation.access import proposal_for_resident
from participation.demographics import DEMOGRAPHIC_QUESTIONS
from participation.errors import ParticipationError
from participation.models import CommentStatus, Resident
from participation.services.flags import flag_raise
from participation.services.ideas import TITLE_MAX, comment_post, proposal_submit
from participation.services.residents import (
    resident_record_demographics,
    resident_set_language,
    resident_set_neighbourhood,
)
from sms.commands import replies
from sms.commands.follow import follow_handler
from sms.commands.keywords import Kind
from sms.commands.parser import (
    Command,
    neighbourhood_match,
    parse,
    parse_first_number,
    parse_item_ref,
    parse_language,
    parse_numbers,
)
from sms.commands.processes import (
    PENDING_PROCESS,
    choose_process,
    open_processes,
    process_match,
)
from sms.conversation import conversation_update
from sms.models import SmsConversation
from sms.selectors import (
    SmsProcess,
    sms_ballot_projects,
    sms_neighbourhoods,
    sms_published_ideas,
)

logger = logging.getLogger(__name__)

PENDING_NEIGHBOURHOOD = "neighbourhood"
PENDING_IDEA_NEIGHBOURHOOD = "idea_neighbourhood"
PENDING_AGE = "age_band"
MORE_NEIGHBOURHOODS = "nbh"
MORE_LIST = "list"
IDEA_TITLE_CHARS = 80


@dataclass
class Context:
    resident: Resident
    conversation: SmsConversation
    first_contact: bool


@dataclass(frozen=True)
class Outcome:
    replies: tuple[str, ...]
    command: str


def _out(command: Kind | str, *texts: str) -> Outcome:
    return Outcome(tuple(t for t in texts if t), str(command))


def _update(ctx: Context, **changes: object) -> None:
    conversation_update(conversation=ctx.conversation, **changes)


# --- which process -------------------------------------------------------------------------


def _current(ctx: Context, command: Command) -> SmsProcess | Outcome | None:
    """The process LIST, INFO, VOTE and COMMENT n mean: an open vote, else an open idea
    box (sms/commands/processes.py); an Outcome asking "which one?" when several are
    open and nothing says which; None when none is open."""
    now = timezone.now()
    for kind, voting in ((PhaseKind.VOTING, True), (PhaseKind.IDEAS, False)):
        choice = choose_process(resident=ctx.resident, conversation=ctx.conversation, kind=kind)
        if choice.process is not None:
            return SmsProcess(process=choice.process, voting_open=voting, now=now)
        if choice.candidates:
            return _ask_process(ctx, command, list(choice.candidates))
    return None


def _ideas_process(ctx: Context, command: Command) -> Process | Outcome | None:
    choice = choose_process(
        resident=ctx.resident, conversation=ctx.conversation, kind=PhaseKind.IDEAS
    )
    if choice.process is None and choice.candidates:
        return _ask_process(ctx, command, list(choice.candidates))
    return choice.process


def _ask_process(
    ctx: Context, command: Command, candidates: list[Process], *, retry: bool = False
) -> Outcome:
    """Ask which process, and hold the text that needed it: the answer runs it."""
    held = command.text if command.kind not in (Kind.TEXT, Kind.EMPTY, Kind.PROCESS) else ""
    _update(
        ctx,
        pending=PENDING_PROCESS,
        pending_text=held or (ctx.conversation.pending_text if retry else ""),
        more="",
    )
    return _out(
        command.kind if command.kind != Kind.TEXT else Kind.PROCESS,
        replies.which_process_text([p.title for p in candidates], retry=retry),
    )


def _process_chosen(ctx: Context, process: Process) -> Outcome:
    """Remember the choice; run the text that was waiting for it, if any."""
    held = ctx.conversation.pending_text if ctx.conversation.pending == PENDING_PROCESS else ""
    _update(ctx, process=process, pending="", pending_text="")
    chosen = replies.process_chosen_text(process.title)
    if not held:
        return _out(Kind.PROCESS, chosen)
    again = dispatch(ctx, parse(held))
    return Outcome((chosen, *again.replies), again.command)


def _process(ctx: Context, command: Command) -> Outcome:
    """PROCESS (PROCESO, PROCESSUS) [n or name]: list the open processes, or choose one."""
    candidates = open_processes(PhaseKind.VOTING, PhaseKind.IDEAS)
    if not candidates:
        return _out(Kind.PROCESS, replies.no_vote_open_text(ideas_open=False))
    if command.rest:
        process = process_match(command.rest, candidates)
        if process is not None:
            return _process_chosen(ctx, process)
        return _ask_process(ctx, command, candidates, retry=True)
    if len(candidates) == 1:
        return _process_chosen(ctx, candidates[0])
    return _ask_process(ctx, command, candidates)


def _answer_process(ctx: Context, text: str) -> Outcome:
    candidates = open_processes(PhaseKind.VOTING, PhaseKind.IDEAS)
    process = process_match(text, candidates)
    if process is None:
        return _ask_process(ctx, Command(Kind.TEXT, text=text), candidates, retry=True)
    return _process_chosen(ctx, process)


# --- neighbourhood question ----------------------------------------------------------------


def _should_ask_neighbourhood(ctx: Context) -> bool:
    return (
        ctx.resident.neighbourhood_id is None
        and ctx.conversation.neighbourhood_asked_at is None
        and Neighbourhood.objects.exists()
    )


def _ask_neighbourhood(
    ctx: Context,
    *,
    welcome: bool = False,
    retry: bool = False,
    for_idea: bool = False,
    start: int = 0,
) -> str:
    """Ask where the resident lives (the list numbered from ``start + 1``), remember that
    we asked, and where ``MORE`` continues the list."""
    names = [n.name for n in sms_neighbourhoods()]
    remaining = names[start:]
    if for_idea and not retry:
        pages = replies.idea_neighbourhood_pages(remaining, start=start)
    else:
        pages = replies.neighbourhood_pages(
            remaining, start=start, welcome=welcome and start == 0, retry=retry
        )
    first = pages[0]
    more = f"{MORE_NEIGHBOURHOODS}:{start + first.items}" if first.count > 1 else ""
    _update(
        ctx,
        pending=PENDING_IDEA_NEIGHBOURHOOD if for_idea else PENDING_NEIGHBOURHOOD,
        more=more,
        neighbourhood_asked_at=ctx.conversation.neighbourhood_asked_at or timezone.now(),
    )
    return first.text


def _answer_neighbourhood(ctx: Context, text: str) -> Outcome:
    neighbourhood = neighbourhood_match(text, sms_neighbourhoods())
    for_idea = ctx.conversation.pending == PENDING_IDEA_NEIGHBOURHOOD
    if neighbourhood is None:
        return _out(Kind.AREA, _ask_neighbourhood(ctx, retry=True, for_idea=for_idea))
    resident_set_neighbourhood(resident=ctx.resident, neighbourhood=neighbourhood)
    idea_text = ctx.conversation.pending_text
    _update(ctx, pending="", pending_text="", more="")
    if for_idea and idea_text:
        process = _ideas_process(ctx, Command(Kind.IDEA, rest=idea_text, text=f"IDEA {idea_text}"))
        if isinstance(process, Outcome):
            return process
        if process is None:
            return _out(Kind.IDEA, replies.ideas_closed_text())
        return _out(Kind.IDEA, _submit_idea(ctx, process, idea_text))
    return _out(Kind.AREA, replies.neighbourhood_set_text(neighbourhood.name))


# --- handlers ------------------------------------------------------------------------------


def _help(ctx: Context, command: Command) -> Outcome:
    extra = _ask_neighbourhood(ctx, welcome=False) if _should_ask_neighbourhood(ctx) else ""
    return _out(Kind.HELP, replies.help_text(), extra)


def _text(ctx: Context, command: Command) -> Outcome:
    pending = ctx.conversation.pending
    if pending in (PENDING_NEIGHBOURHOOD, PENDING_IDEA_NEIGHBOURHOOD) and command.text:
        return _answer_neighbourhood(ctx, command.text)
    if pending == PENDING_PROCESS and command.text:
        return _answer_process(ctx, command.text)
    if pending == PENDING_AGE:
        band = _age_band(command.text)
        _update(ctx, pending="")
        if band is not None:
            return _record_age(ctx, band)
    if _should_ask_neighbourhood(ctx):
        return _out("welcome", _ask_neighbourhood(ctx, welcome=ctx.first_contact))
    return _out("unknown", replies.unknown_text())


def _more(ctx: Context, command: Command) -> Outcome:
    kind, _sep, position = ctx.conversation.more.partition(":")
    if kind == MORE_NEIGHBOURHOODS and position.isdigit():
        for_idea = ctx.conversation.pending == PENDING_IDEA_NEIGHBOURHOOD
        return _out(Kind.AREA, _ask_neighbourhood(ctx, for_idea=for_idea, start=int(position)))
    if kind == MORE_LIST and position.isdigit():
        return _list_page(ctx, command, int(position))
    return _out(Kind.MORE, replies.nothing_more_text())


def _area(ctx: Context, command: Command) -> Outcome:
    """AREA (BARRIO, ZONA, QUARTIER, ...) name-or-number, at any time. While "which
    vote?" is pending, the neighbourhood may settle it: the held text then runs."""
    if not Neighbourhood.objects.exists():
        return _out(Kind.AREA, replies.help_text())
    if not command.rest:
        return _out(Kind.AREA, _ask_neighbourhood(ctx))
    if ctx.conversation.pending != PENDING_PROCESS:
        return _answer_neighbourhood(ctx, command.rest)
    neighbourhood = neighbourhood_match(command.rest, sms_neighbourhoods())
    if neighbourhood is None:
        return _out(Kind.AREA, _ask_neighbourhood(ctx, retry=True))
    resident_set_neighbourhood(resident=ctx.resident, neighbourhood=neighbourhood)
    held = ctx.conversation.pending_text
    _update(ctx, pending="", pending_text="")
    confirmed = replies.neighbourhood_set_text(neighbourhood.name)
    if not held:
        return _out(Kind.AREA, confirmed)
    again = dispatch(ctx, parse(held))
    return Outcome((confirmed, *again.replies), again.command)


def _list(ctx: Context, command: Command) -> Outcome:
    current = _current(ctx, command)
    if current is None:
        return _out(Kind.LIST, replies.no_vote_open_text(ideas_open=False))
    if isinstance(current, Outcome):
        return current
    if _should_ask_neighbourhood(ctx):
        return _out(Kind.LIST, _ask_neighbourhood(ctx, welcome=ctx.first_contact))
    page, _rest = parse_first_number(command.rest)
    return _list_page(ctx, command, page or 1, current)


def _list_page(
    ctx: Context, command: Command, page: int, current: SmsProcess | None = None
) -> Outcome:
    found = current or _current(ctx, command)
    if found is None:
        return _out(Kind.LIST, replies.no_vote_open_text(ideas_open=False))
    if isinstance(found, Outcome):
        return found
    process = found.process
    if not found.voting_open:
        # Only ideas are collected: LIST shows them with the I-numbers INFO and COMMENT
        # take (a bare number is a project's, and there is no ballot yet).
        return _pages_out(ctx, page, _idea_pages(ctx, process))
    projects = sms_ballot_projects(process, ctx.resident)
    if not projects:
        return _out(Kind.LIST, replies.no_projects_text())
    pots = {p.pot_id: p.pot for p in projects}
    pages = replies.project_pages(
        [
            replies.ProjectLine(p.short_code, p.title, money(p.cost, process.currency))
            for p in projects
        ],
        [
            replies.PotLine(pot.name, money(ballot_limits(process, pot).budget, process.currency))
            for pot in sorted(
                pots.values(), key=lambda pot: (pot.neighbourhood_id is not None, pot.name)
            )
        ],
    )
    return _pages_out(ctx, page, pages)


def _idea_pages(ctx: Context, process: Process) -> list[replies.Page] | str:
    ideas = sms_published_ideas(process, ctx.resident)
    if not ideas:
        return replies.no_ideas_text()
    return replies.idea_pages([replies.IdeaLine(i.pk, i.title) for i in ideas])


def _pages_out(ctx: Context, page: int, pages: list[replies.Page] | str) -> Outcome:
    """Page ``page`` of a LIST (MORE continues it), or the text saying there is none."""
    if isinstance(pages, str):
        return _out(Kind.LIST, pages)
    if not 1 <= page <= len(pages):
        return _out(Kind.LIST, replies.list_page_missing_text(len(pages)))
    _update(ctx, more=f"{MORE_LIST}:{page + 1}" if page < len(pages) else "")
    return _out(Kind.LIST, pages[page - 1].text)


def _info(ctx: Context, command: Command) -> Outcome:
    ref, _rest = parse_item_ref(command.rest)
    if ref is None:
        return _out(Kind.INFO, replies.info_usage_text())
    if ref.idea:
        idea = proposal_for_resident(pk=ref.number, resident=ctx.resident)
        if idea is None:
            return _out(Kind.INFO, replies.no_such_idea_text(ref.number))
        return _out(
            Kind.INFO,
            replies.idea_info_text(proposal_id=idea.pk, title=idea.title, body=idea.body),
        )
    code = ref.number
    current = _current(ctx, command)
    if current is None:
        return _out(Kind.INFO, replies.no_vote_open_text(ideas_open=False))
    if isinstance(current, Outcome):
        return current
    process = current.process
    project = next(
        (p for p in sms_ballot_projects(process, ctx.resident) if p.short_code == code), None
    )
    if project is None:
        return _out(Kind.INFO, replies.no_such_project_text(code))
    return _out(
        Kind.INFO,
        replies.info_text(
            code=project.short_code,
            title=project.title,
            cost=money(project.cost, process.currency),
            pot=project.pot.name,
            description=project.description,
        ),
    )


def _vote(ctx: Context, command: Command) -> Outcome:
    current = _current(ctx, command)
    if isinstance(current, Outcome):
        return current
    if current is None or not current.voting_open:
        ideas_open = current is not None and current.ideas_open
        return _out(Kind.VOTE, replies.no_vote_open_text(ideas_open=ideas_open))
    process = current.process
    numbers = parse_numbers(command.rest)
    if numbers.unreadable:
        return _out(Kind.VOTE, replies.vote_unreadable_text(numbers.unreadable))
    if not numbers.items:
        return _out(Kind.VOTE, replies.vote_usage_text())
    codes = [code for code, _points in numbers.items]
    # By short code: ballot_cast finds the projects (one query for both) and explains an
    # unknown code, or another neighbourhood's project, in the same words as the web.
    cumulative = process.ballot_type == BallotType.CUMULATIVE
    choices = [
        Choice(short_code=code, points=(points or 1) if cumulative else 1)
        for code, points in numbers.items
    ]
    try:
        # The webhook locked the resident for the whole text (sms_receive).
        result = ballot_cast(
            resident=ctx.resident,
            process=process,
            choices=choices,
            channel=Channel.SMS,
            resident_locked=True,
        )
    except BallotInvalid as exc:
        unknown = [p for p in exc.problems if p.code == "unknown_project"]
        # An unknown number is the one thing to fix first: say only that.
        texts = [replies.vote_invalid_text([p.message() for p in unknown or exc.problems])]
        if any(p.code == "neighbourhood_needed" for p in exc.problems):
            texts.append(_ask_neighbourhood(ctx))
        return _out(Kind.VOTE, *texts)
    return _out(Kind.VOTE, _vote_confirmation(process, codes, result), _maybe_ask_age(ctx))


def _vote_confirmation(process: Process, codes: list[int], result: CastResult) -> str:
    """The confirmation of an accepted ballot. The ballot is already written: if the
    full text cannot be rendered (a bad translation, say), fall back to the minimal
    one with the receipts rather than fail the whole text and lose the vote."""
    receipts = [receipt_display(r.receipt) for r in result.receipts]
    try:
        return replies.vote_recorded_text(
            codes=codes,
            pots=[
                replies.PotConfirmation(
                    pot=r.pot_name,
                    total=money(r.total_cost, process.currency),
                    remaining=money(r.remaining, process.currency),
                    receipt=receipt_display(r.receipt),
                )
                for r in result.receipts
            ],
            replaced=result.replaced_previous,
        )
    except Exception:
        logger.exception("vote confirmation could not be rendered; sent the minimal one")
        return replies.vote_recorded_minimal_text(receipts)


def _age_bands() -> tuple[str, ...]:
    """The city's age bands (the web's /me/about-you/ offers the same), in the order
    the question numbers them; read at each text, as the city sets them."""
    return tuple(DEMOGRAPHIC_QUESTIONS.get(PENDING_AGE, ()))


def _maybe_ask_age(ctx: Context) -> str:
    if "age_band" in ctx.resident.demographics or ctx.conversation.demographics_asked_at:
        return ""
    bands = _age_bands()
    if not bands:  # the city asks no age
        return ""
    _update(ctx, pending=PENDING_AGE, demographics_asked_at=timezone.now())
    return replies.age_question_text(bands)


def _age_band(text: str) -> str | None:
    bands = _age_bands()
    number, rest = parse_first_number(text)
    if number is None or rest or not 1 <= number <= len(bands):
        return None
    return bands[number - 1]


def _record_age(ctx: Context, band: str) -> Outcome:
    try:
        resident_record_demographics(resident=ctx.resident, answers={"age_band": band})
    except ParticipationError as exc:
        return _out(Kind.AGE, replies.refused_text(str(exc)))
    return _out(Kind.AGE, replies.thanks_text())


def _age(ctx: Context, command: Command) -> Outcome:
    if not _age_bands():  # the city asks no age
        return _out("unknown", replies.unknown_text())
    band = _age_band(command.rest)
    if band is None:
        return _out(Kind.AGE, replies.age_usage_text(_age_bands()))
    if ctx.conversation.pending == PENDING_AGE:
        _update(ctx, pending="")
    return _record_age(ctx, band)


def _idea(ctx: Context, command: Command) -> Outcome:
    text = command.rest
    if not text:
        return _out(Kind.IDEA, replies.idea_usage_text())
    process = _ideas_process(ctx, command)
    if isinstance(process, Outcome):
        return process
    if process is None:
        return _out(Kind.IDEA, replies.ideas_closed_text())
    if ctx.resident.neighbourhood_id is None and Neighbourhood.objects.exists():
        # Keep the idea and ask where it is for; the answer submits it.
        _update(ctx, pending_text=text)
        return _out(Kind.IDEA, _ask_neighbourhood(ctx, for_idea=True))
    return _out(Kind.IDEA, _submit_idea(ctx, process, text))


def _idea_title(text: str) -> str:
    first = text.split(". ", 1)[0]
    if len(first) <= IDEA_TITLE_CHARS:
        return first.rstrip(".")
    cut = first[: IDEA_TITLE_CHARS - 3]
    space = cut.rfind(" ")
    return (cut[:space] if space > IDEA_TITLE_CHARS // 2 else cut).rstrip(" ,;:.") + "..."


def _submit_idea(ctx: Context, process: Process, text: str) -> str:
    try:
        with transaction.atomic():
            proposal = proposal_submit(
                author=ctx.resident,
                process=process,
                title=_idea_title(text)[:TITLE_MAX],
                body=text,
                channel=Channel.SMS,
                neighbourhood=ctx.resident.neighbourhood,
                language=ctx.resident.language,
            )
    except ParticipationError as exc:
        return replies.refused_text(str(exc))
    return replies.idea_received_text(proposal.pk)


def _comment(ctx: Context, command: Command) -> Outcome:
    """COMMENT I12 text (idea I12) or COMMENT 5 text (project 5, the number LIST shows:
    its discussion is its source idea's). One numbering: a bare number is never an idea."""
    ref, text = parse_item_ref(command.rest)
    if ref is None or not text:
        return _out(Kind.COMMENT, replies.comment_usage_text())
    proposal_id = ref.number
    if not ref.idea:
        current = _current(ctx, command)
        if isinstance(current, Outcome):
            return current
        project = (
            projects_on_ballot(current.process).filter(short_code=ref.number).first()
            if current is not None
            else None
        )
        if project is None:
            return _out(Kind.COMMENT, replies.no_such_project_text(ref.number))
        if project.source_proposal_id is None:
            return _out(Kind.COMMENT, replies.project_no_discussion_text(ref.number))
        proposal_id = project.source_proposal_id
    # The same fetch-and-authorise as the web page: an idea under review is "no such
    # idea" to everyone but its author, never confirmed to exist.
    proposal = proposal_for_resident(pk=proposal_id, resident=ctx.resident)
    if proposal is None:
        if not ref.idea:
            return _out(Kind.COMMENT, replies.project_no_discussion_text(ref.number))
        return _out(Kind.COMMENT, replies.no_such_idea_text(proposal_id))
    try:
        with transaction.atomic():
            comment = comment_post(
                author=ctx.resident, proposal=proposal, body=text, channel=Channel.SMS
            )
    except ParticipationError as exc:
        return _out(Kind.COMMENT, replies.refused_text(str(exc)))
    if comment.status == CommentStatus.PENDING:
        return _out(Kind.COMMENT, replies.comment_pending_text(proposal_id))
    if ref.idea:
        return _out(Kind.COMMENT, replies.comment_posted_text(proposal_id))
    return _out(Kind.COMMENT, replies.project_comment_posted_text(ref.number))


def _flag(ctx: Context, command: Command) -> Outcome:
    """FLAG I12 [why]: report idea I12 to the moderators, through the same service and
    limits as the web's Report button. An unpublished idea is "no such idea".
    FLAG takes ideas only, so the bare "FLAG 12" that older replies taught still means
    idea I12 (the idea numbering of LIST, INFO and COMMENT)."""
    ref, reason = parse_item_ref(command.rest)
    if ref is None:
        return _out(Kind.FLAG, replies.flag_usage_text())
    proposal_id = ref.number
    proposal = proposal_for_resident(pk=proposal_id, resident=None)
    if proposal is None:
        return _out(Kind.FLAG, replies.no_such_idea_text(proposal_id))
    try:
        with transaction.atomic():
            result = flag_raise(
                resident=ctx.resident, proposal=proposal, reason=reason, channel=Channel.SMS
            )
    except ParticipationError as exc:
        if exc.code == "not_found":
            return _out(Kind.FLAG, replies.no_such_idea_text(proposal_id))
        return _out(Kind.FLAG, replies.refused_text(str(exc)))
    return _out(Kind.FLAG, replies.flag_recorded_text(proposal_id, again=not result.new))


def _lang(ctx: Context, command: Command) -> Outcome:
    language = parse_language(command.rest)
    if language is None:
        return _out(Kind.LANG, replies.language_usage_text())
    try:
        resident_set_language(resident=ctx.resident, language=language)
    except ParticipationError:
        return _out(Kind.LANG, replies.language_usage_text())
    with translation.override(language):
        return _out(Kind.LANG, replies.language_set_text())


def _check(ctx: Context, command: Command) -> Outcome:
    code = receipt_normalise(command.rest)
    if not code:
        return _out(Kind.CHECK, replies.check_usage_text())
    shown = receipt_display(code)[:16]
    status = receipt_status(code)
    if status is None:
        return _out(Kind.CHECK, replies.check_unknown_text(shown))
    if status.voided_at is not None:
        return _out(
            Kind.CHECK, replies.check_voided_text(receipt=shown, voided_at=status.voided_at)
        )
    if status.counted:
        return _out(
            Kind.CHECK,
            replies.check_counted_text(receipt=shown, pot=status.pot_name, cast_at=status.cast_at),
        )
    return _out(
        Kind.CHECK,
        replies.check_replaced_text(
            receipt=shown,
            replaced_at=status.replaced_at or status.cast_at,
            on_paper=status.replaced_by_channel == Channel.PAPER,
        ),
    )


def _follow(ctx: Context, command: Command) -> Outcome:
    # A project still on a ballot is looked up in the process this resident's texts are
    # about: never the latest one picked silently when several are open.
    choice = choose_process(
        resident=ctx.resident, conversation=ctx.conversation, kind=PhaseKind.VOTING
    )
    return _out(command.kind, follow_handler(ctx.resident, command, current=choice.process))


def _not_here(ctx: Context, command: Command) -> Outcome:  # pragma: no cover - guarded
    # STOP and START are handled before dispatch (sms_receive), whatever the state.
    raise RuntimeError(f"{command.kind} must be handled before dispatch")


HANDLERS: dict[Kind, Callable[[Context, Command], Outcome]] = {
    Kind.HELP: _help,
    Kind.LIST: _list,
    Kind.INFO: _info,
    Kind.VOTE: _vote,
    Kind.IDEA: _idea,
    Kind.COMMENT: _comment,
    Kind.LANG: _lang,
    Kind.CHECK: _check,
    Kind.AREA: _area,
    Kind.AGE: _age,
    Kind.MORE: _more,
    Kind.TEXT: _text,
    Kind.EMPTY: _text,
    Kind.FOLLOW: _follow,
    Kind.UNFOLLOW: _follow,
    Kind.PROCESS: _process,
    Kind.FLAG: _flag,
    Kind.STOP: _not_here,
    Kind.START: _not_here,
}


# Texts that may answer or continue a pending question; any other keyword drops it.
_KEEP_QUESTION = frozenset({Kind.TEXT, Kind.EMPTY, Kind.AGE, Kind.MORE, Kind.AREA, Kind.PROCESS})


def dispatch(ctx: Context, command: Command) -> Outcome:
    """Run ``command`` for the resident in ``ctx``. Questions are optional: a keyword
    other than an answer drops a pending age or neighbourhood question (an idea waiting
    for its neighbourhood stays pending: the resident asked for it to be submitted)."""
    conversation = ctx.conversation
    if command.kind not in _KEEP_QUESTION and conversation.pending in (
        PENDING_AGE,
        PENDING_NEIGHBOURHOOD,
        PENDING_PROCESS,
    ):
        more = "" if conversation.more.startswith(MORE_NEIGHBOURHOODS) else conversation.more
        held = "" if conversation.pending == PENDING_PROCESS else conversation.pending_text
        _update(ctx, pending="", pending_text=held, more=more)
    return HANDLERS[command.kind](ctx, command)
