from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from django.core.management import call_command

from core.models import Process
from demo.riverbend import PROCESS_SLUG
from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo() -> Process:
    call_command("load_demo", verbosity=0)
    return Process.objects.get(slug=PROCESS_SLUG)


def test_process_page_has_map_and_plain_list(client, demo: Process) -> None:  # type: ignore[no-untyped-def]
    response = client.get(f"/processes/{demo.slug}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="process-map"' in html
    assert "leaflet" in html
    # The same projects as a plain table, readable with JavaScript off.
    for project in demo.projects.all():
        assert f'id="project-{project.short_code}"' in html
        assert project.title in html
    assert 'id="map-data"' in html


def test_home_lists_the_process(client, demo: Process) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/")
    assert demo.title in response.content.decode()
    assert "Voting" in response.content.decode()


def test_unknown_process_is_404(client, db) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/processes/nope/").status_code == 404


_NO_TILES_PROBE = """
import django
django.setup()
from django.core.management import call_command
from django.test import Client
call_command("migrate", verbosity=0)
call_command("load_demo", verbosity=0)
r = Client(HTTP_HOST="127.0.0.1").get("/processes/riverbend-2027/")
print(r.status_code)
print(r["Content-Security-Policy"])
print(r.content.decode())
"""


def test_map_works_without_tiles(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """With MAP_TILES_URL empty the page has no tile layer and no third-party origin,
    and still draws neighbourhoods and projects from the inline data."""
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_ENV"}},
        "MAP_TILES_URL": "",
        "DATABASE_URL": f"sqlite:///{tmp_path}/tiles.sqlite3",
    }
    result = subprocess.run(
        [sys.executable, "-c", _NO_TILES_PROBE],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    status, csp, html = result.stdout.split("\n", 2)
    assert status == "200"
    assert "openstreetmap" not in html
    assert "openstreetmap" not in csp
    assert '"layers": []' in html
    assert 'id="map-data"' in html


def test_neighbourhood_geojson(client, demo: Process) -> None:  # type: ignore[no-untyped-def]
    data = client.get("/maps/neighbourhoods.geojson").json()
    assert data["type"] == "FeatureCollection"
    assert len(data["features"]) == 12


def test_budget_split_page_shows_formula_and_amounts(client, demo: Process) -> None:  # type: ignore[no-untyped-def]
    response = client.get(f"/processes/{demo.slug}/budget/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Population times need index" in html
    for pot in demo.pots.exclude(neighbourhood=None):
        assert pot.name in html
    assert 'id="budget-link"' in client.get(f"/processes/{demo.slug}/").content.decode()


def test_simulator_link_only_with_console_sms(client, demo: Process, settings) -> None:  # type: ignore[no-untyped-def]
    assert 'id="sms-simulator-link"' not in client.get(f"/processes/{demo.slug}/").content.decode()
    settings.SMS_BACKEND = "sms.backends.console.SmsBackend"
    assert 'id="sms-simulator-link"' in client.get(f"/processes/{demo.slug}/").content.decode()


def _channel_text(client, slug: str) -> str:  # type: ignore[no-untyped-def]
    """ "Web: 120 · SMS: 40 · Paper: 15", from the participation API's own figures."""
    by_channel = client.get(f"/api/processes/{slug}/participation/").json()["by_channel"]
    labels = {"web": "Web", "sms": "SMS", "paper": "Paper", "api": "API"}
    return " · ".join(
        f"{labels[c]}: {'fewer than 10' if n is None else n}"
        for c, n in sorted(by_channel.items(), key=lambda i: list(labels).index(i[0]))
        if n != 0
    )


def test_turnout_by_channel_stays_on_the_process_page_after_voting_closes(
    client,  # type: ignore[no-untyped-def]
    demo: Process,
) -> None:
    from django.utils import timezone

    from core.models import Phase, PhaseKind

    api = client.get(f"/api/processes/{demo.slug}/participation/").json()
    assert api["by_channel"]["paper"], "the demo city has paper voters"
    open_page = client.get(f"/processes/{demo.slug}/").content.decode()
    assert "Residents who have voted so far:" in open_page
    Phase.objects.filter(process=demo, kind=PhaseKind.VOTING).update(ends_at=timezone.now())
    html = client.get(f"/processes/{demo.slug}/").content.decode()
    assert f'Residents who voted: <strong id="live-turnout">{api["participants"]}</strong>' in html
    assert f"By channel: {_channel_text(client, demo.slug)}" in " ".join(
        re.sub(r"<[^>]+>", "", html).split()
    )


def test_published_results_show_who_voted_by_channel(client, demo: Process) -> None:  # type: ignore[no-untyped-def]
    from demo.riverbend import PAST_SLUG

    html = client.get(f"/processes/{PAST_SLUG}/results/").content.decode()
    api = client.get(f"/api/processes/{PAST_SLUG}/participation/").json()
    # A few paper voters in the past round: withheld as "fewer than 10", never 0.
    assert api["by_channel"]["paper"] is None
    text = " ".join(re.sub(r"<[^>]+>", "", html).split())
    assert f"Residents who voted: {api['participants']}" in text
    assert f"By channel: {_channel_text(client, PAST_SLUG)}" in text
