"""``ballot_cast`` is the only way a live ballot is written: the web ballot page, the
SMS ``VOTE`` command, staff paper entry and the API all call it."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from budgets.ballot_limits import ballot_limits
from budgets.ballot_validation import BallotProblem, Choice, ballot_problems
from budgets.cast_frame import (
    CastFrame,
    cast_frame_from,
    cast_frame_of,
    cast_frame_params,
    cast_frame_sql,
    listed_rows,
)
from budgets.models import Ballot, CastLog, Pot, Project, Selection
from budgets.pseudonyms import ballot_pseudonym
from budgets.receipts import receipt_new
from budgets.selectors import process_turnout
from core.db_pipeline import writes_pipelined
from core.live import broadcast_on_commit
from core.models import BallotType, Channel, Phase, PhaseState, Process
from core.sql_rows import ModelColumns, insert_rows, quoted, string_agg
from participation.identity import phone_is_test
from participation.models import ParticipationKind, Resident
from participation.services.participation_record import participation_record

logger = logging.getLogger(__name__)


class BallotInvalid(Exception):
    """The cast was refused; ``problems`` says every reason, for the caller to render."""

    def __init__(self, problems: Sequence[BallotProblem]) -> None:
        super().__init__("; ".join(p.code for p in problems))
        self.problems = list(problems)


@dataclass(frozen=True)
class PotReceipt:
    pot_id: int
    pot_name: str
    receipt: str
    replaced_previous: bool
    total_cost: Decimal
    remaining: Decimal
    project_codes: tuple[int, ...]
    # (short code, title) of each chosen project, in ballot order: the confirmation
    # renders from these, never by reading the database again after the commit.
    projects: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True)
class CastResult:
    receipts: tuple[PotReceipt, ...]
    cast_at: datetime
    # The voter as the cast read them (under the lock): a caller that passed an id
    # renders with it, without another query.
    resident: Resident

    @property
    def replaced_previous(self) -> bool:
        return any(r.replaced_previous for r in self.receipts)


def _voting_window_problem(phase: Phase | None, now: datetime) -> BallotProblem | None:
    state = phase.state_at(now) if phase is not None else PhaseState.UPCOMING
    if state == PhaseState.UPCOMING:
        return BallotProblem("voting_not_open")
    if state == PhaseState.CLOSED:
        return BallotProblem("voting_closed")
    return None


@dataclass(frozen=True)
class _Earlier:
    """The resident's ballot in one pot, as the read after the lock found it."""

    ballot_id: int
    pot_id: int
    channel: str
    counted: bool


@dataclass(frozen=True)
class _Chosen:
    """What the read after the lock found: the chosen projects still on the ballot (with
    their pots), the resident's neighbourhood and phone now, and their ballots in the
    process's pots."""

    projects: Sequence[Project]
    neighbourhood_id: int | None
    phone_e164: str
    earlier: dict[int, _Earlier]


# Read once: ``Choices.values`` builds its list (labels included) on every access.
_CHANNELS = frozenset(Channel.values)
_RESIDENT = ModelColumns(Resident, "r")
# What a cast reads of a chosen project: its place, price and code, and its title in
# every language (the confirmation's). Not its descriptions, in every language too: a
# real city's run to paragraphs, read under the resident's lock for nothing.
_PROJECT = ModelColumns(
    Project,
    "pr",
    only=(
        "process",
        "pot",
        "neighbourhood",
        "short_code",
        "cost",
        "withdrawn",
        *(f.name for f in Project._meta.concrete_fields if f.name.startswith("title")),
    ),
)
_POT = ModelColumns(Pot, "pot")


