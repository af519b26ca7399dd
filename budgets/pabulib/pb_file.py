"""Read and write Pabulib ``.pb`` files (see ../shared/pabulib/FORMAT.md).

Pure Python, no Django. The reader streams: it reads the file row by row
with a real CSV reader (``;`` delimiter, ``"`` quotes, CRLF or LF, optional
BOM) and never holds the text in memory. :func:`load_election` goes one step
further and folds identical ballots as it reads, so a 90k-ballot file never
becomes 90k Python objects.

Errors that make a file unusable raise :class:`PbFormatError` with the
1-based line number. Data-quality problems that real published files have
(a project listed twice on one ballot, a ballot longer than ``max_length``,
a missing descriptive META key) are kept as :class:`PbWarning` on the result,
because refusing them would refuse real elections; where pabutools gives such
data a meaning we follow it, so our outcomes stay comparable with it.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, TextIO

from budgets.rules.election import (
    VOTE_TYPES,
    Ballot,
    Election,
    Project,
    Score,
    fraction_str,
)

SECTIONS = ("meta", "projects", "votes")

#: META keys the format requires. The first four are needed to compute
#: anything, so their absence is an error; the others only warn.
REQUIRED_META = ("num_projects", "num_votes", "budget", "vote_type")
DESCRIPTIVE_META = ("description", "country", "unit", "instance", "rule", "date_begin", "date_end")

_INT_META = (
    "num_projects",
    "num_votes",
    "min_length",
    "max_length",
)
_NUMBER_META = (
    "budget",
    "min_sum_cost",
    "max_sum_cost",
    "min_points",
    "max_points",
    "min_sum_points",
    "max_sum_points",
    "min_project_score_threshold",
    "default_score",
)
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
#: Stop recording warnings after this many; a summary warning says how many were dropped.
MAX_WARNINGS = 1000


class PbFormatError(ValueError):
    """The file is not a usable Pabulib file. ``line`` is 1-based (``None`` if unknown)."""

    def __init__(self, message: str, line: int | None = None) -> None:
        self.message = message
        self.line = line
        super().__init__(f"line {line}: {message}" if line is not None else message)


@dataclass(frozen=True, slots=True)
class PbWarning:
    line: int
    message: str


@dataclass(frozen=True, slots=True)
class PbProject:
    """A PROJECTS row. ``fields`` holds every other column that has a value, as raw text."""

    project_id: str
    cost: Fraction
    fields: Mapping[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str | None:
        return self.fields.get("name")


@dataclass(frozen=True, slots=True)
class PbVote:
    """A VOTES row.

    ``vote`` lists project ids in file order, without repeats. ``points`` is
    aligned with ``vote`` for cumulative and scoring files, else ``None``.
    ``fields`` holds the other columns that have a value (age, sex, ...).
    """

    voter_id: str
    vote: tuple[str, ...]
    points: tuple[Fraction, ...] | None = None
    fields: Mapping[str, str] = field(default_factory=dict)


@dataclass
class PbFile:
    """A parsed file. ``projects`` keeps file order. ``votes`` is empty when
    the file was read with ``keep_votes=False`` (see :func:`parse_pb`)."""

    meta: dict[str, str]
    projects: dict[str, PbProject]
    votes: list[PbVote]
    warnings: list[PbWarning] = field(default_factory=list)
    project_columns: tuple[str, ...] = ()
    vote_columns: tuple[str, ...] = ()
    num_votes_read: int = 0

    @property
    def budget(self) -> Fraction:
        return parse_number(self.meta["budget"], what="budget")

    @property
    def vote_type(self) -> str:
        return self.meta["vote_type"]


def parse_number(text: str, *, what: str, line: int | None = None) -> Fraction:
    """An exact number from a cell: ``12``, ``4000.0``, ``2372571.24``, ``1e6``.

    A comma is read as the decimal mark (old Pabulib files, as pabutools does).
    """
    cleaned = text.strip().replace(",", ".")
    if not _NUMBER.fullmatch(cleaned):
        raise PbFormatError(f"{what} is not a number: {text!r}", line)
    return Fraction(cleaned)


# --------------------------------------------------------------------------- reading


def read_pb(path: str | os.PathLike[str], *, keep_votes: bool = True) -> PbFile:
    """Parse the file at ``path`` (UTF-8, BOM allowed)."""
    with open(path, encoding="utf-8-sig", newline="") as stream:
        return parse_pb(stream, keep_votes=keep_votes)


def parse_pb(
    source: TextIO | Iterable[str] | str,
    *,
    keep_votes: bool = True,
    on_vote: Callable[[PbVote], None] | None = None,
) -> PbFile:
    """Parse Pabulib text.

    ``source`` is a text stream (open it with ``newline=""``), an iterable of
    lines, or the whole text as a ``str``. Every vote is passed to
    ``on_vote`` if given, and kept in :attr:`PbFile.votes` only if
    ``keep_votes``.

    Raises :class:`PbFormatError` on the first structural error.
    """
    lines: Iterable[str] = io.StringIO(source, newline="") if isinstance(source, str) else source
    parser = _Parser(keep_votes=keep_votes, on_vote=on_vote)
    return parser.run(lines)


def load_election(source: str | os.PathLike[str] | TextIO) -> tuple[PbFile, Election]:
    """Parse a file and build its :class:`Election` with identical ballots merged.

    Votes are folded as they are read; the returned :class:`PbFile` has no
    ``votes``. Use this for large files.
    """
    parser = _Parser(keep_votes=False, on_vote=None)
    folder = _BallotFolder(parser.meta)
    parser.on_vote = folder.add
    if isinstance(source, str | os.PathLike):
        with open(source, encoding="utf-8-sig", newline="") as stream:
            pb = parser.run(stream)
    else:
        pb = parser.run(source)
    return pb, folder.election(pb)


def election_from_pb(pb: PbFile) -> Election:
    """The :class:`Election` of a parsed file, identical ballots merged.

    Scores: approval and choose-1 give 1 per listed project; cumulative and
    scoring give the points; ordinal gives ``k − position`` (first = ``k``),
    with ``k`` = META ``max_length`` if present, else the ballot's length
    (SOURCES.md: this reproduces the files' ``score`` column).
    """
    folder = _BallotFolder(pb.meta)
    for vote in pb.votes:
        folder.add(vote)
    return folder.election(pb)


class _BallotFolder:
    """Folds votes into weighted ballots keyed by their content.

    ``meta`` may still be filling up when the folder is made (streaming): it
    is read at the first vote, by which time the META section is complete.
    """

    def __init__(self, meta: Mapping[str, str]) -> None:
        self.meta = meta
        self.vote_type: str | None = None
        self.max_length: int | None = None
        self._weights: dict[tuple[Any, ...], int] = {}
        self._scores: dict[tuple[Any, ...], dict[str, Score]] = {}

    def add(self, vote: PbVote) -> None:
        vote_type = self.vote_type
        if vote_type is None:
            vote_type = self.vote_type = self.meta["vote_type"]
            raw = self.meta.get("max_length")
            self.max_length = int(raw) if raw is not None else None
        scores: dict[str, Score]
        key: tuple[Any, ...]
        if vote_type in ("approval", "choose-1"):
            key = tuple(sorted(vote.vote))
            if key in self._weights:
                self._weights[key] += 1
                return
            scores = dict.fromkeys(vote.vote, 1)
        elif vote_type == "ordinal":
            k = self.max_length if self.max_length is not None else len(vote.vote)
            # The order carries the scores, so the ordered tuple is the key.
            key = (k, *vote.vote)
            if key in self._weights:
                self._weights[key] += 1
                return
            scores = {pid: k - pos for pos, pid in enumerate(vote.vote)}
        else:
            # Whole points become ints: cheaper to hash and to add up.
            scores = {
                pid: int(points) if points.denominator == 1 else points
                for pid, points in zip(vote.vote, vote.points or (), strict=True)
            }
            key = tuple(sorted(scores.items()))
            if key in self._weights:
                self._weights[key] += 1
                return
        self._weights[key] = 1
        self._scores[key] = scores

    def election(self, pb: PbFile) -> Election:
        threshold_raw = pb.meta.get("min_project_score_threshold")
        threshold = (
            parse_number(threshold_raw, what="min_project_score_threshold")
            if threshold_raw is not None
            else None
        )
        return Election(
            budget=pb.budget,
            projects=tuple(Project(p.project_id, p.cost) for p in pb.projects.values()),
            ballots=tuple(
                Ballot(scores=self._scores[key], weight=w) for key, w in self._weights.items()
            ),
            vote_type=pb.vote_type,
            min_score_threshold=threshold,
        )


class _Parser:
    """One pass over the rows; see :func:`parse_pb` for the contract."""

    def __init__(self, *, keep_votes: bool, on_vote: Callable[[PbVote], None] | None) -> None:
        self.keep_votes = keep_votes
        self.on_vote = on_vote
        self.meta: dict[str, str] = {}
        self.meta_lines: dict[str, int] = {}
        self.projects: dict[str, PbProject] = {}
        self.votes: list[PbVote] = []
        self.warnings: list[PbWarning] = []
        self.dropped_warnings = 0
        self.voter_ids: set[str] = set()
        self.num_votes = 0
        self.section: str | None = None
        self.header: list[str] | None = None
        self.seen_sections: list[str] = []
        self.project_columns: tuple[str, ...] = ()
        self.vote_columns: tuple[str, ...] = ()
        # Filled when the META section ends.
        self.vote_type = ""
        self.limits: dict[str, Fraction] = {}
        self.costs: dict[str, Fraction] = {}
        self.last_line = 0

    def warn(self, line: int, message: str) -> None:
        if len(self.warnings) < MAX_WARNINGS:
            self.warnings.append(PbWarning(line, message))
        else:
            self.dropped_warnings += 1

    def run(self, lines: Iterable[str]) -> PbFile:
        reader = csv.reader(_strip_bom(lines), delimiter=";", quotechar='"')
        try:
            for row in reader:
                line = reader.line_num
                self.last_line = line
                self.feed(row, line)
        except csv.Error as exc:
            raise PbFormatError(f"CSV syntax error: {exc}", reader.line_num) from exc
        self.finish()
        if self.dropped_warnings:
            self.warnings.append(
                PbWarning(self.last_line, f"{self.dropped_warnings} more warnings not recorded")
            )
        return PbFile(
            meta=self.meta,
            projects=self.projects,
            votes=self.votes,
            warnings=self.warnings,
            project_columns=self.project_columns,
            vote_columns=self.vote_columns,
            num_votes_read=self.num_votes,
        )

    def feed(self, row: list[str], line: int) -> None:
        cells = [c.strip() for c in row]
        if not any(cells):
            return  # blank line: pabutools skips them, the checker only warns
        nonempty = [c for c in cells if c]
        if len(nonempty) == 1 and cells[0].lower() in SECTIONS:
            self.start_section(cells[0].lower(), line)
            return
        if self.section is None:
            raise PbFormatError(
                f"the file must start with a META section line, got {row[0]!r}", line
            )
        if self.header is None:
            self.set_header(cells, line)
            return
        if self.section == "meta":
            self.meta_row(cells, line)
        elif self.section == "projects":
            self.project_row(cells, line)
        else:
            self.vote_row(cells, line)

    def start_section(self, name: str, line: int) -> None:
        expected = SECTIONS[len(self.seen_sections)] if len(self.seen_sections) < 3 else None
        if name in self.seen_sections:
            raise PbFormatError(f"section {name.upper()} appears twice", line)
        if name != expected:
            raise PbFormatError(
                f"section {name.upper()} is out of order: expected "
                f"{expected.upper() if expected else 'no more sections'}",
                line,
            )
        if self.section == "meta":
            self.end_meta(line)
        elif self.section == "projects":
            self.end_projects(line)
        self.seen_sections.append(name)
        self.section = name
        self.header = None

    def set_header(self, cells: list[str], line: int) -> None:
        if len(set(cells)) != len(cells):
            raise PbFormatError(f"{self.section_name()} header repeats a column: {cells}", line)
        if self.section == "meta":
            if [c.lower() for c in cells[:2]] != ["key", "value"] or any(cells[2:]):
                raise PbFormatError(
                    f"META header must be 'key;value', got {';'.join(cells)!r}", line
                )
        elif self.section == "projects":
            if cells[0] != "project_id":
                raise PbFormatError("PROJECTS header must start with 'project_id'", line)
            if "cost" not in cells:
                raise PbFormatError("PROJECTS header has no 'cost' column", line)
            self.project_columns = tuple(cells)
        else:
            if cells[0] != "voter_id":
                raise PbFormatError("VOTES header must start with 'voter_id'", line)
            if "vote" not in cells:
                raise PbFormatError("VOTES header has no 'vote' column", line)
            if self.vote_type in ("cumulative", "scoring") and "points" not in cells:
                raise PbFormatError(f"VOTES header has no 'points' column ({self.vote_type})", line)
            self.vote_columns = tuple(cells)
        self.header = cells

    def section_name(self) -> str:
        return (self.section or "").upper()

    def row_values(self, cells: list[str], line: int) -> dict[str, str]:
        header = self.header or []
        if len(cells) != len(header):
            # Tolerate trailing empty cells (some exports end rows with ';').
            if len(cells) > len(header) and not any(cells[len(header) :]):
                cells = cells[: len(header)]
            else:
                raise PbFormatError(
                    f"{self.section_name()} row has {len(cells)} cells but the header has "
                    f"{len(header)}",
                    line,
                )
        return {k: v for k, v in zip(header, cells, strict=True) if v and v.lower() != "none"}

    # META -----------------------------------------------------------------

    def meta_row(self, cells: list[str], line: int) -> None:
        if len(cells) < 2 or any(cells[2:]):
            raise PbFormatError(
                f"META rows need exactly 2 cells 'key;value', got {len(cells)} "
                f"({';'.join(cells)!r}: a misspelled section name?)",
                line,
            )
        key, value = cells[0], cells[1]
        if not key:
            raise PbFormatError("META key is empty", line)
        if key in self.meta:
            raise PbFormatError(f"duplicate META key {key!r}", line)
        self.meta[key] = value
        self.meta_lines[key] = line

    def end_meta(self, line: int) -> None:
        for key in REQUIRED_META:
            if key not in self.meta or not self.meta[key]:
                raise PbFormatError(f"META is missing the required key {key!r}", line)
        for key in DESCRIPTIVE_META:
            if key not in self.meta:
                self.warn(line, f"META has no {key!r}")
        for key in _INT_META:
            if key in self.meta:
                raw = self.meta[key]
                if not re.fullmatch(r"\d+", raw):
                    raise PbFormatError(
                        f"META {key} must be a non-negative integer, got {raw!r}",
                        self.meta_lines[key],
                    )
        for key in _NUMBER_META:
            if self.meta.get(key):
                value = parse_number(self.meta[key], what=f"META {key}", line=self.meta_lines[key])
                self.limits[key] = value
        if self.limits["budget"] < 0:
            raise PbFormatError("META budget is negative", self.meta_lines["budget"])
        vote_type = self.meta["vote_type"]
        if vote_type not in VOTE_TYPES:
            raise PbFormatError(
                f"META vote_type {vote_type!r} is not one of {sorted(VOTE_TYPES)}",
                self.meta_lines["vote_type"],
            )
        self.vote_type = vote_type
        for key in ("min_length", "max_length"):
            if key in self.meta:
                self.limits[key] = Fraction(int(self.meta[key]))

    # PROJECTS -------------------------------------------------------------

    def project_row(self, cells: list[str], line: int) -> None:
        values = self.row_values(cells, line)
        pid = values.pop("project_id", "")
        if not pid:
            raise PbFormatError("project_id is empty", line)
        if "," in pid:
            raise PbFormatError(f"project_id {pid!r} contains a comma", line)
        if pid in self.projects:
            raise PbFormatError(f"duplicate project_id {pid!r}", line)
        raw_cost = values.pop("cost", None)
        if raw_cost is None:
            raise PbFormatError(f"project {pid!r} has no cost", line)
        cost = parse_number(raw_cost, what=f"cost of project {pid!r}", line=line)
        if cost < 0:
            raise PbFormatError(f"cost of project {pid!r} is negative", line)
        self.projects[pid] = PbProject(pid, cost, values)
        self.costs[pid] = cost

    def end_projects(self, line: int) -> None:
        declared = int(self.meta["num_projects"])
        if declared != len(self.projects):
            raise PbFormatError(
                f"META num_projects is {declared} but the PROJECTS section has "
                f"{len(self.projects)} rows",
                self.meta_lines["num_projects"],
            )

    # VOTES ----------------------------------------------------------------

    def vote_row(self, cells: list[str], line: int) -> None:
        values = self.row_values(cells, line)
        voter_id = values.pop("voter_id", "")
        if not voter_id:
            raise PbFormatError("voter_id is empty", line)
        if voter_id in self.voter_ids:
            raise PbFormatError(f"duplicate voter_id {voter_id!r}", line)
        self.voter_ids.add(voter_id)
        raw_vote = values.pop("vote", "")
        items = [item.strip() for item in raw_vote.split(",")]
        items = [item for item in items if item]
        projects = self.projects
        for pid in items:
            if pid not in projects:
                raise PbFormatError(f"voter {voter_id!r} votes for unknown project {pid!r}", line)
        points: tuple[Fraction, ...] | None = None
        vote_type = self.vote_type
        if vote_type in ("cumulative", "scoring"):
            raw_points = values.pop("points", "")
            point_items = [p.strip() for p in raw_points.split(",")]
            point_items = [p for p in point_items if p]
            if len(point_items) != len(items):
                raise PbFormatError(
                    f"voter {voter_id!r} lists {len(items)} projects but {len(point_items)} points",
                    line,
                )
            parsed = [
                parse_number(p, what=f"points of voter {voter_id!r}", line=line)
                for p in point_items
            ]
            if len(set(items)) != len(items):
                # pabutools stores a cumulative ballot as a dict: the last
                # value given to a repeated project wins, at its first position.
                self.warn(line, f"voter {voter_id!r} lists a project more than once")
                merged: dict[str, Fraction] = {}
                for pid, pts in zip(items, parsed, strict=True):
                    merged[pid] = pts
                items, parsed = list(merged), list(merged.values())
            points = tuple(parsed)
        elif len(set(items)) != len(items):
            # Approval: a set. Ordinal: pabutools keeps the first position.
            self.warn(line, f"voter {voter_id!r} lists a project more than once")
            items = list(dict.fromkeys(items))
        vote = PbVote(voter_id, tuple(items), points, values)
        self.check_limits(vote, line)
        self.num_votes += 1
        if self.on_vote is not None:
            self.on_vote(vote)
        if self.keep_votes:
            self.votes.append(vote)

    def check_limits(self, vote: PbVote, line: int) -> None:
        limits = self.limits
        n = len(vote.vote)
        if n == 0:
            return  # an empty ballot is an abstention: limits do not apply
        low = limits.get("min_length")
        high = limits.get("max_length")
        if low is not None and n < low:
            self.warn(line, f"voter {vote.voter_id!r} lists {n} projects, below min_length {low}")
        if high is not None and n > high:
            self.warn(line, f"voter {vote.voter_id!r} lists {n} projects, above max_length {high}")
        if self.vote_type in ("approval", "choose-1"):
            high_cost = limits.get("max_sum_cost")
            if high_cost is not None:
                total = sum((self.costs[p] for p in vote.vote), Fraction(0))
                if total > high_cost:
                    self.warn(line, f"voter {vote.voter_id!r} approves {total} > max_sum_cost")
        elif vote.points is not None:
            total_points = sum(vote.points, Fraction(0))
            max_sum = limits.get("max_sum_points")
            if max_sum is not None and total_points > max_sum:
                self.warn(line, f"voter {vote.voter_id!r} gives {total_points} > max_sum_points")
            max_points = limits.get("max_points")
            if max_points is not None and any(p > max_points for p in vote.points):
                self.warn(line, f"voter {vote.voter_id!r} gives a project more than max_points")

    def finish(self) -> None:
        line = self.last_line
        if self.section is None:
            raise PbFormatError("empty file: no META section", line or 1)
        for name in SECTIONS:
            if name not in self.seen_sections:
                raise PbFormatError(f"missing section {name.upper()}", line)
        if self.header is None:
            raise PbFormatError("VOTES section has no header", line)
        declared = int(self.meta["num_votes"])
        if declared != self.num_votes:
            raise PbFormatError(
                f"META num_votes is {declared} but the VOTES section has {self.num_votes} rows",
                self.meta_lines["num_votes"],
            )


def _strip_bom(lines: Iterable[str]) -> Iterator[str]:
    first = True
    for line in lines:
        if first:
            first = False
            if line.startswith("\ufeff"):
                line = line[1:]
        yield line


# --------------------------------------------------------------------------- writing

# The standard order of META keys and PROJECTS columns (pabulib.org/format, as the
# ``pabulib-checker`` validator enforces it: out of order is a warning). Keys the
# standard does not list follow, in the order given.
_META_ORDER = (
    "description",
    "country",
    "unit",
    "district",
    "subunit",
    "instance",
    "num_projects",
    "num_votes",
    "budget",
    "vote_type",
    "rule",
    "date_begin",
    "date_end",
    "min_length",
    "max_length",
    "min_sum_cost",
    "max_sum_cost",
    "min_points",
    "max_points",
    "min_sum_points",
    "max_sum_points",
    "default_score",
    "min_project_cost",
    "max_project_cost",
    "min_project_score_threshold",
    "neighborhoods",
    "subdistricts",
    "categories",
    "edition",
    "language",
    "currency",
    "fully_funded",
    "experimental",
    "comment",
    "acknowledgments",
)
_PROJECT_ORDER = (
    "votes",
    "score",
    "name",
    "category",
    "beneficiaries",
    "selected",
    "neighborhood",
    "subunit",
    "district",
    "description",
    "proposer",
    "public_id",
    "latitude",
    "longitude",
)
_NEWLINES = re.compile(r"[\r\n]+")


def _cell(value: object) -> str:
    """Text of one cell: exact numbers, no surrounding whitespace, no newlines."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Fraction | int):
        return _decimal_text(Fraction(value))
    if isinstance(value, float):
        raise TypeError("refusing to write a float: pass an exact number")
    text = str(value)
    # A line break inside a cell is legal CSV, but pabutools splits the text
    # into lines before its CSV reader sees it; keep every record on one line.
    return _NEWLINES.sub(" ", text).strip()


def _decimal_text(value: Fraction) -> str:
    text = fraction_str(value)
    if "/" in text:
        raise ValueError(f"{value} has no finite decimal form; Pabulib numbers are decimals")
    return text


def _check_id(kind: str, value: str) -> None:
    if not value or value != value.strip() or "," in value or ";" in value or '"' in value:
        raise ValueError(f'{kind} {value!r} cannot be written (empty, padded, or has , ; or ")')
    if value.lower() in SECTIONS or value.lower() == "none":
        raise ValueError(f"{kind} {value!r} would be read as a section name or 'None'")


def write_pb(
    stream: TextIO,
    meta: Mapping[str, object],
    projects: Iterable[PbProject],
    votes: Iterable[PbVote],
) -> None:
    """Write a valid Pabulib file to ``stream`` (open it with ``newline=""``).

    ``num_projects`` and ``num_votes`` are filled from the data; if ``meta``
    gives them they must match. ``budget`` and ``vote_type`` are required.
    Cells are written trimmed, quoted only when needed, with exact decimal
    numbers; every record is one ``\\n``-terminated line. The output parses
    back to equal data with :func:`parse_pb` and parses with pabutools.

    Raises ``ValueError`` when the data cannot be written faithfully (an id
    with a comma, a non-decimal number, mismatching counts, unknown project).
    """
    project_list = list(projects)
    vote_list = votes if isinstance(votes, list) else list(votes)
    out_meta: dict[str, str] = {k: _cell(v) for k, v in meta.items()}
    for key, actual in (("num_projects", len(project_list)), ("num_votes", len(vote_list))):
        if key in out_meta and out_meta[key] != str(actual):
            raise ValueError(f"meta {key}={out_meta[key]} but {actual} were given")
        out_meta[key] = str(actual)
    for key in ("budget", "vote_type"):
        if not out_meta.get(key):
            raise ValueError(f"meta needs {key!r}")
    if out_meta["vote_type"] not in VOTE_TYPES:
        raise ValueError(f"unknown vote_type {out_meta['vote_type']!r}")
    parse_number(out_meta["budget"], what="budget")
    for key in out_meta:
        if not key or key != key.strip():
            raise ValueError(f"bad meta key {key!r}")
    scored = out_meta["vote_type"] in ("cumulative", "scoring")

    writer = csv.writer(stream, delimiter=";", quotechar='"', lineterminator="\n")
    writer.writerow(["META"])
    writer.writerow(["key", "value"])
    ordered = [k for k in _META_ORDER if k in out_meta]
    ordered += [k for k in out_meta if k not in _META_ORDER]
    for key in ordered:
        writer.writerow([key, out_meta[key]])

    known: set[str] = set()
    project_cols: dict[str, None] = {}
    for project in project_list:
        _check_id("project_id", project.project_id)
        if project.project_id in known:
            raise ValueError(f"duplicate project_id {project.project_id!r}")
        known.add(project.project_id)
        project_cols.update(
            dict.fromkeys(k for k in project.fields if k not in ("project_id", "cost"))
        )
    project_cols = dict.fromkeys(
        [c for c in _PROJECT_ORDER if c in project_cols]
        + [c for c in project_cols if c not in _PROJECT_ORDER]
    )
    writer.writerow(["PROJECTS"])
    writer.writerow(["project_id", "cost", *project_cols])
    for project in project_list:
        writer.writerow(
            [
                project.project_id,
                _decimal_text(project.cost),
                *(_cell(project.fields.get(col)) for col in project_cols),
            ]
        )

    vote_cols: dict[str, None] = {}
    for vote in vote_list:
        vote_cols.update(
            dict.fromkeys(k for k in vote.fields if k not in ("voter_id", "vote", "points"))
        )
    writer.writerow(["VOTES"])
    writer.writerow(["voter_id", "vote", *(["points"] if scored else []), *vote_cols])
    voter_ids: set[str] = set()
    for vote in vote_list:
        _check_id("voter_id", vote.voter_id)
        if vote.voter_id in voter_ids:
            raise ValueError(f"duplicate voter_id {vote.voter_id!r}")
        voter_ids.add(vote.voter_id)
        unknown = [p for p in vote.vote if p not in known]
        if unknown:
            raise ValueError(f"voter {vote.voter_id!r} votes for unknown project(s) {unknown}")
        row = [vote.voter_id, ",".join(vote.vote)]
        if scored:
            points = vote.points or ()
            if len(points) != len(vote.vote):
                raise ValueError(f"voter {vote.voter_id!r}: points and vote lengths differ")
            row.append(",".join(_decimal_text(Fraction(p)) for p in points))
        row.extend(_cell(vote.fields.get(col)) for col in vote_cols)
        writer.writerow(row)
