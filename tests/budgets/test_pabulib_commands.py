"""pb_import / pb_export / pb_tally on real Pabulib files, and the database tally agreeing
with the file tally."""

from __future__ import annotations

import io
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from budgets.models import Ballot, Selection, TallyRun
from budgets.pabulib.pb_file import load_election, read_pb
from budgets.services.results import results_publish
from budgets.tally import tally_process
from core.models import BallotType, Process, TallyRule
from tests.conftest import shared_path

pytestmark = pytest.mark.django_db

ASSEN = "Netherlands_Assen_2024.pb"
SWIECIE = "Poland_Swiecie_2023.pb"  # 2,553 voters, a real Equal Shares election
GRABOWKA = "Poland_Czestochowa_2020_Grabowka.pb"  # cumulative
CHICAGO = "US_Stanford_Dataset_PB_Chicago_47th_Ward_2020_vote_rankings.pb"  # ordinal


def instance(name: str) -> Path:
    return shared_path("pabulib", "instances", name)


def expected(name: str, rule: str) -> list[str]:
    data = json.loads(shared_path("pabulib", "expected.json").read_text())
    return sorted(data[name]["rules"][rule]["selected"])


def pb_import(path: Path, **kwargs: Any) -> Process:
    out = io.StringIO()
    call_command("pb_import", str(path), "--no-progress", stdout=out, **kwargs)
    slug = out.getvalue().split()[1].rstrip(":")
    return Process.objects.get(slug=slug)


def ballots_multiset(path: Path) -> Counter[tuple[tuple[str, str], ...]]:
    pb = read_pb(path)
    return Counter(
        tuple(sorted(zip(v.vote, [str(p) for p in (v.points or [1] * len(v.vote))], strict=True)))
        for v in pb.votes
    )


def test_pb_import_creates_a_closed_process_with_all_ballots() -> None:
    process = pb_import(instance(ASSEN))
    assert process.projects.count() == 14
    assert Ballot.objects.filter(process=process).count() == 84
    assert process.ballot_type == BallotType.APPROVAL
    assert process.rule == TallyRule.MES_ADD1  # the file's official rule: equalshares/add1
    assert not process.phases.get(kind="voting").is_open()
    assert set(Ballot.objects.values_list("channel", flat=True)) == {"import"}


def test_pb_import_maps_cumulative_and_ordinal_ballots() -> None:
    cumulative = pb_import(instance(GRABOWKA))
    assert cumulative.ballot_type == BallotType.CUMULATIVE
    assert cumulative.rule == TallyRule.GREEDY_SCORE
    assert Selection.objects.filter(ballot__process=cumulative, points__gt=1).exists()
    ranked = pb_import(instance(CHICAGO))
    assert ranked.ballot_type == BallotType.RANKED
    assert Selection.objects.filter(ballot__process=ranked, rank=1).exists()


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        (ASSEN, "greedy_cost"),
        (ASSEN, "mes_cost"),
        (ASSEN, "mes_cost_completed"),
        (ASSEN, "mes_cost_add1_esnet"),
        (SWIECIE, "mes_cost_add1_esnet"),
        (SWIECIE, "mes_cost_completed"),
        (GRABOWKA, "greedy_score"),
        (GRABOWKA, "mes_cost"),
        (CHICAGO, "greedy_score"),
        (CHICAGO, "mes_cost_completed"),
    ],
)
def test_database_tally_equals_pabutools(name: str, rule: str) -> None:
    process = pb_import(instance(name), rule=rule)
    (outcome,) = tally_process(process).values()
    codes = {f"{p.short_code:06d}": p.external_id for p in process.projects.all()}
    assert sorted(codes[pid] for pid in outcome.selected) == expected(name, rule)


def test_pb_tally_prints_the_outcome_as_json(capsys) -> None:  # type: ignore[no-untyped-def]
    call_command("pb_tally", str(instance(ASSEN)), "--rule", "greedy_cost", "--json")
    payload = json.loads(capsys.readouterr().out)
    assert payload["rule"] == "greedy_cost"
    assert payload["selected"] == expected(ASSEN, "greedy_cost")
    assert payload["spent"]


def test_pb_tally_unknown_rule_and_missing_file() -> None:
    with pytest.raises(CommandError, match="unknown rule"):
        call_command("pb_tally", str(instance(ASSEN)), "--rule", "dictator")
    with pytest.raises(CommandError, match="no such file"):
        call_command("pb_tally", "/nonexistent.pb", "--rule", "greedy_cost")


def test_export_refused_until_results_are_published() -> None:
    process = pb_import(instance(ASSEN), unpublished=True)
    with pytest.raises(CommandError, match="not published"):
        call_command("pb_export", process.slug, stdout=io.StringIO(), stderr=io.StringIO())


