"""Pabulib reader and writer: real files, malformed files, round trips."""

from __future__ import annotations

import csv
import io
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from budgets.pabulib.pb_file import (
    PbFile,
    PbFormatError,
    PbProject,
    PbVote,
    election_from_pb,
    load_election,
    parse_pb,
    read_pb,
    write_pb,
)
from budgets.rules.election import Ballot

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
INSTANCES = SHARED / "pabulib" / "instances"


def _instances() -> list[Path]:
    return sorted(INSTANCES.glob("*.pb")) if INSTANCES.is_dir() else []


def _needs_shared() -> None:
    if not INSTANCES.is_dir():
        pytest.skip(f"{INSTANCES} is absent (../shared is not beside this checkout)")


GOOD = '''META
key;value
description;Test
country;Testland
unit;Town
instance;2024
num_projects;3
num_votes;3
budget;100.50
vote_type;approval
rule;greedy
date_begin;2024
date_end;2024
PROJECTS
project_id;cost;votes;name
p1;50;2;"Park; with ""quotes"""
10;25.25;1;Bench
9;30;0;None
VOTES
voter_id;vote;age
v1;p1,10;30
v2;p1;
v3;;
'''


def _parse(text: str) -> PbFile:
    return parse_pb(text)


def _error_line(text: str) -> int | None:
    with pytest.raises(PbFormatError) as info:
        _parse(text)
    return info.value.line


def test_parses_quoted_fields_decimals_and_empty_values() -> None:
    pb = _parse(GOOD)
    assert pb.meta["budget"] == "100.50"
    assert pb.budget == Fraction("100.5")
    assert list(pb.projects) == ["p1", "10", "9"]
    assert pb.projects["p1"].name == 'Park; with "quotes"'
    assert pb.projects["10"].cost == Fraction("25.25")
    # "None" and empty cells mean "no value".
    assert "name" not in pb.projects["9"].fields
    assert [v.vote for v in pb.votes] == [("p1", "10"), ("p1",), ()]
    assert pb.votes[0].fields == {"age": "30"}
    assert pb.votes[1].fields == {}
    assert pb.warnings == []


def test_crlf_and_bom_are_accepted() -> None:
    text = "\ufeff" + GOOD.replace("\n", "\r\n")
    pb = parse_pb(io.StringIO(text, newline=""))
    assert list(pb.projects) == ["p1", "10", "9"]
    assert pb.projects["p1"].name == 'Park; with "quotes"'
    assert len(pb.votes) == 3


def test_blank_lines_are_skipped() -> None:
    pb = _parse(GOOD.replace("PROJECTS\n", "\nPROJECTS\n").replace("v2;", "\n\nv2;"))
    assert len(pb.votes) == 3


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        # 1. the file must start with META
        (GOOD.replace("META\n", "", 1), 1, "META"),
        # 2. a misspelled section name lands in META as a one-cell row
        (GOOD.replace("PROJECTS\n", "PROJECT\n"), 14, "2 cells"),
        # 3. sections out of order
        (
            GOOD.replace("PROJECTS\n", "VOTES\n", 1),
            14,
            "out of order",
        ),
        # 4. missing column
        (GOOD.replace("project_id;cost;votes;name", "project_id;price;votes;name"), 15, "cost"),
        # 5. unknown project in a vote
        (GOOD.replace("v2;p1;", "v2;p7;"), 22, "unknown project 'p7'"),
        # 6. duplicate project id
        (GOOD.replace("9;30;0;None", "10;30;0;None"), 18, "duplicate project_id"),
        # 7. count mismatch: reported on the META row that declares it
        (GOOD.replace("num_votes;3", "num_votes;4"), 8, "num_votes is 4"),
        (GOOD.replace("num_projects;3", "num_projects;2"), 7, "num_projects is 2"),
        # 8. bad number
        (GOOD.replace("10;25.25;1", "10;25,2x;1"), 17, "not a number"),
        (GOOD.replace("budget;100.50", "budget;lots"), 9, "not a number"),
        # 9. duplicate voter id
        (GOOD.replace("v3;;", "v1;;"), 23, "duplicate voter_id"),
        # 10. a row with too many cells
        (GOOD.replace("v2;p1;", "v2;p1;;x"), 22, "cells"),
        # 11. duplicate META key
        (GOOD.replace("rule;greedy", "rule;greedy\nunit;Again"), 12, "duplicate META key"),
        # 12. unknown vote type
        (GOOD.replace("vote_type;approval", "vote_type;borda"), 10, "vote_type"),
        # 13. a missing section at the end
        (GOOD[: GOOD.index("VOTES")], 18, "missing section VOTES"),
    ],
)
def test_malformed_files_report_the_line(text: str, line: int, words: str) -> None:
    with pytest.raises(PbFormatError) as info:
        _parse(text)
    assert info.value.line == line
    assert words in str(info.value)
    assert str(info.value).startswith(f"line {line}:")


