"""``ballot_cast`` is the only way a live ballot is written: the web ballot page, the
SMS ``VOTE`` command, staff paper entry and the API all call it."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from budgets.ballot_limits import ballot_limits
from budgets.ballot_validation import BallotProblem, Choice, ballot_problems
from budgets.models import Ballot, CastLog, Pot, Project, Selection
from budgets.pseudonyms import ballot_pseudonym
from budgets.receipts import receipt_new
from budgets.selectors import process_turnout
from core.live import broadcast_on_commit
from core.models import BallotType, Channel, PhaseKind, PhaseState, Process
from core.selectors import process_phase
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


@dataclass(frozen=True)
class CastResult:
    receipts: tuple[PotReceipt, ...]
    cast_at: datetime

    @property
    def replaced_previous(self) -> bool:
        return any(r.replaced_previous for r in self.receipts)


def _voting_window_problem(process: Process, now: datetime) -> BallotProblem | None:
    phase = process_phase(process, PhaseKind.VOTING)
    state = phase.state_at(now) if phase is not None else PhaseState.UPCOMING
    if state == PhaseState.UPCOMING:
        return BallotProblem("voting_not_open")
    if state == PhaseState.CLOSED:
        return BallotProblem("voting_closed")
    return None


def ballot_cast(
    *, resident: Resident, process: Process, choices: Sequence[Choice], channel: str
) -> CastResult:
    """Validate and record ``resident``'s ballot, replacing any earlier one.

    - Validates every rule of the process (phase window by the server clock, projects,
      counts, budget cap, points) and raises BallotInvalid with all problems found.
    - Choices may span several pots (a city-wide pot and the resident's neighbourhood
      pot): one ballot per pot is written; re-casting replaces only the pots cast now.
    - Concurrency: the resident's row is locked (SELECT ... FOR UPDATE) for the whole
      transaction, so casts by one resident are serialised; the (pot, voter) unique
      constraint stops a second counted ballot even if this lock were bypassed.
    - Side effects (turnout event) are scheduled on commit only.
    """
    if channel not in Channel.values:
        raise ValueError(f"unknown channel {channel!r}")
    with transaction.atomic():
        Resident.objects.select_for_update().filter(pk=resident.pk).first()
        now = timezone.now()
        window = _voting_window_problem(process, now)
        if window is not None:
            raise BallotInvalid([window])
        by_pot, problems = _resolve_choices(resident=resident, process=process, choices=choices)
        pots = {pot.pk: pot for pot in Pot.objects.filter(pk__in=by_pot)}
        for pot_id, chosen in by_pot.items():
            problems += ballot_problems(process=process, pot=pots[pot_id], chosen=chosen)
        if not choices:
            problems.append(BallotProblem("empty"))
        if problems:
            raise BallotInvalid(_dedupe(problems))
        receipts = tuple(
            _write_pot_ballot(
                resident=resident,
                process=process,
                pot=pots[pot_id],
                chosen=chosen,
                channel=channel,
                now=now,
            )
            for pot_id, chosen in sorted(by_pot.items())
        )
        # One row per resident and day whatever the pots: turnout counts residents.
        participation_record(
            process=process, resident=resident, kind=ParticipationKind.VOTE, channel=channel
        )
        broadcast_on_commit(
            process.pk,
            lambda: {"kind": "turnout", "data": {"ballots": process_turnout(process)}},
        )
    return CastResult(receipts=receipts, cast_at=now)


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
    *, resident: Resident, process: Process, choices: Sequence[Choice]
) -> tuple[dict[int, list[tuple[Project, int]]], list[BallotProblem]]:
    ids = [c.project_id for c in choices]
    projects = {
        p.pk: p
        for p in Project.objects.filter(
            process=process, withdrawn=False, pk__in=ids
        ).select_related("pot")
    }
    problems: list[BallotProblem] = []
    unknown = [str(i) for i in ids if i not in projects]
    if unknown:
        problems.append(BallotProblem("unknown_project", {"codes": ", ".join(unknown)}))
    counts: dict[int, int] = defaultdict(int)
    for i in ids:
        counts[i] += 1
    dupes = [projects[i] for i, n in counts.items() if n > 1 and i in projects]
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
    for choice in choices:
        project = projects.get(choice.project_id)
        if project is None or project.pk in seen:
            continue
        seen.add(project.pk)
        pot = project.pot
        if pot.neighbourhood_id is not None and pot.neighbourhood_id != resident.neighbourhood_id:
            code = (
                "neighbourhood_needed"
                if resident.neighbourhood_id is None
                else "wrong_neighbourhood"
            )
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
    problems += _other_neighbourhood_problems(resident=resident, process=process, pot_ids=by_pot)
    return dict(by_pot), problems


def _other_neighbourhood_problems(
    *, resident: Resident, process: Process, pot_ids: Iterable[int]
) -> list[BallotProblem]:
    """A resident who changed neighbourhood must not also vote in the new one's pot:
    one neighbourhood ballot per resident per process."""
    local = set(pot_ids)
    local &= set(process.pots.exclude(neighbourhood=None).values_list("pk", flat=True))
    if not local:
        return []
    others = list(process.pots.exclude(neighbourhood=None).exclude(pk__in=local))
    if not others:
        return []
    match = Q()
    for pot in others:
        match |= Q(pot=pot, voter=ballot_pseudonym(resident_id=resident.pk, pot_id=pot.pk))
    earlier = Ballot.objects.counted().filter(match).select_related("pot").first()
    if earlier is None:
        return []
    return [
        BallotProblem("voted_in_other_neighbourhood", {"pot": earlier.pot.name}, pot_id=min(local))
    ]


def _when(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _write_pot_ballot(
    *,
    resident: Resident,
    process: Process,
    pot: Pot,
    chosen: list[tuple[Project, int]],
    channel: str,
    now: datetime,
) -> PotReceipt:
    voter = ballot_pseudonym(resident_id=resident.pk, pot_id=pot.pk)
    # A reserved test number (the simulator on the real gateway) casts a ballot that
    # goes through every rule and counts nowhere.
    test = phone_is_test(resident.phone_e164)
    receipt = receipt_new()
    ballot = Ballot.objects.select_for_update().filter(pot=pot, voter=voter).first()
    replaced = ballot is not None and ballot.voided_at is None
    on_paper = ballot is not None and replaced and ballot.channel == Channel.PAPER
    if on_paper and ballot is not None and channel != Channel.PAPER:
        # A ballot entered in person is final (as in Estonia, where the paper vote
        # cancels the internet one and not the other way round): it was cast before a
        # poll worker who checked the voter, a later web or SMS cast was not.
        raise BallotInvalid(
            [BallotProblem("paper_is_final", {"when": _when(ballot.cast_at)}, pot_id=pot.pk)]
        )
    if ballot is None:
        try:
            with transaction.atomic():
                ballot = Ballot.objects.create(
                    process=process,
                    pot=pot,
                    voter=voter,
                    channel=channel,
                    receipt=receipt,
                    cast_at=now,
                    test=test,
                )
        except IntegrityError:
            # Only reachable if another transaction inserted this voter's ballot without
            # holding the resident lock; the constraint has done its job. Refuse, loudly.
            logger.error("duplicate ballot insert refused by constraint (pot %s)", pot.pk)
            raise
    else:
        ballot.channel = channel
        ballot.receipt = receipt
        ballot.cast_at = now
        ballot.voided_at = None
        ballot.test = test
        ballot.save(update_fields=["channel", "receipt", "cast_at", "voided_at", "test"])
        ballot.selections.all().delete()
    ranked = process.ballot_type == BallotType.RANKED
    Selection.objects.bulk_create(
        Selection(
            ballot=ballot,
            project=project,
            points=1 if ranked else points,
            rank=position if ranked else None,
        )
        for position, (project, points) in enumerate(chosen, start=1)
    )
    CastLog.objects.create(ballot=ballot, receipt=receipt, channel=channel, cast_at=now)
    total = sum((p.cost for p, _ in chosen), Decimal(0))
    return PotReceipt(
        pot_id=pot.pk,
        pot_name=pot.name,
        receipt=receipt,
        replaced_previous=replaced,
        total_cost=total,
        remaining=ballot_limits(process, pot).remaining(total),
        project_codes=tuple(p.short_code for p, _ in chosen),
    )
