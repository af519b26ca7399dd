"""Fairness of published results against pabutools' analysis, on real Pabulib elections
imported into the database (the production path: set-based election query, our rules,
our measures), and hidden before publication."""

from __future__ import annotations

import io
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from budgets.fairness import COMPARED_RULES, PUBLISHED, process_fairness
from budgets.models import Project, Selection
from budgets.rules.election import Ballot, Election
from budgets.rules.election import Project as RuleProject
from budgets.rules.fairness import fairness
from budgets.services.results import results_publish
from core.models import Process
from tests.budgets.conftest import citywide, close_voting, project
from tests.conftest import shared_path

pytestmark = pytest.mark.django_db

ASSEN = "Netherlands_Assen_2024.pb"  # approval, 84 voters
DIEPPE = "Canada_Stanford_Dataset_PB_Dieppe_2018_vote_approvals.pb"  # approval, 378 voters


def _import(name: str, rule: str) -> tuple[Process, Path]:
    path = shared_path("pabulib", "instances", name)
    call_command("pb_import", str(path), "--no-progress", "--rule", rule, stdout=io.StringIO())
    return Process.objects.latest("pk"), path


def _close(value: Fraction, reference: Any) -> bool:
    return abs(float(value) - float(reference)) < 1e-9


@pytest.mark.parametrize(
    ("name", "rule"),
    # Approval elections: there pabutools' measures are defined on the ballots as listed
    # (on points ballots its CC satisfaction sums points, not "supported or not").
    [(ASSEN, "greedy_cost"), (ASSEN, "mes_cost_completed"), (DIEPPE, "mes_cost")],
)
def test_fairness_matches_pabutools_analysis(name: str, rule: str) -> None:
    analysis = pytest.importorskip("pabutools.analysis")
    election_mod = pytest.importorskip("pabutools.election")
    process, path = _import(name, rule)
    results_publish(process=process, actor=None)
    process.refresh_from_db()
    figures = process_fairness(process)
    assert figures is not None
    (pot,) = figures.pots
    assert [row.rule for row in pot.rules] == [rule, *COMPARED_RULES]

    instance, profile = election_mod.parse_pabulib(str(path))
    by_name = {p.name: p for p in instance}
    external = dict(Project.objects.filter(process=process).values_list("pk", "external_id"))
    for row in pot.rules:
        allocation = [by_name[external[pk]] for pk in row.funded]
        assert _close(
            row.figures.non_empty_handed,
            analysis.percent_non_empty_handed(instance, profile, allocation),
        ), row.rule
        assert _close(
            row.figures.avg_projects,
            analysis.avg_satisfaction(instance, profile, allocation, election_mod.Cardinality_Sat),
        ), row.rule
        assert _close(
            row.figures.avg_cost_satisfaction,
            analysis.avg_satisfaction(instance, profile, allocation, election_mod.Cost_Sat),
        ), row.rule
        assert row.figures.voters == profile.num_ballots()
    # The published outcome is the frozen one, and the same rule recounted agrees.
    published = next(r for r in pot.rules if r.published)
    assert list(published.funded) == pot.pot.tally_runs.get().selected
    if rule in COMPARED_RULES:
        again = next(r for r in pot.rules if not r.published and r.rule == rule)
        assert again.funded == published.funded


def test_fairness_hidden_until_published(client: Any) -> None:
    process, _path = _import(ASSEN, "greedy_cost")
    assert process_fairness(process) is None
    response = client.get(f"/api/processes/{process.slug}/fairness/")
    assert response.status_code == 404
    assert "not published" in response.json()["detail"]
    assert client.get(f"/processes/{process.slug}/results/fairness/").status_code == 404

    results_publish(process=process, actor=None)
    data = client.get(f"/api/processes/{process.slug}/fairness/").json()
    assert data["outcomes"] == [PUBLISHED, *COMPARED_RULES]
    (pot,) = data["pots"]
    assert 0 < pot["outcomes"][0]["figures"]["non_empty_handed"] <= 1
    page = client.get(f"/processes/{process.slug}/results/fairness/")
    assert page.status_code == 200


def test_measures_by_hand() -> None:
    # Budget 10: a (6), b (4), c (5). Voters: {a} ×2, {b, c}, {c}, blank.
    election = Election(
        budget=Fraction(10),
        projects=(
            RuleProject(id="a", cost=Fraction(6)),
            RuleProject(id="b", cost=Fraction(4)),
            RuleProject(id="c", cost=Fraction(5)),
        ),
        ballots=(
            Ballot(scores={"a": 1}, weight=2),
            Ballot(scores={"b": 1, "c": 1}),
            Ballot(scores={"c": 1}),
            Ballot(scores={}),
        ),
        vote_type="approval",
    )
    got = fairness(election, ["a", "b"])
    assert got.voters == 5
    assert got.non_empty_handed == Fraction(3, 5)  # the two a-voters and the b,c voter
    assert got.avg_projects == Fraction(3, 5)
    assert got.avg_cost_satisfaction == Fraction(6 + 6 + 4, 5)
    assert got.spent == 10 and got.funded == 2


def test_funds_per_neighbourhood_against_population_and_need(
    voting_process: Process, neighbourhood_factory: Any, ballot_factory: Any
) -> None:
    north = neighbourhood_factory(name="North", slug="north", population=30_000)
    south = neighbourhood_factory(
        name="South", slug="south", population=10_000, need_index=Decimal("3.000")
    )
    # Projects 1 (10k) in North, 2 (20k) in South, the rest city-wide; budget 100k.
    Project.objects.filter(process=voting_process, short_code=1).update(neighbourhood=north)
    Project.objects.filter(process=voting_process, short_code=2).update(neighbourhood=south)
    pot = citywide(voting_process)
    for codes in ([1], [1, 2], [2, 5], [5]):
        ballot = ballot_factory(pot=pot)
        for code in codes:
            Selection.objects.create(ballot=ballot, project=project(voting_process, code))
    close_voting(voting_process)
    results_publish(process=voting_process, actor=None)
    voting_process.refresh_from_db()
    figures = process_fairness(voting_process)
    assert figures is not None
    rows = {r.neighbourhood.slug if r.neighbourhood else None: r for r in figures.neighbourhoods}
    assert rows["north"].population_share == Fraction(3, 4)
    # Need: 30 000 × 1 against 10 000 × 3: half each.
    assert rows["north"].need_share == Fraction(1, 2) == rows["south"].need_share
    # Greedy funds 1, 2 and 5 (80k of 100k): 10k North, 20k South, 50k with no place.
    assert rows["north"].funds[PUBLISHED] == Decimal("10000")
    assert rows["south"].funds_share[PUBLISHED] == Fraction(20, 80)
    assert rows[None].funds[PUBLISHED] == Decimal("50000")
    assert figures.neighbourhoods_funded(PUBLISHED) == 2
    (pot_row,) = figures.pots
    assert pot_row.rules[0].figures.non_empty_handed == 1
    assert pot_row.rules[0].figures.avg_projects == Fraction(6, 4)
