from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command
from shapely.geometry import shape

from budgets.models import Pot, Project
from core.models import Phase, Process
from demo.riverbend import PROCESS_SLUG, STAFF_USERNAME, neighbourhood_specs
from maps.models import Neighbourhood
from participation.models import Comment, Proposal, Resident

pytestmark = pytest.mark.django_db


def _snapshot() -> dict[str, object]:
    return {
        "neighbourhoods": list(
            Neighbourhood.objects.order_by("pk").values_list("pk", "name", "population")
        ),
        "processes": list(Process.objects.order_by("pk").values_list("pk", "slug")),
        "pots": list(Pot.objects.order_by("pk").values_list("pk", "name", "amount")),
        "projects": list(
            Project.objects.order_by("pk").values_list("pk", "short_code", "title", "cost", "lat")
        ),
        "proposals": list(Proposal.objects.order_by("pk").values_list("pk", "title")),
        "comments": Comment.objects.count(),
        "residents": Resident.objects.count(),
        "phases": list(Phase.objects.order_by("pk").values_list("pk", "kind")),
    }


def test_load_demo_twice_is_idempotent(capsys) -> None:  # type: ignore[no-untyped-def]
    call_command("load_demo")
    first = _snapshot()
    call_command("load_demo")
    assert _snapshot() == first
    assert "Demo city ready" in capsys.readouterr().out


def test_demo_city_shape() -> None:
    call_command("load_demo")
    process = Process.objects.get(slug=PROCESS_SLUG)
    assert Neighbourhood.objects.count() == 12
    assert 18 <= process.projects.count() <= 24
    assert process.phases.get(kind="voting").is_open()
    assert Proposal.objects.filter(process=process).count() >= 3
    assert Comment.objects.filter(parent__isnull=False).exists()  # threaded
    from django.contrib.auth import get_user_model

    assert get_user_model().objects.get(username=STAFF_USERNAME).is_staff
    # Neighbourhood pots add up exactly to the neighbourhood budget.
    local = process.pots.exclude(neighbourhood=None)
    assert sum((p.amount for p in local), Decimal(0)) == process.neighbourhood_budget
    # Every project fits its pot and sits inside its neighbourhood.
    for project in process.projects.select_related("pot", "neighbourhood"):
        assert project.cost <= project.pot.amount
        from shapely.geometry import Point

        assert shape(project.neighbourhood.boundary).contains(Point(project.lng, project.lat))


def test_demo_geometry_is_valid_and_tiles_without_overlap() -> None:
    shapes = [shape(spec["boundary"]) for spec in neighbourhood_specs()]
    assert all(s.is_valid for s in shapes)
    for i, a in enumerate(shapes):
        for b in shapes[i + 1 :]:
            assert a.intersection(b).area < 1e-12


def test_demo_is_deterministic() -> None:
    assert neighbourhood_specs() == neighbourhood_specs()


def test_load_demo_refused_in_production(settings) -> None:  # type: ignore[no-untyped-def]
    from django.core.management.base import CommandError

    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="Refusing to load the demo city in production"):
        call_command("load_demo")


def test_demo_markers_lie_inside_their_neighbourhood() -> None:
    """Every located idea and project is inside its own neighbourhood, away from the
    edge, so its marker reads as being in that district."""
    from shapely.geometry import Point

    from maps.locate import neighbourhood_at

    call_command("load_demo")
    located = [
        *Project.objects.filter(lat__isnull=False).select_related("neighbourhood"),
        *Proposal.objects.filter(lat__isnull=False).select_related("neighbourhood"),
    ]
    assert len(located) > 20
    for item in located:
        assert neighbourhood_at(item.lat, item.lng) == item.neighbourhood, item
        boundary = shape(item.neighbourhood.boundary)
        assert boundary.exterior.distance(Point(item.lng, item.lat)) > 0.001, item


def test_demo_projects_have_real_descriptions() -> None:
    call_command("load_demo")
    descriptions = [p.description for p in Project.objects.all()]
    assert all(len(d) > 80 for d in descriptions), descriptions
    assert len(set(descriptions)) == len(descriptions)


def test_demo_shows_the_whole_cycle(client) -> None:  # type: ignore[no-untyped-def]
    """A past round with published Equal Shares results, delivery under way on several
    funded projects, and ballots by web, SMS and paper, all through the real services."""
    from budgets.models import Ballot, ProjectUpdate, TallyRun
    from budgets.results import process_results
    from core.models import PhaseState, TallyRule
    from demo.riverbend import PAST_SLUG
    from sms.models import InboundMessage

    call_command("load_demo")
    past = Process.objects.get(slug=PAST_SLUG)
    # Past: every phase closed; results published under MES with completion.
    assert past.results_published_at is not None
    assert all(p.state_at() == PhaseState.CLOSED for p in past.phases.all())
    run = TallyRun.objects.get(pot__process=past)
    assert run.rule == TallyRule.MES_COMPLETED
    (result,) = process_results(past) or []
    assert result.funded
    assert all(r.reason for r in result.projects)
    # Participation by three channels, counted in the published tally.
    channels = set(Ballot.objects.filter(process=past).values_list("channel", flat=True))
    assert channels == {"web", "sms", "paper"}
    assert run.ballots_counted == Ballot.objects.filter(process=past).count() == 50
    # The SMS voters really texted: they chose the round (two were open), then voted.
    assert InboundMessage.objects.filter(command="process").count() == 8
    assert InboundMessage.objects.filter(command="vote").count() == 8
    # Delivery on several funded projects, with notes per language.
    updates = ProjectUpdate.objects.filter(project__process=past)
    assert updates.values("project").distinct().count() >= 3
    assert {u.percent for u in updates} >= {100, 60}
    # A newcomer finds it on the home page as a past round, then its results and delivery.
    home = client.get("/").content.decode()
    assert "Riverbend Participatory Budget 2026" in home.partition('id="past-processes"')[2]
    assert client.get(f"/processes/{PAST_SLUG}/results/").status_code == 200
    delivery = client.get(f"/processes/{PAST_SLUG}/delivery/").content.decode()
    assert "Delivered and in use." in delivery
    # In Spanish, with the pot's name and the amounts in Spanish.
    spanish = client.get(
        f"/processes/{PAST_SLUG}/results/", HTTP_ACCEPT_LANGUAGE="es"
    ).content.decode()
    assert "Toda la ciudad" in spanish
    assert "300.000" in spanish and "US$" in spanish
