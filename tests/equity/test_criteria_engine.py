"""The criteria engine on figures from any source (here: figures as a pilot's reports
would give them), without the database: a pilot's scorecard is the same function."""

from __future__ import annotations

from equity.criteria import CriterionSpec, breakdown_cells, criteria_evaluate, group_counts
from equity.figures import Census, NeighbourhoodCensus, ParticipationFigures

QUESTIONS = {"age_band": ("18_29", "30_64", "65_plus")}
CENSUS = Census(
    neighbourhoods=(
        NeighbourhoodCensus(
            "north", "North", 4000, 1.4,
            {"age_band.18_29": 1000, "age_band.30_64": 2000, "age_band.65_plus": 1000},
        ),
        NeighbourhoodCensus(
            "south", "South", 6000, 0.9,
            {"age_band.18_29": 1500, "age_band.30_64": 3000, "age_band.65_plus": 1500},
        ),
    )
)  # fmt: skip
SPECS = [
    CriterionSpec("turnout", "turnout_rate", "access", 0.01, "at_least"),
    CriterionSpec("inclusion", "inclusion_ratio", "access", 0.5, "at_least"),
    CriterionSpec("age", "dissimilarity", "justice", 0.1, "at_most", {"question": "age_band"}),
    CriterionSpec("access", "alternative_channels", "access", 0.2, "at_least"),
    CriterionSpec("ownership", "ideas_on_ballot", "ownership", 0.5, "at_least"),
    CriterionSpec("funds", "high_need_funds", "investment", 1.0, "at_least"),
]


def _pilot_figures() -> ParticipationFigures:
    # 120 people in one month of a pilot, 80 in North (60 in person, 20 web), 40 in South
    # (web); only two age groups reported: the rest is "not given".
    return ParticipationFigures(
        participants=120,
        by_channel={"paper": 60, "web": 60},
        by_neighbourhood={"north": 80, "south": 40},
        by_neighbourhood_channel={"north": {"paper": 60, "web": 20}, "south": {"web": 40}},
        by_group={"age_band.18_29": 30, "age_band.65_plus": 50},
    )


def _evaluate(figures: ParticipationFigures, min_cell: int = 10) -> dict[str, object]:
    values = criteria_evaluate(
        figures=figures, census=CENSUS, criteria=SPECS, questions=QUESTIONS, min_cell=min_cell
    )
    return {v.key: v for v in values}


def test_a_pilots_figures_get_the_same_criteria() -> None:
    got = _evaluate(_pilot_figures())
    assert got["turnout"].value == 0.012 and got["turnout"].met is True  # 120 / 10,000
    # North 80/4000 = 0.02, South 40/6000 = 0.00667: ratio 0.3333
    assert got["inclusion"].value == 0.3333 and got["inclusion"].met is False
    # answered 80: |0.375 - 0.25| + |0 - 0.5| + |0.625 - 0.25| = 1.0, halved: 0.5
    assert got["age"].value == 0.5
    assert got["access"].value == 0.5  # 60 of 120 on paper
    # a pilot has no ballot or funding: not applicable, not "failed"
    assert got["ownership"].value is None and got["ownership"].met is None
    assert got["funds"].value is None and got["funds"].met is None


def test_not_given_is_everyone_without_an_answer() -> None:
    counts = group_counts(_pilot_figures(), "age_band", QUESTIONS["age_band"])
    assert counts == {"18_29": 30, "30_64": 0, "65_plus": 50, "not_given": 40}
    assert sum(counts.values()) == 120


def test_one_withheld_cell_takes_the_next_smallest_with_it() -> None:
    assert breakdown_cells({"a": 4, "b": 12, "c": 30, "d": 0}, 10) == {
        "a": None,
        "b": None,
        "c": 30,
        "d": 0,
    }
    # two withheld cells already protect each other
    assert breakdown_cells({"a": 4, "b": 5, "c": 30}, 10) == {"a": None, "b": None, "c": 30}


def test_too_few_answers_withhold_the_index() -> None:
    small = ParticipationFigures(
        participants=9, by_channel={"web": 9}, by_neighbourhood={"north": 9},
        by_group={"age_band.18_29": 9},
    )  # fmt: skip
    got = _evaluate(small)
    assert got["age"].value is None and got["age"].suppressed is True
    assert got["turnout"].value is None and got["turnout"].suppressed is True
    rows = {d["neighbourhood"]: d for d in got["inclusion"].details}
    assert rows["north"]["participants"] is None and rows["north"]["rate"] is None
