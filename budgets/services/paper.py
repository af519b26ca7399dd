"""Paper ballots, entered by staff: the one service behind the poll-worker screen and
``manage.py paper_ballots_import``. Every ballot goes through ``ballot_cast`` with
channel ``paper``, so paper ballots meet the same rules and count in every figure.

- The voter is identified by a printed voter code, by the phone they vote by SMS or on
  the web with, or by an identity the poll worker checked (an ID number, or a name and
  an address), kept only as a keyed hash.
- A voter already entered on paper is refused ("already entered on paper at ...");
  a supervisor voids the earlier entry (``paper_ballot_void``), then it is entered again.
- A paper ballot replaces the voter's earlier web or SMS ballot in the pots it covers
  (``ballot_cast`` replaces in place; the old receipt then reads "replaced by a paper
  ballot"); a paper ballot is final, later web or SMS casts there are refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from budgets.ballot_validation import BallotProblem, Choice
from budgets.models import Ballot, BallotVoid
from budgets.pseudonyms import ballot_pseudonym
from budgets.services.ballots import BallotInvalid, CastResult, ballot_cast
from core.models import BallotType, Channel, Process
from maps.models import Neighbourhood
from participation.errors import ParticipationError
from participation.identity import (
    InvalidPhoneNumber,
    phone_hash,
    phone_normalise,
    voter_code_normalise,
)
from participation.models import ParticipationKind, Resident
from participation.selectors import resident_for_checked_identity_find, resident_for_voter_code
from participation.services.audit_trail import audit_trail_write
from participation.services.participation_record import (
    participation_forget_vote,
    participation_record,
)
from participation.services.residents import resident_for_checked_identity, resident_for_phone
from participation.staff_permissions import staff_require

ENTER_PERMISSION = "budgets.enter_paper_ballots"
VOID_PERMISSION = "budgets.void_paper_ballots"
_MARK = re.compile(r"^#?(\d{1,6})(?::(\d{1,4}))?$")


class PaperEntryRefused(Exception):
    """The entry was refused before any ballot rule was checked: the voter is unknown,
    already entered, or the void is not possible. ``message`` is for staff."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class PaperVoter:
    """Who a paper ballot is from: a printed ``voter_code``; the ``phone`` the voter
    texts or signs in with (the poll worker checks it is theirs, e.g. with a sign-in
    code sent to it: that is how a paper ballot finds their SMS or web ballot); or an
    identity the poll worker checked (``id_number``, or ``name`` and ``address``).
    ``neighbourhood``: where a checked voter seen for the first time lives (their
    neighbourhood pot)."""

    voter_code: str = ""
    phone: str = ""
    name: str = ""
    address: str = ""
    id_number: str = ""
    neighbourhood: Neighbourhood | None = None
    # A voter the entry point identified a moment ago by their voter code (the kiosk,
    # which keeps the resident's id rather than the code while they vote).
    resident_id: int | None = None


@dataclass(frozen=True)
class PaperEntry:
    cast: CastResult
    # The voter had a web or SMS ballot that this paper ballot replaced.
    replaced_online: bool


def paper_choices(process: Process, marks: Sequence[tuple[int, int | None]]) -> list[Choice]:
    """Project numbers as written on paper (with points on cumulative ballots, in rank
    order on ranked ones) to ballot choices. Unknown numbers raise BallotInvalid with
    the same problem the web and SMS show."""
    by_code = dict(
        process.projects.filter(withdrawn=False, short_code__in=[c for c, _p in marks]).values_list(
            "short_code", "pk"
        )
    )
    unknown = [str(code) for code in dict.fromkeys(c for c, _p in marks) if code not in by_code]
    if unknown:
        raise BallotInvalid([BallotProblem("unknown_project", {"codes": ", ".join(unknown)})])
    cumulative = process.ballot_type == BallotType.CUMULATIVE
    return [
        Choice(project_id=by_code[code], points=(points or 1) if cumulative else 1)
        for code, points in marks
    ]


def _resident(process: Process, voter: PaperVoter, *, create: bool) -> Resident:
    if voter.resident_id is not None or voter.voter_code.strip():
        if voter.resident_id is not None:
            resident = Resident.objects.filter(
                pk=voter.resident_id, voter_code_hash__isnull=False
            ).first()
        else:
            resident = resident_for_voter_code(code=voter.voter_code)
        if resident is None:
            raise PaperEntryRefused("unknown_code", _("There is no voter code like that."))
        if resident.voter_code_process_id not in (None, process.pk):
            raise PaperEntryRefused(
                "other_process", _("That voter code was issued for another vote.")
            )
        return resident
    if voter.phone.strip():
        try:
            e164 = phone_normalise(voter.phone)
        except InvalidPhoneNumber as exc:
            raise PaperEntryRefused("bad_phone", str(exc)) from None
        if not create:
            found = Resident.objects.filter(phone_hash=phone_hash(e164)).first()
            if found is None:
                raise PaperEntryRefused("unknown_voter", _("No paper entry for that voter."))
            return found
        resident, _created = resident_for_phone(e164=e164, channel=Channel.PAPER)
        return resident
    if not create:
        found = resident_for_checked_identity_find(
            name=voter.name, address=voter.address, id_number=voter.id_number
        )
        if found is None:
            raise PaperEntryRefused("unknown_voter", _("No paper entry for that voter."))
        return found
    try:
        resident, _created = resident_for_checked_identity(
            name=voter.name,
            address=voter.address,
            id_number=voter.id_number,
            neighbourhood=voter.neighbourhood,
        )
    except ParticipationError as exc:
        raise PaperEntryRefused(exc.code, str(exc)) from None
    return resident