@pytest.mark.parametrize("name", [ASSEN, GRABOWKA, CHICAGO])
def test_export_round_trips_through_import_and_pabutools(name: str, tmp_path: Path) -> None:
    parse_pabulib = pytest.importorskip("pabutools.election").parse_pabulib

    process = pb_import(instance(name), rule="greedy_score" if name != ASSEN else "greedy_cost")
    out = tmp_path / "export.pb"
    call_command("pb_export", process.slug, "-o", str(out), stderr=io.StringIO())
    # Same ballots (as a multiset) as the original file.
    assert ballots_multiset(out) == ballots_multiset(instance(name))
    # pabutools reads it, with the same number of voters and projects.
    pb_instance, profile = parse_pabulib(str(out))
    assert len(profile) == Ballot.objects.filter(process=process).count()
    assert len(pb_instance) == process.projects.count()
    # And it imports again to the same election.
    again = pb_import(out, slug="again")
    _pb, original = load_election(instance(name))
    (outcome,) = tally_process(again).values()
    (first,) = tally_process(process).values()
    assert outcome.selected == first.selected
    assert sum(b.weight for b in original.ballots) == Ballot.objects.filter(process=again).count()


def test_export_voter_ids_are_shuffled_not_ballot_order(tmp_path: Path) -> None:
    process = pb_import(instance(ASSEN))
    out = tmp_path / "export.pb"
    call_command("pb_export", process.slug, "-o", str(out), stderr=io.StringIO())
    exported = [v.vote for v in read_pb(out).votes]
    stored = []
    for ballot in Ballot.objects.filter(process=process).order_by("pk"):
        stored.append(
            tuple(
                ballot.selections.order_by("project__short_code").values_list(
                    "project__external_id", flat=True
                )
            )
        )
    assert sorted(exported) == sorted(stored)


BAD_FILES = {
    "no_meta": ("PROJECTS\nproject_id;cost\n1;10\n", "line 1"),
    "unknown_project": (
        "META\nkey;value\nnum_projects;1\nnum_votes;1\nbudget;10\nvote_type;approval\n"
        "PROJECTS\nproject_id;cost\n1;10\nVOTES\nvoter_id;vote\nv1;2\n",
        "line 12",
    ),
    "bad_cost": (
        "META\nkey;value\nnum_projects;1\nnum_votes;0\nbudget;10\nvote_type;approval\n"
        "PROJECTS\nproject_id;cost\n1;ten\nVOTES\nvoter_id;vote\n",
        "line 9",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_file_names_the_line_and_imports_nothing(case: str, tmp_path: Path) -> None:
    text, where = BAD_FILES[case]
    path = tmp_path / f"{case}.pb"
    path.write_text(text)
    with pytest.raises(CommandError, match=where):
        call_command("pb_import", str(path), "--no-progress", stdout=io.StringIO())
    assert not Process.objects.exists()
    assert not Ballot.objects.exists()


def test_existing_slug_is_refused() -> None:
    pb_import(instance(ASSEN), slug="assen")
    with pytest.raises(CommandError, match="exists already"):
        call_command(
            "pb_import",
            str(instance(ASSEN)),
            "--slug",
            "assen",
            "--no-progress",
            stdout=io.StringIO(),
        )


# --- imported elections are past processes, published on import -------------------------


def test_pb_import_publishes_with_the_files_own_rule_by_default() -> None:
    out = io.StringIO()
    call_command("pb_import", str(instance(SWIECIE)), "--no-progress", stdout=out)
    process = Process.objects.get()
    assert process.results_published_at is not None
    assert "results published" in out.getvalue()
    # The file says Equal Shares: published under that rule, with pabutools' outcome.
    assert process.rule == TallyRule.MES_ADD1
    run = TallyRun.objects.get(pot__process=process)
    assert run.rule == TallyRule.MES_ADD1
    codes = {p.pk: p.external_id for p in process.projects.all()}
    assert sorted(codes[pk] for pk in run.selected) == expected(SWIECIE, "mes_cost_add1_esnet")


def test_pb_import_publishes_under_the_rule_given() -> None:
    process = pb_import(instance(ASSEN), rule="mes_cost_completed")
    run = TallyRun.objects.get(pot__process=process)
    assert (process.rule, run.rule) == ("mes_cost_completed", "mes_cost_completed")
    codes = {p.pk: p.external_id for p in process.projects.all()}
    assert sorted(codes[pk] for pk in run.selected) == expected(ASSEN, "mes_cost_completed")


def test_pb_import_unpublished_leaves_results_for_later() -> None:
    process = pb_import(instance(ASSEN), unpublished=True)
    assert process.results_published_at is None
    assert not TallyRun.objects.exists()
    results_publish(process=process, actor=None)  # staff can still publish it later
    process.refresh_from_db()
    assert process.results_published_at is not None


def test_an_imported_election_is_listed_as_past_and_draws_no_demo_districts(
    client: Any,
) -> None:
    from tests.factories import NeighbourhoodFactory

    NeighbourhoodFactory(name="Demo district")  # the demo city's, not the election's
    process = pb_import(instance(ASSEN))
    home = client.get("/").content.decode()
    current, _sep, past = home.partition('id="past-processes"')
    assert process.title not in current
    assert process.title in past
    assert f"/processes/{process.slug}/results/" in past
    page = client.get(f"/processes/{process.slug}/").content.decode()
    assert 'id="budget-link"' not in page  # no neighbourhood pots: no split to explain
    assert "Demo district" not in page
    map_page = client.get(f"/processes/{process.slug}/map/")
    assert map_page.status_code == 200
    assert "Demo district" not in map_page.content.decode()
    assert map_page.context["map_data"]["neighbourhoods"]["features"] == []
