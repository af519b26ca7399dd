"""Open exports after publication: the Pabulib .pb file passes Pabulib's own checker
with no errors and no warnings; ballots of small pots are withheld; nothing before
publication."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from budgets.pabulib.db_export import PbExportRefused, pot_export_pabulib
from budgets.pabulib.pb_file import read_pb
from budgets.services.paper import PaperVoter, paper_ballot_enter
from budgets.services.results import results_publish
from core.models import Process
from participation.services.voter_codes import voter_codes_issue
from tests.budgets.conftest import citywide, close_voting
from tests.conftest import shared_path

pytestmark = pytest.mark.django_db


def pabulib_check(path: Path) -> dict[str, Any]:
    """Errors and warnings of pabulib-checker for one file."""
    from pabulib.checker import Checker

    results = Checker().process_files([str(path)])
    [key] = [k for k in results if k not in ("metadata", "summary")]
    found = results[key]["results"]
    if found == "File looks correct!":
        return {}
    return {level: found[level] for level in ("errors", "warnings") if found.get(level)}


def export(process: Process, pot: Any, tmp_path: Path) -> Path:
    path = tmp_path / f"{process.slug}-{pot.pk}.pb"
    with path.open("w", encoding="utf-8", newline="") as stream:
        pot_export_pabulib(process, pot, stream)
    return path


def vote_on_paper(process: Process, ballots: list[tuple[int, ...]]) -> None:
    codes = voter_codes_issue(count=len(ballots), process=process)
    for code, marks in zip(codes, ballots, strict=True):
        paper_ballot_enter(
            process=process,
            voter=PaperVoter(voter_code=code),
            marks=[(m, None) for m in marks],
            actor=None,
        )


def test_a_live_process_exports_a_file_the_pabulib_checker_accepts(
    voting_process: Process, tmp_path: Path
) -> None:
    vote_on_paper(voting_process, [(1, 2), (1, 3), (2,), (5,), (1, 4), (3, 4)] * 2)
    close_voting(voting_process)
    results_publish(process=voting_process, actor=None)
    path = export(voting_process, citywide(voting_process), tmp_path)
    assert pabulib_check(path) == {}
    pb = read_pb(path)
    assert len(pb.votes) == 12
    assert list(pb.meta)[:6] == [
        "description",
        "country",
        "unit",
        "instance",
        "num_projects",
        "num_votes",
    ]
    assert pb.project_columns == ("project_id", "cost", "votes", "name", "selected")
    assert {p.project_id: p.fields["selected"] for p in pb.projects.values()} == {
        "1": "1",
        "2": "1",
        "3": "1",
        "4": "1",
        "5": "0",
    }


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        ("Netherlands_Assen_2024.pb", None),  # its official rule, equalshares/add1
        ("Poland_Swiecie_2023.pb", "mes_cost"),
        ("Netherlands_Assen_2024.pb", "greedy_cost"),
    ],
)
def test_an_imported_election_round_trips_with_its_meta_and_passes_the_checker(
    name: str, rule: str | None, tmp_path: Path
) -> None:
    original = shared_path("pabulib", "instances", name)
    out = io.StringIO()
    call_command(
        "pb_import", str(original), "--no-progress", *(["--rule", rule] if rule else []), stdout=out
    )
    process = Process.objects.get(slug=out.getvalue().split()[1].rstrip(":"))
    assert process.results_published_at is not None  # pb_import publishes a past election
    path = export(process, process.pots.get(), tmp_path)
    before, after = read_pb(original).meta, read_pb(path).meta
    for key in ("country", "unit", "instance", "subunit", "description", "date_begin"):
        assert after.get(key) == before.get(key), key
    assert pabulib_check(path) == {}


def test_ballots_of_a_small_pot_are_withheld(
    voting_process: Process, tmp_path: Path, settings: Any
) -> None:
    vote_on_paper(voting_process, [(1,), (2,), (1, 2)])
    close_voting(voting_process)
    results_publish(process=voting_process, actor=None)
    pb = read_pb(export(voting_process, citywide(voting_process), tmp_path))
    assert pb.votes == []
    assert pb.meta["num_votes"] == "0"
    assert "withheld" in pb.meta["comment"]
    # The per-project counts are the published ones, as on the results page.
    assert {p.project_id: p.fields["votes"] for p in pb.projects.values()}["1"] == "2"
    settings.EXPORT_MIN_BALLOTS = 3
    assert len(read_pb(export(voting_process, citywide(voting_process), tmp_path)).votes) == 3


def test_the_export_is_refused_before_publication(voting_process: Process) -> None:
    vote_on_paper(voting_process, [(1,)])
    close_voting(voting_process)
    with pytest.raises(PbExportRefused):
        pot_export_pabulib(voting_process, citywide(voting_process), io.StringIO())
