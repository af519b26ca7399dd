"""The open REST API: GeoJSON shapes, filters, the bounded page size, throttling,
results only after publication, and the offline docs page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from rest_framework.throttling import AnonRateThrottle

from core.api_pagination import MAX_LIMIT
from core.models import Process

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "query",
    [
        "limit=9223372036854775808",
        "limit=99999999999999999999999999999999999999",
        "offset=9223372036854775808",
        "limit=9223372036854775808&offset=9223372036854775808",
    ],
)
def test_huge_limit_or_offset_is_clamped_not_500(
    published: Process, client: Any, query: str
) -> None:
    for url in ("/api/processes/", f"/api/processes/{published.slug}/projects/"):
        response = client.get(f"{url}?{query}")
        assert response.status_code == 200, (url, response.content[:200])
        assert response.json()["count"] >= 1


@pytest.mark.parametrize("query", ["limit=abc", "limit=-1", "limit=0", "offset=-5", "limit=1e3"])
def test_bad_paging_is_400(published: Process, client: Any, query: str) -> None:
    response = client.get(f"/api/processes/{published.slug}/projects/?{query}")
    assert response.status_code == 400
    assert set(response.json()) <= {"limit", "offset"}


def test_page_size_is_bounded(published: Process, client: Any, project_factory: Any) -> None:
    pot = published.pots.get()
    for code in range(6, 6 + MAX_LIMIT + 5):
        project_factory(process=published, pot=pot, short_code=code)
    data = client.get(f"/api/processes/{published.slug}/projects/?limit={MAX_LIMIT * 10}").json()
    assert len(data["features"]) == MAX_LIMIT
    assert data["count"] == MAX_LIMIT + 10
    assert f"limit={MAX_LIMIT}" in data["next"]


def test_projects_ideas_and_neighbourhoods_are_geojson(published: Process, client: Any) -> None:
    projects = client.get(f"/api/processes/{published.slug}/projects/").json()
    assert projects["type"] == "FeatureCollection"
    placed = [f for f in projects["features"] if f["geometry"]]
    assert {f["properties"]["short_code"] for f in placed} == {1, 2}
    assert placed[0]["geometry"] == {"type": "Point", "coordinates": [-73.99, 4.61]}
    assert placed[0]["type"] == "Feature"

    ideas = client.get(f"/api/processes/{published.slug}/ideas/").json()
    assert ideas["type"] == "FeatureCollection"
    # Published ideas only, never the author.
    assert ideas["count"] == 2
    assert all("author" not in f["properties"] for f in ideas["features"])
    north = client.get(f"/api/processes/{published.slug}/ideas/?neighbourhood=north").json()
    assert north["count"] == 1 and north["features"][0]["geometry"]["type"] == "Point"

    areas = client.get("/api/neighbourhoods/").json()
    assert areas["type"] == "FeatureCollection"
    assert [f["properties"]["slug"] for f in areas["features"]] == ["north", "south"]
    assert areas["features"][0]["geometry"]["type"] == "Polygon"
    big = client.get("/api/neighbourhoods/?min_population=20000").json()
    assert [f["properties"]["slug"] for f in big["features"]] == ["north"]
    one = client.get("/api/neighbourhoods/south/").json()
    assert one["properties"]["population"] == 10_000


@pytest.mark.parametrize(
    "url",
    [
        "/api/processes/?ballot_type=nonsense",
        "/api/processes/{slug}/projects/?pot=abc",
        "/api/processes/{slug}/projects/?implementation_status=flying",
        "/api/processes/{slug}/ideas/?channel=fax",
        "/api/processes/{slug}/ideas/?status=hidden",
        "/api/neighbourhoods/?min_population=lots",
    ],
)
def test_bad_filters_are_400(published: Process, client: Any, url: str) -> None:
    assert client.get(url.format(slug=published.slug)).status_code == 400


def test_results_and_fairness_only_after_publication(voting_process: Process, client: Any) -> None:
    for path in ("results", "fairness"):
        response = client.get(f"/api/processes/{voting_process.slug}/{path}/")
        assert response.status_code == 404
        assert "not published" in response.json()["detail"]


def test_published_results_and_fairness(published: Process, client: Any) -> None:
    results = client.get(f"/api/processes/{published.slug}/results/").json()
    assert results["pots"][0]["ballots"] == 5
    fairness = client.get(f"/api/processes/{published.slug}/fairness/").json()
    (pot,) = fairness["pots"]
    rules = [o["rule"] for o in pot["outcomes"]]
    assert rules == ["greedy_cost", "greedy_cost", "mes_cost"]
    assert pot["outcomes"][0]["published"] is True
    places = {row["neighbourhood"]: row for row in fairness["neighbourhoods"]}
    assert places["north"]["population_share"] == 0.75


def test_anonymous_clients_are_throttled(
    published: Process, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(AnonRateThrottle, "rate", "3/min", raising=False)
    codes = [client.get("/api/processes/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    # Per address: another client is not held back by the first.
    assert client.get("/api/processes/", REMOTE_ADDR="10.9.9.9").status_code == 200


def test_schema_and_offline_docs(client: Any) -> None:
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    text = schema.content.decode()
    for path in (
        "/api/pilots/{slug}/reports/",
        "/api/processes/{slug}/fairness/",
        "/api/neighbourhoods/",
    ):
        assert path in text
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    # Every asset from our own static files: nothing from another origin (works offline).
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets and all(a.startswith("/") for a in assets), assets
    assert any("swagger-ui-bundle.js" in a for a in assets)
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200 and "/api/schema/" in script.content.decode()
