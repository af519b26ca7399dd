"""Which process a text is about when several are open at once.

A text carries no process. With one process open (for voting, or for ideas) that is
the one; with several the conversation never guesses by date. In order:

1. the process the resident chose (``PROCESS 2``, or their answer to the question),
   while it stays open;
2. the only open process that covers the resident's neighbourhood
   (``budgets.selectors.process_covers``), once ``AREA`` has said where they live;
3. otherwise we ask "which vote?", keep the text that needed it, and run it once
   they answer (``sms.commands.dispatcher``).
"""

from __future__ import annotations

from dataclasses import dataclass

from budgets.selectors import process_covers
from core.models import Process
from participation.models import Resident
from sms.commands.parser import fold_word, normalise
from sms.models import SmsConversation
from sms.selectors import sms_open_processes

PENDING_PROCESS = "process"


@dataclass(frozen=True)
class ProcessChoice:
    """``process`` when it is settled; else ``candidates`` are the open ones to ask
    about (empty: none is open)."""

    process: Process | None
    candidates: tuple[Process, ...] = ()


def choose_process(
    *, resident: Resident, conversation: SmsConversation, kind: str
) -> ProcessChoice:
    candidates = sms_open_processes(kind)
    if not candidates:
        return ProcessChoice(None)
    if len(candidates) == 1:
        return ProcessChoice(candidates[0])
    chosen = next((p for p in candidates if p.pk == conversation.process_id), None)
    if chosen is not None:
        return ProcessChoice(chosen)
    if resident.neighbourhood_id is not None:
        covering = [p for p in candidates if process_covers(p, resident.neighbourhood_id)]
        if len(covering) == 1:
            return ProcessChoice(covering[0])
    return ProcessChoice(None, tuple(candidates))


def open_processes(*kinds: str) -> list[Process]:
    """The processes open for any of ``kinds``, each once, in the question's order."""
    seen: dict[int, Process] = {}
    for kind in kinds:
        for process in sms_open_processes(kind):
            seen.setdefault(process.pk, process)
    return sorted(seen.values(), key=lambda p: (p.title.casefold(), p.pk))


def _folded(text: str) -> str:
    return " ".join(fold_word(w) for w in normalise(text).split())


def process_match(text: str, candidates: list[Process] | tuple[Process, ...]) -> Process | None:
    """The process a resident means: its number in ``candidates`` (1-based) or the one
    title that equals, starts with or contains what they typed; None otherwise."""
    wanted = _folded(text)
    if not wanted:
        return None
    if wanted.isdecimal() and len(wanted) <= 3:
        index = int(wanted)
        return candidates[index - 1] if 1 <= index <= len(candidates) else None
    if len(wanted) < 3:
        return None
    titles = [(_folded(p.title), p) for p in candidates]
    for matcher in (
        lambda t: t == wanted,
        lambda t: t.startswith(wanted),
        lambda t: wanted in t,
    ):
        found = [p for t, p in titles if matcher(t)]
        if len(found) == 1:
            return found[0]
        if found:
            return None
    return None
