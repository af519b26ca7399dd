"""The dashboards' figures as CSV tables: the same public shapes as the API
(``equity.public``, small cells already withheld as empty cells), one table each."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from equity.scorecard import Scorecard


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if value is None else value for value in row])
    return out.getvalue()


def _met(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")


def scorecard_csv(scorecards: Sequence[Scorecard]) -> str:
    """One line per process and criterion (the city-wide table is several processes)."""
    return csv_text(
        ["process", "criterion", "principle", "metric", "value", "target", "direction", "met"],
        (
            [
                card.label,
                c.criterion.key,
                c.criterion.principle,
                c.criterion.metric,
                c.criterion.value,
                c.criterion.target,
                c.criterion.direction,
                _met(c.criterion.met),
            ]
            for card in scorecards
            for c in card.criteria
        ),
    )


def participation_csv(body: dict[str, Any]) -> str:
    rows: list[list[Any]] = [["all", "", body["participants"], ""]]
    rows += [["channel", k, v, ""] for k, v in body["by_channel"].items()]
    rows += [
        ["neighbourhood", r["neighbourhood"], r["participants"], r["rate"]]
        for r in body["by_neighbourhood"]
    ]
    rows += [["phase", k, v, ""] for k, v in body["by_phase"].items()]
    return csv_text(["breakdown", "key", "participants", "rate"], rows)


def representation_csv(criteria: Sequence[dict[str, Any]]) -> str:
    rows = [
        [c["key"], d["group"], d["participants"], d["share"], d["census_share"], d["index"]]
        for c in criteria
        if c["metric"] == "dissimilarity"
        for d in c["details"]
    ]
    return csv_text(
        ["criterion", "group", "participants", "share", "census_share", "representation_index"],
        rows,
    )


def funnel_csv(body: dict[str, Any]) -> str:
    rows: list[list[Any]] = [
        ["all", "", s["step"], s["residents"], s["drop_off"]] for s in body["overall"]
    ]
    for question, groups in body["by_group"].items():
        for group in groups:
            rows += [
                [question, group["group"], s["step"], s["residents"], s["drop_off"]]
                for s in group["steps"]
            ]
    for channel in body["by_channel"]:
        rows += [
            ["channel", channel["channel"], s["step"], s["residents"], s["drop_off"]]
            for s in channel["steps"]
        ]
    return csv_text(["breakdown", "group", "step", "residents", "drop_off"], rows)
