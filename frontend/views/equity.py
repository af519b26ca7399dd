"""The equity dashboards, public: a process's scorecard (with its trend), the
participation-rate map, representation bars, the funnel, and the city-wide scorecards
over time, each with its CSV. Server-rendered, no JavaScript; every figure comes from
``equity.public`` (small cells withheld) and the map is drawn as SVG beside a table."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from core.selectors import process_or_404
from equity.choropleth import Area, choropleth
from equity.csv_tables import funnel_csv, participation_csv, representation_csv, scorecard_csv
from equity.public import funnel_json, participation_json, scorecard_json
from equity.scorecard import city_scorecards, process_scorecard
from equity.selectors import process_funnel, process_participation
from frontend.turnout import channel_label, count_text
from maps.models import Neighbourhood
from participation.demographics import group_label, question_label

# How each metric's value reads: a share (as a percentage), a ratio, an index or days.
_PERCENT = {"turnout_rate", "alternative_channels", "ideas_on_ballot", "ideas_funded",
            "recent_updates"}  # fmt: skip
_DAYS = {"decision_days"}


def display_value(metric: str, value: float | None) -> str:
    if value is None:
        return "—"
    if metric in _PERCENT:
        return f"{value * 100:.1f} %"
    if metric in _DAYS:
        return _("%(n)s days") % {"n": f"{value:.1f}"}
    return f"{value:.2f}"


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f} %"


_count = count_text


def _criterion_rows(body: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for c in body["criteria"]:
        comparison = "≥" if c["direction"] == "at_least" else "≤"
        rows.append(
            {
                **c,
                "shown": display_value(c["metric"], c["value"]),
                "target_shown": f"{comparison} {display_value(c['metric'], c['target'])}",
                "trend_shown": [
                    {**t, "shown": display_value(c["metric"], t["value"])} for t in c["trend"]
                ],
            }
        )
    return rows


def _bar(share: float | None) -> float:
    """Width of a bar out of 100 (the SVG viewBox), never negative or past the end."""
    return round(max(0.0, min(1.0, share or 0.0)) * 100, 1)


def _representation(body: dict[str, Any]) -> list[dict[str, Any]]:
    sections = []
    for c in body["criteria"]:
        if c["metric"] != "dissimilarity":
            continue
        question = str(c["params"].get("question", ""))
        rows = []
        for d in c["details"]:
            rows.append(
                {
                    "group": d["group"],
                    "label": d.get("label") or d["group"],
                    "participants": _count(d["participants"]),
                    "share": _percent(d["share"]),
                    "census_share": _percent(d["census_share"]),
                    "index": "—" if d["index"] is None else f"{d['index']:.2f}",
                    "bar": _bar(d["share"]),
                    "census_bar": _bar(d["census_share"]),
                }
            )
        sections.append(
            {
                "key": c["key"],
                "question": question_label(question),
                "dissimilarity": display_value(c["metric"], c["value"]),
                "rows": rows,
            }
        )
    return sections


def _funnel_rows(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    top = steps[0]["residents"] if steps and steps[0]["residents"] else None
    labels = {
        "reached": _("Reached"),
        "engaged": _("Engaged"),
        "verified": _("Verified"),
        "voted": _("Voted"),
    }
    return [
        {
            "step": s["step"],
            "label": labels[s["step"]],
            "residents": _count(s["residents"]),
            "drop_off": _percent(s["drop_off"]),
            "bar": _bar(s["residents"] / top if top and s["residents"] is not None else None),
        }
        for s in steps
    ]


def _map(participation: dict[str, Any]) -> Any:
    rates = {r["neighbourhood"]: r for r in participation["by_neighbourhood"]}
    areas = [
        Area(slug=n.slug, name=n.name, boundary=n.boundary, value=rates[n.slug]["rate"])
        for n in Neighbourhood.objects.order_by("name").only("slug", "name", "boundary")
        if n.slug in rates
    ]
    drawn = choropleth(areas)
    return {
        "svg": drawn,
        "legend": [
            {"fill": band.fill, "low": _percent(band.low), "high": _percent(band.high)}
            for band in drawn.legend
        ],
        "rows": [
            {
                "name": r["name"],
                "participants": _count(r["participants"]),
                "population": r["population"],
                "rate": _percent(r["rate"]),
                "fill": next((s.fill for s in drawn.shapes if s.slug == r["neighbourhood"]), ""),
            }
            for r in participation["by_neighbourhood"]
        ],
    }


def _labelled_groups(scorecard: dict[str, Any]) -> dict[str, Any]:
    for c in scorecard["criteria"]:
        for d in c["details"]:
            if "group" in d:
                d["label"] = group_label(d["group"])
    return scorecard


@require_GET
def process_equity(request: HttpRequest, slug: str) -> HttpResponse:
    process = process_or_404(slug)
    figures = process_participation(process)
    scorecard = _labelled_groups(scorecard_json(process_scorecard(process, figures=figures)))
    participation = participation_json(process, figures)
    funnel = funnel_json(process, process_funnel(process))
    return render(
        request,
        "frontend/equity/process.html",
        {
            "process": process,
            "criteria": _criterion_rows(scorecard),
            "participation": participation,
            "channels": [
                {"label": channel_label(k), "count": _count(v)}
                for k, v in participation["by_channel"].items()
            ],
            "map": _map(participation),
            "representation": _representation(scorecard),
            "funnel": _funnel_rows(funnel["overall"]),
            "funnel_channels": [
                {
                    "label": channel_label(c["channel"]),
                    "id": f"funnel-channel-{c['channel']}",
                    "rows": _funnel_rows(c["steps"]),
                }
                for c in funnel["by_channel"]
            ],
            "funnel_groups": [
                {
                    "question": question_label(question),
                    "groups": [
                        {
                            "label": g["label"],
                            "id": "funnel-" + g["group"].replace(".", "-").replace("_", "-"),
                            "rows": _funnel_rows(g["steps"]),
                        }
                        for g in groups
                    ],
                }
                for question, groups in funnel["by_group"].items()
            ],
            "min_cell": settings.EQUITY_MIN_CELL,
        },
    )


@require_GET
def city_equity(request: HttpRequest) -> HttpResponse:
    cards = [scorecard_json(card) for card in city_scorecards()]
    keys = [c["key"] for c in cards[0]["criteria"]] if cards else []
    header = [
        {"key": c["key"], "label": c["label"], "principle": c["principle_label"]}
        for c in (cards[0]["criteria"] if cards else [])
    ]
    rows = [
        {
            "process": card["process"],
            "title": card["title"],
            "participants": card["participants"],
            "cells": [
                {
                    "shown": display_value(c["metric"], c["value"]),
                    "met": c["met"],
                }
                for c in card["criteria"]
                if c["key"] in keys
            ],
        }
        for card in cards
    ]
    return render(request, "frontend/equity/city.html", {"header": header, "rows": rows})


def _csv(text: str, filename: str) -> HttpResponse:
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
def scorecard_download(request: HttpRequest, slug: str) -> HttpResponse:
    process = process_or_404(slug)
    return _csv(scorecard_csv([process_scorecard(process)]), f"{process.slug}-scorecard.csv")


@require_GET
def city_scorecards_download(request: HttpRequest) -> HttpResponse:
    return _csv(scorecard_csv(city_scorecards()), "scorecards.csv")


@require_GET
def participation_download(request: HttpRequest, slug: str) -> HttpResponse:
    process = process_or_404(slug)
    body = participation_json(process, process_participation(process))
    return _csv(participation_csv(body), f"{process.slug}-participation.csv")


@require_GET
def representation_download(request: HttpRequest, slug: str) -> HttpResponse:
    process = process_or_404(slug)
    body = scorecard_json(process_scorecard(process))
    return _csv(representation_csv(body["criteria"]), f"{process.slug}-representation.csv")


@require_GET
def funnel_download(request: HttpRequest, slug: str) -> HttpResponse:
    process = process_or_404(slug)
    body = funnel_json(process, process_funnel(process))
    return _csv(funnel_csv(body), f"{process.slug}-funnel.csv")