def _counted_ballots(process: Process, resident: Resident) -> list[Ballot]:
    """This resident's counted ballots in ``process``, found through the per-pot
    pseudonyms (the only link); only for the staff act at hand, never listed."""
    voters = [
        ballot_pseudonym(resident_id=resident.pk, pot_id=pot_id)
        for pot_id in process.pots.values_list("pk", flat=True)
    ]
    return list(
        Ballot.objects.counted().filter(process=process, voter__in=voters).order_by("cast_at")
    )


def _when(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def paper_ballot_enter(
    *,
    process: Process,
    voter: PaperVoter,
    marks: Sequence[tuple[int, int | None]],
    actor: Any,
    via: str = "",
) -> PaperEntry:
    """Enter one paper ballot: (short code, points) marks as written on it.

    Raises PaperEntryRefused (unknown or foreign voter code, already entered on paper)
    or BallotInvalid (every broken ballot rule, as the web shows them). ``actor`` needs
    ``budgets.enter_paper_ballots`` (None: the command line). One transaction, under
    the voter's row lock: two workers entering the same code at once enter it once.
    Audited without the voter's identity; ``via`` names the entry point (a kiosk)."""
    staff_require(actor, ENTER_PERMISSION)
    with transaction.atomic():
        resident = _resident(process, voter, create=True)
        Resident.objects.select_for_update().filter(pk=resident.pk).first()
        earlier = _counted_ballots(process, resident)
        on_paper = [b for b in earlier if b.channel == Channel.PAPER]
        if on_paper:
            raise PaperEntryRefused(
                "already_entered",
                _("Already entered on paper at %(when)s.") % {"when": _when(on_paper[0].cast_at)},
            )
        choices = paper_choices(process, marks)
        result = ballot_cast(
            resident=resident, process=process, choices=choices, channel=Channel.PAPER
        )
        # The poll worker checked the voter (code, phone or identity): verified on paper.
        participation_record(
            process=process,
            resident=resident,
            kind=ParticipationKind.VERIFIED,
            channel=Channel.PAPER,
        )
        cast_pots = {r.pot_id for r in result.receipts}
        replaced_online = any(b.pot_id in cast_pots for b in earlier)
        audit_trail_write(
            actor=actor,
            action="paper.enter",
            object_type="process",
            object_id=process.pk,
            data={
                "pots": sorted(cast_pots),
                "replaced_online": replaced_online,
                **({"via": via} if via else {}),
            },
        )
    return PaperEntry(cast=result, replaced_online=replaced_online)


def paper_voter_ready(*, process: Process, voter: PaperVoter) -> Resident:
    """The known voter (a voter code of this process, or a found checked identity or
    phone) who has no counted paper ballot here yet: what a kiosk checks before it
    shows the voter a ballot. Raises PaperEntryRefused as ``paper_ballot_enter`` does;
    ``paper_ballot_enter`` checks it all again, under the voter's row lock."""
    resident = _resident(process, voter, create=False)
    on_paper = [b for b in _counted_ballots(process, resident) if b.channel == Channel.PAPER]
    if on_paper:
        raise PaperEntryRefused(
            "already_entered",
            _("Already entered on paper at %(when)s.") % {"when": _when(on_paper[0].cast_at)},
        )
    return resident


def kiosk_open(*, process: Process, actor: Any) -> None:
    """A poll worker turns a browser into a kiosk for ``process``: residents then vote
    there themselves with their voter code, each ballot entered through
    ``paper_ballot_enter`` on the poll worker's authority. Needs
    ``budgets.enter_paper_ballots``; audited (which process, who, when)."""
    staff_require(actor, ENTER_PERMISSION)
    audit_trail_write(
        actor=actor, action="kiosk.open", object_type="process", object_id=process.pk, data={}
    )


def paper_ballot_void(*, process: Process, voter: PaperVoter, actor: Any, reason: str) -> int:
    """A supervisor voids a voter's paper entry (a mistake, a ballot entered for the
    wrong person) so it can be entered again. Returns how many pot ballots were voided.

    Void means: the ballot stops counting everywhere (``voided_at``; its selections are
    deleted, so no query can count them), its receipt reads "voided" (a BallotVoid row),
    and the row stays for the re-entry to reuse. Only before results are published;
    ``reason`` is required and kept in the audit log. ``actor`` needs
    ``budgets.void_paper_ballots``."""
    staff_require(actor, VOID_PERMISSION)
    reason = " ".join((reason or "").split())
    if not reason:
        raise PaperEntryRefused("reason_required", _("Give the reason for voiding the entry."))
    with transaction.atomic():
        locked = Process.objects.select_for_update().get(pk=process.pk)
        if locked.results_published_at is not None:
            raise PaperEntryRefused(
                "published", _("Results are published: paper entries can no longer be voided.")
            )
        resident = _resident(process, voter, create=False)
        Resident.objects.select_for_update().filter(pk=resident.pk).first()
        paper = [b for b in _counted_ballots(process, resident) if b.channel == Channel.PAPER]
        if not paper:
            raise PaperEntryRefused("not_entered", _("No paper entry for that voter."))
        now = timezone.now()
        for ballot in paper:
            BallotVoid.objects.create(ballot=ballot, receipt=ballot.receipt, voided_at=now)
            ballot.selections.all().delete()
            ballot.voided_at = now
            ballot.save(update_fields=["voided_at"])
        if not _counted_ballots(process, resident):
            participation_forget_vote(process=process, resident=resident)
        audit_trail_write(
            actor=actor,
            action="paper.void",
            object_type="process",
            object_id=process.pk,
            data={"ballots": [b.pk for b in paper], "reason": reason},
        )
    return len(paper)


# --- batch import ---------------------------------------------------------------------


@dataclass(frozen=True)
class PaperLine:
    """One line of an import file: its line number, the voter code, the marks (or why
    they could not be read)."""

    line: int
    voter_code: str
    marks: tuple[tuple[int, int | None], ...] = ()
    unreadable: str = ""


@dataclass(frozen=True)
class LineProblem:
    line: int
    message: str


class PaperImportRejected(Exception):
    """Nothing was imported; ``problems`` names every bad line with its reason."""

    def __init__(self, problems: Sequence[LineProblem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(f"line {p.line}: {p.message}" for p in self.problems))


@dataclass(frozen=True)
class PaperImportSummary:
    imported: int
    replaced_online: int


def paper_marks(process: Process, text: str) -> tuple[tuple[int, int | None], ...]:
    """The projects cell of an import line: space-separated short codes; ``code:points``
    on cumulative ballots; rank order on ranked ones. ValueError says what is wrong."""
    cumulative = process.ballot_type == BallotType.CUMULATIVE
    marks: list[tuple[int, int | None]] = []
    for token in text.split():
        match = _MARK.match(token)
        if match is None:
            raise ValueError(_("%(token)s is not a project number.") % {"token": token[:20]})
        points = match.group(2)
        if cumulative and points is None:
            raise ValueError(
                _("Write points as number:points (%(token)s).") % {"token": token[:20]}
            )
        if not cumulative and points is not None:
            raise ValueError(
                _("Points are only for cumulative ballots (%(token)s).") % {"token": token[:20]}
            )
        marks.append((int(match.group(1)), int(points) if points is not None else None))
    return tuple(marks)


def paper_ballots_import(
    *, process: Process, lines: Iterable[PaperLine], actor: Any
) -> PaperImportSummary:
    """Enter a batch of paper ballots, all or nothing.

    Every line goes through ``paper_ballot_enter`` (in its own savepoint, so each line
    is checked against the ones before it); a voter code repeated in the file, an
    unknown code, an unreadable or invalid ballot or a voter already entered on paper
    is a problem of its line. If any line has one, nothing is imported and
    PaperImportRejected names every bad line with its reason."""
    staff_require(actor, ENTER_PERMISSION)
    problems: list[LineProblem] = []
    seen: dict[str, int] = {}
    imported = replaced = 0
    with transaction.atomic():
        for item in lines:
            code = voter_code_normalise(item.voter_code)
            if not code:
                problems.append(LineProblem(item.line, _("The voter code is missing.")))
                continue
            if code in seen:
                problems.append(
                    LineProblem(
                        item.line,
                        _("This voter code is already on line %(line)d.") % {"line": seen[code]},
                    )
                )
                continue
            seen[code] = item.line
            if item.unreadable:
                problems.append(LineProblem(item.line, item.unreadable))
                continue
            try:
                with transaction.atomic():
                    entry = paper_ballot_enter(
                        process=process,
                        voter=PaperVoter(voter_code=item.voter_code),
                        marks=item.marks,
                        actor=actor,
                    )
            except PaperEntryRefused as exc:
                problems.append(LineProblem(item.line, exc.message))
                continue
            except BallotInvalid as exc:
                problems.append(LineProblem(item.line, " ".join(p.message() for p in exc.problems)))
                continue
            imported += 1
            replaced += entry.replaced_online
        if problems:
            # Leaving the atomic block by an exception rolls back every line entered.
            raise PaperImportRejected(problems)
        if imported == 0:
            raise PaperImportRejected([LineProblem(1, _("The file has no ballots."))])
    return PaperImportSummary(imported=imported, replaced_online=replaced)