CUMULATIVE = """META
key;value
description;Cumulative test
country;Testland
unit;Town
instance;1
num_projects;3
num_votes;2
budget;10
vote_type;cumulative
rule;greedy
max_sum_points;5
date_begin;2024
date_end;2024
PROJECTS
project_id;cost
a;4
b;5
c;6
VOTES
voter_id;vote;points
1;a,b;3,2
2;c,a;4,1
"""


def test_points_length_mismatch_is_an_error() -> None:
    text = CUMULATIVE.replace("1;a,b;3,2", "1;a,b;3")
    with pytest.raises(PbFormatError) as info:
        _parse(text)
    assert info.value.line == 22
    assert "2 projects but 1 points" in str(info.value)


def test_cumulative_points_and_election() -> None:
    pb = _parse(CUMULATIVE)
    assert pb.votes[1].points == (Fraction(4), Fraction(1))
    election = election_from_pb(pb)
    assert election.project_scores == {"a": 4, "b": 2, "c": 4}
    assert election.project_votes == {"a": 2, "b": 1, "c": 1}


def test_repeated_project_in_a_ballot_warns_and_follows_pabutools() -> None:
    # Real data (Częstochowa 2020, voter 13026) lists a project four times.
    text = CUMULATIVE.replace("1;a,b;3,2", "1;a,a,b;1,2,2")
    pb = _parse(text)
    assert pb.votes[0].vote == ("a", "b")
    # pabutools keeps a cumulative ballot in a dict: the last value wins.
    assert pb.votes[0].points == (Fraction(2), Fraction(2))
    assert [w.line for w in pb.warnings] == [22]


def test_ordinal_scores_are_k_minus_position() -> None:
    text = (
        CUMULATIVE.replace("vote_type;cumulative", "vote_type;ordinal")
        .replace("max_sum_points;5", "max_length;3")
        .replace("voter_id;vote;points", "voter_id;vote")
        .replace("1;a,b;3,2", "1;a,b,c")
        .replace("2;c,a;4,1", "2;b")
    )
    election = election_from_pb(_parse(text))
    ballots = {tuple(b.scores): dict(b.scores) for b in election.ballots}
    assert ballots[("a", "b", "c")] == {"a": 3, "b": 2, "c": 1}
    assert ballots[("b",)] == {"b": 3}
    # Without max_length, k is the ballot's own length (Stanford files).
    text = text.replace("max_length;3\n", "")
    election = election_from_pb(_parse(text))
    ballots = {tuple(b.scores): dict(b.scores) for b in election.ballots}
    assert ballots[("b",)] == {"b": 1}


def test_identical_ballots_are_merged_with_weights() -> None:
    text = GOOD.replace("v3;;", "v3;10,p1;").replace("v2;p1;", "v2;p1;")
    election = election_from_pb(_parse(text))
    assert sorted((sorted(b.scores), b.weight) for b in election.ballots) == [
        (["10", "p1"], 2),
        (["p1"], 1),
    ]
    assert election.num_voters == 3


def _same(a: PbFile, b: PbFile) -> None:
    assert a.meta == b.meta
    assert a.projects == b.projects
    assert a.votes == b.votes


def _round_trip(pb: PbFile) -> str:
    out = io.StringIO(newline="")
    write_pb(out, pb.meta, pb.projects.values(), pb.votes)
    return out.getvalue()


def _pabutools_parse(text: str, tmp_path: Path) -> tuple[Any, Any]:
    """pabutools' own reader (``parse_pabulib`` reads a path)."""
    pabulib = pytest.importorskip("pabutools.election.pabulib")
    path = tmp_path / "written.pb"
    path.write_text(text, encoding="utf-8", newline="")
    parsed: tuple[Any, Any] = pabulib.parse_pabulib(str(path))
    return parsed


