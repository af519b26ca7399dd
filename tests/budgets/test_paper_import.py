"""manage.py paper_ballots_import: a voter_code,projects CSV, all or nothing."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from budgets.models import Ballot, Selection
from budgets.tally import tally_process
from core.models import BallotType, Process
from participation.models import AuditLog
from participation.services.voter_codes import voter_codes_issue
from tests.budgets.conftest import citywide

pytestmark = pytest.mark.django_db


def run(process: Process, path: Path) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("paper_ballots_import", process.slug, str(path), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def write(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "paper.csv"
    path.write_text("\n".join(["voter_code,projects", *rows]) + "\n", encoding="utf-8")
    return path


def test_a_good_file_imports_every_ballot_and_counts_them(
    voting_process: Process, tmp_path: Path
) -> None:
    codes = voter_codes_issue(count=3, process=voting_process)
    path = write(tmp_path, f"{codes[0]},1 2", f"{codes[1].lower()},2", f'"{codes[2]}","5"')
    out, err = run(voting_process, path)
    assert out.strip() == f"Imported 3 paper ballots into {voting_process.slug}"
    assert err == ""
    assert Ballot.objects.counted().filter(channel="paper").count() == 3
    outcome = tally_process(voting_process)[citywide(voting_process).pk]
    assert outcome.explanations["000002"].votes == 2
    assert AuditLog.objects.filter(action="paper.enter").count() == 3
    for code in codes:  # nothing secret printed
        assert code not in out + err


def test_the_summary_of_one_ballot_is_singular(voting_process: Process, tmp_path: Path) -> None:
    (code,) = voter_codes_issue(count=1, process=voting_process)
    out, _err = run(voting_process, write(tmp_path, f"{code},1"))
    assert out.strip() == f"Imported 1 paper ballot into {voting_process.slug}"


def test_a_file_with_one_bad_line_imports_nothing_and_names_the_line(
    voting_process: Process, tmp_path: Path
) -> None:
    codes = voter_codes_issue(count=4, process=voting_process)
    path = write(
        tmp_path,
        f"{codes[0]},1",
        f"{codes[1]},3 4 5",  # 120,000 of a 100,000 budget
        f"{codes[2]},2",
        f"{codes[3]},1",
    )
    with pytest.raises(CommandError, match="rejected, nothing imported \\(1 bad line\\)"):
        run(voting_process, path)
    assert not Ballot.objects.exists()
    assert not Selection.objects.exists()
    assert not AuditLog.objects.filter(action="paper.enter").exists()


def test_every_bad_line_is_named_with_its_reason(
    voting_process: Process, tmp_path: Path, capsys: Any
) -> None:
    codes = voter_codes_issue(count=3, process=voting_process)
    path = write(
        tmp_path,
        f"{codes[0]},1",
        "ZZZZ-ZZZZ-ZZZZ,1",
        f"{codes[1]},9",
        f"{codes[2]},1 x",
        ",2",
        f"{codes[0]},2",
    )
    err = StringIO()
    with pytest.raises(CommandError, match="5 bad lines"):
        call_command("paper_ballots_import", voting_process.slug, str(path), stderr=err)
    lines = err.getvalue().splitlines()
    assert lines == [
        f"{path}: line 3: There is no voter code like that.",
        f"{path}: line 4: There is no project 9 on this ballot.",
        f"{path}: line 5: x is not a project number.",
        f"{path}: line 6: The voter code is missing.",
        f"{path}: line 7: This voter code is already on line 2.",
    ]
    assert not Ballot.objects.exists()


def test_a_file_repeating_a_code_is_rejected(voting_process: Process, tmp_path: Path) -> None:
    [code] = voter_codes_issue(count=1, process=voting_process)
    path = write(tmp_path, f"{code},1", f"{code.replace('-', ' ').lower()},2")
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("paper_ballots_import", voting_process.slug, str(path), stderr=err)
    assert "line 3: This voter code is already on line 2." in err.getvalue()
    assert not Ballot.objects.exists()


def test_a_code_entered_in_an_earlier_import_is_refused(
    voting_process: Process, tmp_path: Path
) -> None:
    [code] = voter_codes_issue(count=1, process=voting_process)
    run(voting_process, write(tmp_path, f"{code},1"))
    err = StringIO()
    with pytest.raises(CommandError):
        call_command(
            "paper_ballots_import",
            voting_process.slug,
            str(write(tmp_path, f"{code},2")),
            stderr=err,
        )
    assert "line 2: Already entered on paper at " in err.getvalue()
    assert list(Selection.objects.values_list("project__short_code", flat=True)) == [1]


def test_cumulative_ballots_give_points_as_code_colon_points(
    voting_process: Process, tmp_path: Path
) -> None:
    voting_process.ballot_type = BallotType.CUMULATIVE
    voting_process.max_total_points = 5
    voting_process.save()
    codes = voter_codes_issue(count=2, process=voting_process)
    run(voting_process, write(tmp_path, f"{codes[0]},1:3 2:2"))
    assert sorted(Selection.objects.values_list("project__short_code", "points")) == [
        (1, 3),
        (2, 2),
    ]
    err = StringIO()
    with pytest.raises(CommandError):
        call_command(
            "paper_ballots_import",
            voting_process.slug,
            str(write(tmp_path, f"{codes[1]},1 2")),
            stderr=err,
        )
    assert "Write points as number:points (1)." in err.getvalue()


def test_ranked_ballots_keep_the_order(voting_process: Process, tmp_path: Path) -> None:
    voting_process.ballot_type = BallotType.RANKED
    voting_process.save()
    [code] = voter_codes_issue(count=1, process=voting_process)
    run(voting_process, write(tmp_path, f"{code},3 1 2"))
    assert list(
        Selection.objects.order_by("rank").values_list("project__short_code", flat=True)
    ) == [3, 1, 2]


def test_a_file_without_the_header_is_refused(voting_process: Process, tmp_path: Path) -> None:
    path = tmp_path / "paper.csv"
    path.write_text("code,choices\nAAAA,1\n", encoding="utf-8")
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("paper_ballots_import", voting_process.slug, str(path), stderr=err)
    assert "line 1: the header must be voter_code,projects" in err.getvalue()
