"""Pabulib files into the database (see ../shared/pabulib/FORMAT.md).

``process_import_pabulib`` is the one writer of *imported* ballots: historical
elections loaded for what-if simulation and demos, with channel ``import``. They never
mix with live casts: an imported process is created with its voting phase already
closed, so ``ballot_cast`` refuses it. Live ballots are only ever written by
``ballot_cast``.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from budgets.models import Ballot, PabulibSource, Pot, Project, Selection
from budgets.pabulib.pb_file import PbVote, parse_pb, read_pb
from budgets.pot_names import citywide_pot_names
from budgets.pseudonyms import imported_pseudonym
from budgets.receipts import receipt_new
from core.models import BallotType, Channel, Phase, PhaseKind, Process, TallyRule

BATCH = 5000

_BALLOT_TYPE = {
    "approval": BallotType.APPROVAL,
    "choose-1": BallotType.APPROVAL,
    "cumulative": BallotType.CUMULATIVE,
    "ordinal": BallotType.RANKED,
}


class PbImportError(ValueError):
    pass


@dataclass(frozen=True)
class ImportSummary:
    process: Process
    projects: int
    ballots: int
    warnings: int


def _money(value: Fraction, what: str) -> Decimal:
    amount = Decimal(value.numerator) / Decimal(value.denominator)
    if amount != amount.quantize(Decimal("0.01")) or amount >= Decimal("1e14"):
        raise PbImportError(f"{what} {value} cannot be stored as money (cents, < 10^14)")
    return amount.quantize(Decimal("0.01"))


def _rule_for(meta: dict[str, str], vote_type: str) -> str:
    official = meta.get("rule", "unknown").strip().lower()
    if official.startswith("equalshares"):
        return TallyRule.MES_ADD1
    if official == "greedy-threshold" and meta.get("min_project_score_threshold"):
        return TallyRule.GREEDY_THRESHOLD
    return TallyRule.GREEDY_SCORE if vote_type in ("cumulative", "ordinal") else TallyRule.GREEDY


def _date(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    text = text.strip()
    for fmt in ("%d.%m.%Y", "%Y"):
        try:
            return dt.datetime.strptime(text, fmt).replace(tzinfo=dt.UTC)
        except ValueError:
            continue
    return None


def _int_meta(meta: dict[str, str], key: str) -> int | None:
    raw = meta.get(key)
    if raw is None or raw.strip() in ("", "None"):
        return None
    try:
        value = Fraction(raw.strip().replace(",", "."))
    except ValueError:
        return None
    if value.denominator != 1:
        # Thresholds like 2.5 votes mean "at least 3": round up to stay exact.
        return int(-(-value.numerator // value.denominator))
    return int(value)


def _slug_for(meta: dict[str, str], path: str) -> str:
    parts = [
        meta.get("country", ""),
        meta.get("unit", ""),
        meta.get("subunit", ""),
        meta.get("instance", ""),
    ]
    slug = slugify("-".join(p for p in parts if p and p.lower() != "none"))
    return (slug or slugify(os.path.basename(path).rsplit(".", 1)[0]))[:190]


def process_import_pabulib(
    path: str,
    *,
    slug: str | None = None,
    rule: str | None = None,
    progress: Callable[[int], object] | None = None,
) -> ImportSummary:
    """Import a .pb file as a new closed process with one city-wide pot.

    The whole file is read and validated first (PbFormatError names the line); only
    then is anything written, in one transaction: a bad file imports nothing."""
    checked = read_pb(path, keep_votes=False)  # validates every row; keeps no votes
    vote_type = checked.vote_type
    if vote_type not in _BALLOT_TYPE:
        raise PbImportError(f"vote_type {vote_type!r} is not supported by Just City ballots")
    if rule is not None and rule not in TallyRule.values:
        raise PbImportError(f"unknown rule {rule!r}; choose one of {', '.join(TallyRule.values)}")
    slug = slug or _slug_for(checked.meta, path)
    if Process.objects.filter(slug=slug).exists():
        raise PbImportError(f"a process with slug {slug!r} exists already; pass --slug")
    budget = _money(checked.budget, "budget")
    costs = {}
    for project in checked.projects.values():
        if project.cost <= 0:
            raise PbImportError(
                f"project {project.project_id} has cost {project.cost}; costs must be > 0"
            )
        costs[project.project_id] = _money(project.cost, f"project {project.project_id} cost")

    meta = checked.meta
    with transaction.atomic():
        process = _create_process(meta, slug, vote_type, rule or _rule_for(meta, vote_type))
        PabulibSource.objects.create(process=process, meta=dict(meta))
        pot = Pot.objects.create(process=process, amount=budget, **citywide_pot_names())
        projects = {}
        for code, pb_project in enumerate(checked.projects.values(), start=1):
            projects[pb_project.project_id] = Project.objects.create(
                process=process,
                pot=pot,
                short_code=code,
                external_id=pb_project.project_id,
                title=(pb_project.name or f"Project {pb_project.project_id}")[:200],
                description=pb_project.fields.get("description", ""),
                cost=costs[pb_project.project_id],
            )
        writer = _BallotWriter(process, pot, projects, vote_type, progress)
        with open(path, encoding="utf-8-sig", newline="") as stream:
            parse_pb(stream, keep_votes=False, on_vote=writer.add)
        writer.flush()
    return ImportSummary(
        process=process,
        projects=len(projects),
        ballots=writer.count,
        warnings=len(checked.warnings),
    )


def _create_process(meta: dict[str, str], slug: str, vote_type: str, rule: str) -> Process:
    title = " ".join(
        p
        for p in (meta.get("unit"), meta.get("subunit"), meta.get("instance"))
        if p and p != "None"
    )
    process = Process.objects.create(
        title=(title or slug)[:200],
        slug=slug,
        description=meta.get("description", "")[:2000],
        languages=[meta["language"]] if meta.get("language") else [],
        ballot_type=_BALLOT_TYPE[vote_type],
        min_projects=max(_int_meta(meta, "min_length") or 1, 1),
        max_projects=1 if vote_type == "choose-1" else _int_meta(meta, "max_length"),
        max_points_per_project=_int_meta(meta, "max_points") if vote_type == "cumulative" else None,
        max_total_points=_int_meta(meta, "max_sum_points") if vote_type == "cumulative" else None,
        rule=rule,
        min_votes_threshold=_int_meta(meta, "min_project_score_threshold"),
        currency=(meta.get("currency") or "XXX")[:3],
    )
    now = timezone.now()
    start = _date(meta.get("date_begin")) or now - dt.timedelta(days=2)
    end = _date(meta.get("date_end")) or now - dt.timedelta(days=1)
    if end >= now:
        end = now - dt.timedelta(seconds=1)
    if start >= end:
        start = end - dt.timedelta(days=1)
    Phase.objects.create(process=process, kind=PhaseKind.VOTING, starts_at=start, ends_at=end)
    return process


class _BallotWriter:
    """Buffers votes and writes them in batches (ballots, then their selections)."""

    def __init__(
        self,
        process: Process,
        pot: Pot,
        projects: dict[str, Project],
        vote_type: str,
        progress: Callable[[int], object] | None,
    ) -> None:
        self.process = process
        self.pot = pot
        self.projects = projects
        self.vote_type = vote_type
        self.progress = progress
        self.buffer: list[PbVote] = []
        self.count = 0
        self.now = timezone.now()

    def add(self, vote: PbVote) -> None:
        self.buffer.append(vote)
        if len(self.buffer) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if not self.buffer:
            return
        ballots = Ballot.objects.bulk_create(
            Ballot(
                process=self.process,
                pot=self.pot,
                voter=imported_pseudonym(process_id=self.process.pk, voter_id=vote.voter_id),
                channel=Channel.IMPORT,
                receipt=receipt_new(),
                cast_at=self.now,
            )
            for vote in self.buffer
        )
        Selection.objects.bulk_create(self._selections(ballots), batch_size=BATCH)
        self.count += len(self.buffer)
        if self.progress:
            self.progress(len(self.buffer))
        self.buffer = []

    def _selections(self, ballots: list[Ballot]) -> Iterator[Selection]:
        for ballot, vote in zip(ballots, self.buffer, strict=True):
            for position, project_id in enumerate(vote.vote, start=1):
                points = 1
                if self.vote_type == "cumulative" and vote.points is not None:
                    value = vote.points[position - 1]
                    if value.denominator != 1 or value < 0:
                        raise PbImportError(
                            f"voter {vote.voter_id}: points must be whole numbers, got {value}"
                        )
                    points = int(value)
                yield Selection(
                    ballot=ballot,
                    project=self.projects[project_id],
                    points=points,
                    rank=position if self.vote_type == "ordinal" else None,
                )