def test_round_trip_of_a_tricky_file_and_pabutools_reads_it(tmp_path: Path) -> None:
    pb = _parse(GOOD)
    text = _round_trip(pb)
    _same(pb, _parse(text))
    for row in csv.reader(io.StringIO(text), delimiter=";"):
        assert all(cell == cell.strip() for cell in row)
    instance, profile = _pabutools_parse(text, tmp_path)
    assert instance.budget_limit == Fraction("100.5")
    assert {p.name: p.cost for p in instance} == {"p1": 50, "10": Fraction("25.25"), "9": 30}
    assert profile.num_ballots() == 3


def test_writer_builds_a_file_from_scratch() -> None:
    projects = [
        PbProject("A1", Fraction(3, 2), {"name": "  Line\nbreak  "}),
        PbProject("B2", Fraction(7), {}),
    ]
    votes = [
        PbVote("x", ("A1", "B2"), (Fraction(2), Fraction(1, 2)), {"sex": "F"}),
        PbVote("y", ("B2",), (Fraction(3),), {}),
    ]
    out = io.StringIO(newline="")
    write_pb(
        out,
        {"description": "d", "budget": Fraction(17, 2), "vote_type": "cumulative"},
        projects,
        votes,
    )
    pb = _parse(out.getvalue())
    assert pb.meta["num_projects"] == "2"
    assert pb.meta["num_votes"] == "2"
    assert pb.budget == Fraction(17, 2)
    assert pb.projects["A1"].cost == Fraction(3, 2)
    assert pb.projects["A1"].name == "Line break"
    assert pb.votes[0].points == (Fraction(2), Fraction(1, 2))


@pytest.mark.parametrize(
    ("projects", "votes", "meta", "words"),
    [
        ([PbProject("a,b", Fraction(1))], [], {}, "cannot be written"),
        ([PbProject("a", Fraction(1, 3))], [], {}, "no finite decimal"),
        ([PbProject("a", Fraction(1))], [PbVote("v", ("z",))], {}, "unknown project"),
        ([PbProject("a", Fraction(1))], [], {"num_projects": 5}, "num_projects"),
    ],
)
def test_writer_refuses_what_it_cannot_write_faithfully(
    projects: list[PbProject], votes: list[PbVote], meta: dict[str, object], words: str
) -> None:
    with pytest.raises(ValueError, match=words):
        write_pb(io.StringIO(), {"budget": 10, "vote_type": "approval", **meta}, projects, votes)


@pytest.mark.parametrize("path", _instances(), ids=lambda p: p.stem)
def test_every_shared_instance_parses(path: Path) -> None:
    pb = read_pb(path)
    assert len(pb.projects) == int(pb.meta["num_projects"])
    assert len(pb.votes) == int(pb.meta["num_votes"])
    streamed, election = load_election(path)
    assert streamed.votes == []
    assert streamed.num_votes_read == len(pb.votes)
    assert election.num_voters == len(pb.votes)
    from_votes = election_from_pb(pb)
    assert sorted(map(_ballot_key, from_votes.ballots)) == sorted(
        map(_ballot_key, election.ballots)
    )


def _ballot_key(ballot: Ballot) -> tuple[object, ...]:
    return (sorted(ballot.scores.items()), ballot.weight)


@pytest.mark.parametrize(
    "name",
    [
        "Poland_Czestochowa_2020_Grabowka.pb",  # cumulative, a quoted name
        "Poland_Krakow_2018_Stare_Miasto.pb",  # ordinal, CRLF
        "Netherlands_Assen_2024.pb",  # approval, descriptions
        "Poland_Krakow_2023_Debniki.pb",  # decimal budget, ids like BO.D8.54/23
    ],
)
def test_round_trip_of_shared_instances(name: str, tmp_path: Path) -> None:
    _needs_shared()
    pb = read_pb(INSTANCES / name)
    text = _round_trip(pb)
    again = _parse(text)
    _same(pb, again)
    instance, profile = _pabutools_parse(text, tmp_path)
    pabulib = pytest.importorskip("pabutools.election.pabulib")
    original, original_profile = pabulib.parse_pabulib(str(INSTANCES / name))
    assert instance.budget_limit == original.budget_limit
    assert {(p.name, p.cost) for p in instance} == {(p.name, p.cost) for p in original}
    assert profile.num_ballots() == original_profile.num_ballots()
    assert [list(b) for b in profile] == [list(b) for b in original_profile]


def test_line_numbers_count_physical_lines_with_multiline_quotes() -> None:
    text = GOOD.replace('"Park; with ""quotes"""', '"Park\nover two lines"')
    pb = _parse(text)
    assert pb.projects["p1"].name == "Park\nover two lines"
    assert _error_line(text.replace("v2;p1;", "v2;p7;")) == 23