def _lock_resident(resident_id: int, process: Process) -> tuple[Resident, CastFrame] | None:
    """Lock the resident's row for the transaction; the same statement reads the row and
    the process's cast frame (pots and voting window, which parallel casts never write,
    so the snapshot this statement took before it waited for the lock is good enough
    for them). None if the resident is gone. Casts, paper entries and voids of one
    resident all take this lock.

    Hand-written SQL (``core.sql_rows``): the ORM took longer to build this statement
    than PostgreSQL takes to run it."""
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    with connection.cursor() as cursor:
        cursor.execute(
            # Only our own table and column names are formatted in; values are parameters.
            f"SELECT {_RESIDENT.sql}, {cast_frame_sql(connection)} "  # noqa: S608
            f"FROM {quoted(Resident._meta.db_table)} r WHERE r.id = %s{lock}",
            [*cast_frame_params(process.pk), resident_id],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    resident = _RESIDENT.instance(row, connection)
    assert isinstance(resident, Resident)
    return resident, cast_frame_from(row[_RESIDENT.width :], process, connection)


def _frame_read(process: Process) -> CastFrame:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {cast_frame_sql(connection)}", cast_frame_params(process.pk))
        row = cursor.fetchone()
    return cast_frame_from(row, process, connection)


def _read_chosen(
    *, resident_id: int, process: Process, pot_ids: Iterable[int], choices: Sequence[Choice]
) -> _Chosen:
    """One query, a new statement after the lock (so its snapshot is taken after the
    lock was granted and sees a ballot a parallel cast of this resident committed while
    this one waited): the chosen projects with their pots, and on each row the
    resident's neighbourhood and phone and their ballots in ``pot_ids`` (found by their
    pseudonyms). Hand-written SQL, as the lock's."""
    by_id = [c.project_id for c in choices if c.short_code is None]
    by_code = [c.short_code for c in choices if c.short_code is not None]
    picked = [
        f"pr.{column} IN ({', '.join(['%s'] * len(values))})"
        for column, values in (("id", by_id), ("short_code", by_code))
        if values
    ]
    if not picked:
        # Nothing chosen: the cast is refused, nothing is read or written.
        return _Chosen([], None, "", {})
    mine = [(pot, ballot_pseudonym(resident_id=resident_id, pot_id=pot)) for pot in pot_ids]
    earlier = " OR ".join(["(b.pot_id = %s AND b.voter = %s)"] * len(mine)) or "1 = 0"
    listed_ballots = string_agg(
        connection,
        "CAST(b.pot_id AS TEXT) || ':' || CAST(b.id AS TEXT) || ':' || b.channel || ':' || "
        "CASE WHEN b.voided_at IS NULL THEN '1' ELSE '0' END",
    )
    resident = quoted(Resident._meta.db_table)
    # Only our own table and column names are formatted in; values are parameters.
    sql = (
        f"SELECT {_PROJECT.sql}, {_POT.sql}, "  # noqa: S608
        f"(SELECT {listed_ballots} FROM {quoted(Ballot._meta.db_table)} b WHERE {earlier}), "
        f"(SELECT v.neighbourhood_id FROM {resident} v WHERE v.id = %s), "
        f"(SELECT v.phone_e164 FROM {resident} v WHERE v.id = %s) "
        f"FROM {quoted(Project._meta.db_table)} pr "
        f"JOIN {quoted(Pot._meta.db_table)} pot ON pot.id = pr.pot_id "
        f"WHERE pr.process_id = %s AND pr.withdrawn = %s AND ({' OR '.join(picked)}) "
        "ORDER BY pr.short_code"
    )
    params = [
        *(value for pair in mine for value in pair),
        resident_id,
        resident_id,
        process.pk,
        False,
        *by_id,
        *by_code,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        # Nothing chosen is on the ballot: the cast is refused, nothing is written.
        return _Chosen([], None, "", {})
    projects = []
    for row in rows:
        project = _PROJECT.instance(row, connection)
        assert isinstance(project, Project)
        _POT_OF_PROJECT.set_cached_value(project, _POT.instance(row, connection, _PROJECT.width))
        projects.append(project)
    ballots_listed, neighbourhood_id, phone = rows[0][_PROJECT.width + _POT.width :]
    found = {}
    for pot, ballot, channel, counted in listed_rows(ballots_listed):
        found[int(pot)] = _Earlier(int(ballot), int(pot), channel, counted=counted == "1")
    return _Chosen(projects, neighbourhood_id, phone or "", found)


_POT_OF_PROJECT = Project._meta.get_field("pot")


def ballot_cast(
    *,
    resident: Resident | int,
    process: Process,
    choices: Sequence[Choice],
    channel: str,
    resident_locked: bool = False,
) -> CastResult:
    """Validate and record ``resident``'s ballot, replacing any earlier one.

    - Validates every rule of the process (phase window by the server clock, projects,
      counts, budget cap, points) and raises BallotInvalid with all problems found.
    - Choices may span several pots (a city-wide pot and the resident's neighbourhood
      pot): one ballot per pot is written; re-casting replaces only the pots cast now.
    - ``resident`` may be an id (a web session's): the resident is then read once, by
      the lock, and returned in the result. Raises Resident.DoesNotExist if they are
      gone.
    - Concurrency: the resident's row is locked (SELECT ... FOR UPDATE) for the whole
      transaction, so casts by one resident are serialised; the (pot, voter) unique
      constraint stops a second counted ballot even if this lock were bypassed. The
      earlier ballots, like the resident's neighbourhood the rules use, are read by a
      statement after the lock's, never by the lock's own (whose snapshot predates its
      wait for the lock). ``resident_locked``: the caller took that lock itself,
      earlier in the current transaction (the SMS webhook, whose lock serialises all of
      one number's texts); the cast then takes none.
    - Cost: a fixed number of queries whatever the number of pots and choices (the
      lock with the pots and voting window, the projects with the earlier ballots, then
      one statement per table written; with ``resident_locked`` and a process that
      carries its frame (``cast_frame_attach``), no lock and no frame read); the
      result carries everything a confirmation shows.
    - Side effects (turnout event) are scheduled on commit only, and sent off the
      request path (core.live).
    """
    if channel not in _CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    if resident_locked and not (isinstance(resident, Resident) and connection.in_atomic_block):
        raise ValueError("resident_locked needs the Resident, locked in the current transaction")
    resident_id = resident.pk if isinstance(resident, Resident) else resident
    # No savepoint inside a caller's transaction (the SMS webhook's): nothing is written
    # unless every rule passed, and a refusal leaves the block normally and is raised
    # after it, so the caller's transaction stays usable for its reply.
    with transaction.atomic(savepoint=False):
        locked: tuple[Resident, CastFrame] | None
        if resident_locked:
            assert isinstance(resident, Resident)
            locked = (resident, cast_frame_of(process) or _frame_read(process))
        else:
            locked = _lock_resident(resident_id, process)
        if locked is not None:
            voter, frame = locked
            receipts, problems, now = _cast_locked(
                resident_id=resident_id,
                process=process,
                frame=frame,
                choices=choices,
                channel=channel,
            )
    # Raised after the block, which they leave normally: a caller's transaction stays
    # usable.
    if locked is None:
        raise Resident.DoesNotExist(f"resident {resident_id} is gone")
    if problems:
        raise BallotInvalid(_dedupe(problems))
    return CastResult(receipts=receipts, cast_at=now, resident=voter)


def _cast_locked(
    *,
    resident_id: int,
    process: Process,
    frame: CastFrame,
    choices: Sequence[Choice],
    channel: str,
) -> tuple[tuple[PotReceipt, ...], list[BallotProblem], datetime]:
    """The cast, under the resident's lock: read the choices and the earlier ballots,
    validate, write. Returns the receipts, or the problems (and nothing written), and
    the moment of the cast."""
    chosen = _read_chosen(
        resident_id=resident_id, process=process, pot_ids=frame.pots, choices=choices
    )
    now = timezone.now()
    window = _voting_window_problem(frame.voting, now)
    if window is not None:
        return (), [window], now
    by_pot, pots, problems = _resolve_choices(
        neighbourhood_id=chosen.neighbourhood_id, projects=chosen.projects, choices=choices
    )
    for pot_id, picked in by_pot.items():
        problems += ballot_problems(process=process, pot=pots[pot_id], chosen=picked)
    if not choices:
        problems.append(BallotProblem("empty"))
    problems += _other_neighbourhood_problems(
        cast_pots=by_pot, pot_neighbourhoods=frame.pots, earlier=chosen.earlier
    )
    problems += _paper_final_problems(cast_pots=by_pot, earlier=chosen.earlier, channel=channel)
    if problems:
        return (), problems, now
    # A reserved test number (the simulator on the real gateway) casts a ballot that
    # goes through every rule and counts nowhere.
    test = phone_is_test(chosen.phone_e164)
    # Every write of the cast in one round trip; nothing here reads what another wrote.
    with writes_pipelined():
        receipts = _write_ballots(
            resident_id=resident_id,
            test=test,
            process=process,
            pots=pots,
            by_pot=dict(sorted(by_pot.items())),
            earlier=chosen.earlier,
            channel=channel,
            now=now,
        )
        if not test:
            # One row per resident and day whatever the pots: turnout counts residents.
            participation_record(
                process=process, resident=resident_id, kind=ParticipationKind.VOTE, channel=channel
            )
    broadcast_on_commit(
        process.pk,
        lambda: {"kind": "turnout", "data": {"ballots": process_turnout(process)}},
        coalesce="turnout",
    )
    return receipts, [], now


def _dedupe(problems: list[BallotProblem]) -> list[BallotProblem]:
    seen: set[tuple[str, int | None, tuple[tuple[str, object], ...]]] = set()
    unique = []
    for problem in problems:
        key = (
            problem.code,
            problem.pot_id,
            tuple(sorted((k, str(v)) for k, v in problem.params.items())),
        )
        if key not in seen:
            seen.add(key)
            unique.append(problem)
    return unique


def _resolve_choices(
    *, neighbourhood_id: int | None, projects: Sequence[Project], choices: Sequence[Choice]
) -> tuple[dict[int, list[tuple[Project, int]]], dict[int, Pot], list[BallotProblem]]:
    code_ids = {p.short_code: p.pk for p in projects}
    by_pk = {p.pk: p for p in projects}
    # Every choice by project id from here on (0: no such project).
    ids = [c.project_id if c.short_code is None else code_ids.get(c.short_code, 0) for c in choices]
    pots = {p.pot_id: p.pot for p in projects}
    problems: list[BallotProblem] = []
    unknown = [
        str(c.project_id if c.short_code is None else c.short_code)
        for c, i in zip(choices, ids, strict=True)
        if i not in by_pk
    ]
    if unknown:
        problems.append(
            BallotProblem("unknown_project", {"codes": ", ".join(dict.fromkeys(unknown))})
        )
    counts: dict[int, int] = defaultdict(int)
    for i in ids:
        counts[i] += 1
    dupes = [by_pk[i] for i, n in counts.items() if n > 1 and i in by_pk]
    if dupes:
        problems.append(
            BallotProblem(
                "duplicate_project",
                {"codes": ", ".join(str(p.short_code) for p in dupes)},
                project_ids=tuple(p.pk for p in dupes),
            )
        )
    by_pot: dict[int, list[tuple[Project, int]]] = defaultdict(list)
    seen: set[int] = set()
    for choice, project_id in zip(choices, ids, strict=True):
        project = by_pk.get(project_id)
        if project is None or project.pk in seen:
            continue
        seen.add(project.pk)
        pot = project.pot
        if pot.neighbourhood_id is not None and pot.neighbourhood_id != neighbourhood_id:
            code = "neighbourhood_needed" if neighbourhood_id is None else "wrong_neighbourhood"
            problems.append(
                BallotProblem(
                    code,
                    {"codes": project.short_code, "pot": pot.name},
                    pot_id=pot.pk,
                    project_ids=(project.pk,),
                )
            )
            continue
        by_pot[pot.pk].append((project, choice.points))
    return dict(by_pot), pots, problems


def _other_neighbourhood_problems(
    *,
    cast_pots: Mapping[int, object],
    pot_neighbourhoods: Mapping[int, int | None],
    earlier: Mapping[int, _Earlier],
) -> list[BallotProblem]:
    """A resident who changed neighbourhood must not also vote in the new one's pot:
    one neighbourhood ballot per resident per process."""
    local = {pk for pk in cast_pots if pot_neighbourhoods.get(pk) is not None}
    if not local:
        return []
    for pot_id, ballot in sorted(earlier.items()):
        if pot_neighbourhoods.get(pot_id) is not None and pot_id not in local and ballot.counted:
            name = Pot.objects.filter(pk=pot_id).values_list("name", flat=True).first()
            return [BallotProblem("voted_in_other_neighbourhood", {"pot": name}, pot_id=min(local))]
    return []


def _paper_final_problems(
    *, cast_pots: Mapping[int, object], earlier: Mapping[int, _Earlier], channel: str
) -> list[BallotProblem]:
    """A ballot entered in person is final (as in Estonia, where the paper vote cancels
    the internet one and not the other way round): it was cast before a poll worker who
    checked the voter, a later web or SMS cast was not."""
    if channel == Channel.PAPER:
        return []
    problems = []
    for pot_id in sorted(cast_pots):
        ballot = earlier.get(pot_id)
        if ballot is not None and ballot.counted and ballot.channel == Channel.PAPER:
            cast_at = Ballot.objects.filter(pk=ballot.ballot_id).values_list("cast_at", flat=True)
            problems.append(
                BallotProblem("paper_is_final", {"when": _when(cast_at.get())}, pot_id=pot_id)
            )
    return problems


def _when(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


# The columns a new ballot is inserted with (its id comes back from the INSERT).
_BALLOT_FIELDS = [
    "process_id",
    "pot_id",
    "voter",
    "channel",
    "receipt",
    "cast_at",
    "voided_at",
    "test",
]


def _replace_in_place(
    replaced: Sequence[Ballot], *, channel: str, now: datetime, test: bool
) -> None:
    """Re-cast ballots keep their rows (one per voter and pot): a new receipt each, the
    channel and time of this cast, counted again if voided; their old selections go.
    One UPDATE and one DELETE, hand-written (``core.sql_rows``) like the cast's reads."""
    ballot, selection = quoted(Ballot._meta.db_table), quoted(Selection._meta.db_table)
    keys = [b.pk for b in replaced]
    each = ", ".join(["%s"] * len(keys))
    receipts = " ".join(["WHEN %s THEN %s"] * len(replaced))
    prepared_now = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        cursor.execute(
            # Only our own table and column names are formatted in; values are parameters.
            f"UPDATE {ballot} SET channel = %s, cast_at = %s, voided_at = NULL, "  # noqa: S608
            f"test = %s, receipt = CASE id {receipts} END WHERE id IN ({each})",
            [channel, prepared_now, test, *(v for b in replaced for v in (b.pk, b.receipt)), *keys],
        )
        cursor.execute(f"DELETE FROM {selection} WHERE ballot_id IN ({each})", keys)  # noqa: S608


def _write_ballots(
    *,
    resident_id: int,
    test: bool,
    process: Process,
    pots: Mapping[int, Pot],
    by_pot: Mapping[int, list[tuple[Project, int]]],
    earlier: Mapping[int, _Earlier],
    channel: str,
    now: datetime,
) -> tuple[PotReceipt, ...]:
    """Write one ballot per pot in ``by_pot``: new rows in one INSERT, replaced rows in
    one UPDATE (their old selections in one DELETE), then all selections and all cast
    log rows in one INSERT each. The caller sends them pipelined (``core.db_pipeline``)."""
    fresh: list[Ballot] = []
    replaced: list[Ballot] = []
    receipts: dict[int, str] = {}
    was_counted: dict[int, bool] = {}
    for pot_id in by_pot:
        receipt = receipt_new()
        receipts[pot_id] = receipt
        before = earlier.get(pot_id)
        was_counted[pot_id] = before is not None and before.counted
        ballot = Ballot(
            pk=before.ballot_id if before is not None else None,
            process=process,
            pot=pots[pot_id],
            voter=ballot_pseudonym(resident_id=resident_id, pot_id=pot_id),
            channel=channel,
            receipt=receipt,
            cast_at=now,
            voided_at=None,
            test=test,
        )
        (fresh if before is None else replaced).append(ballot)
    if fresh:
        try:
            keys = insert_rows(
                connection,
                Ballot,
                _BALLOT_FIELDS,
                [[getattr(b, name) for name in _BALLOT_FIELDS] for b in fresh],
                returning_pk=True,
            )
        except IntegrityError:
            # Only reachable if another transaction inserted this voter's ballot without
            # holding the resident lock; the constraint has done its job. Refuse, loudly.
            logger.error("duplicate ballot insert refused by constraint (process %s)", process.pk)
            raise
        for ballot, key in zip(fresh, keys, strict=True):
            ballot.pk = key
            ballot._state.adding = False
    # After the INSERT, whose keys are read (in a pipeline, the first statement: its
    # error is its own, never another's).
    if replaced:
        _replace_in_place(replaced, channel=channel, now=now, test=test)
    ballots = {b.pot_id: b for b in [*fresh, *replaced]}
    ranked = process.ballot_type == BallotType.RANKED
    insert_rows(
        connection,
        Selection,
        ["ballot", "project", "points", "rank"],
        [
            [ballots[pot_id].pk, project.pk, 1 if ranked else points, position if ranked else None]
            for pot_id, chosen in by_pot.items()
            for position, (project, points) in enumerate(chosen, start=1)
        ],
    )
    insert_rows(
        connection,
        CastLog,
        ["ballot", "receipt", "channel", "cast_at"],
        [[ballots[pot_id].pk, receipts[pot_id], channel, now] for pot_id in by_pot],
    )
    result = []
    for pot_id, chosen in by_pot.items():
        pot = pots[pot_id]
        total = sum((p.cost for p, _ in chosen), Decimal(0))
        result.append(
            PotReceipt(
                pot_id=pot_id,
                pot_name=pot.name,
                receipt=receipts[pot_id],
                replaced_previous=was_counted[pot_id],
                total_cost=total,
                remaining=ballot_limits(process, pot).remaining(total),
                project_codes=tuple(p.short_code for p, _ in chosen),
                projects=tuple((p.short_code, p.title) for p, _ in chosen),
            )
        )
    return tuple(result)
