"""Extra data for the browser suite, on top of ``manage.py load_demo``.

Run by the live-server fixture in a child process whose ``DATABASE_URL`` is the browser
test database (``python -m tests.browser.seed``), so every write goes through the real
services with the same settings as the server. Prints one JSON line with what the tests
need (slugs and ids).

What it adds:

- one more city-wide project on the demo ballot. In the demo city the eight city-wide
  projects cost 410,000 of a 500,000 budget and each neighbourhood pot holds a single
  project, so no ballot can go over budget; the over-budget flows need this project.
- a closed process with ballots cast through ``ballot_cast`` and results published
  through ``budgets.services.results_publish``, and a delivery update on the funded
  projects: the results and delivery pages then have something to show.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from decimal import Decimal
from typing import Any

EXTRA_PROJECT_CODE = 21
EXTRA_PROJECT_COST = Decimal("150000")
CLOSED_SLUG = "harbourside-2026"
MODERATOR_USERNAME = "browser-moderator"
MODERATOR_PASSWORD = "browser-moderator-password"


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "justcity.settings")
    import django

    django.setup()


def seed() -> dict[str, Any]:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from budgets.ballot_validation import Choice
    from budgets.models import ImplementationStatus, Pot, Project
    from budgets.services.ballots import ballot_cast
    from budgets.services.results import results_publish
    from core.models import BallotType, Channel, Phase, PhaseKind, Process, TallyRule
    from demo.riverbend import PROCESS_SLUG, STAFF_USERNAME
    from maps.models import Neighbourhood
    from participation.identity import phone_hash
    from participation.models import Proposal, ProposalStatus, Resident

    demo = Process.objects.get(slug=PROCESS_SLUG)
    citywide = Pot.objects.get(process=demo, neighbourhood=None)
    located = Project.objects.filter(process=demo, lat__isnull=False).first()
    Project.objects.update_or_create(
        process=demo,
        short_code=EXTRA_PROJECT_CODE,
        defaults={
            "pot": citywide,
            "title": "Fibre backbone along the river",
            "cost": EXTRA_PROJECT_COST,
            "neighbourhood": located.neighbourhood if located else None,
            "lat": located.lat if located else None,
            "lng": located.lng if located else None,
        },
    )

    # --- a closed process with published results -------------------------------------
    now = timezone.now()
    day = dt.timedelta(days=1)
    closed, _ = Process.objects.update_or_create(
        slug=CLOSED_SLUG,
        defaults={
            "title": "Harbourside Budget 2026",
            "description": "Last year's vote: the results are published.",
            "languages": ["en", "es", "fr"],
            "ballot_type": BallotType.APPROVAL,
            "rule": TallyRule.GREEDY,
        },
    )
    phases = {
        PhaseKind.IDEAS: (now - 90 * day, now - 40 * day),
        PhaseKind.VOTING: (now - 30 * day, now + day),  # closed below, after the ballots
        PhaseKind.RESULTS: (now + day, now + 30 * day),
    }
    for kind, (starts, ends) in phases.items():
        Phase.objects.update_or_create(
            process=closed, kind=kind, defaults={"starts_at": starts, "ends_at": ends}
        )
    pot, _ = Pot.objects.update_or_create(
        process=closed,
        neighbourhood=None,
        defaults={"name": "City-wide", "amount": Decimal("100000")},
    )
    areas = list(Neighbourhood.objects.order_by("name")[:3])
    specs = [
        ("Harbour swimming platform", "60000"),
        ("Night bus to the harbour", "30000"),
        ("Seawall mural by local youth", "20000"),
    ]
    projects = []
    for code, ((title, cost), area) in enumerate(zip(specs, areas, strict=True), start=1):
        project, _ = Project.objects.update_or_create(
            process=closed,
            short_code=code,
            defaults={
                "pot": pot,
                "title": title,
                "cost": Decimal(cost),
                "neighbourhood": area,
                "lat": area.centroid_lat,
                "lng": area.centroid_lng,
            },
        )
        projects.append(project)
    if closed.results_published_at is None:
        picks = [[0, 1], [0, 2], [1, 2], [0]]
        for i, pick in enumerate(picks):
            e164 = f"+1415555{9000 + i:04d}"
            voter, _ = Resident.objects.get_or_create(
                phone_hash=phone_hash(e164),
                defaults={"phone_e164": e164, "first_channel": Channel.WEB},
            )
            ballot_cast(
                resident=voter,
                process=closed,
                choices=[Choice(project_id=projects[j].pk) for j in pick],
                channel=Channel.WEB,
            )
        Phase.objects.filter(process=closed, kind=PhaseKind.VOTING).update(
            ends_at=timezone.now() - dt.timedelta(seconds=1)
        )
        staff = get_user_model().objects.get(username=STAFF_USERNAME)
        results_publish(process=closed, actor=staff)
    Project.objects.filter(process=closed, short_code=1).update(
        implementation_status=ImplementationStatus.IN_PROGRESS,
        implementation_note="Foundations poured; opening planned for June.",
    )

    proposal = (
        Proposal.objects.filter(process=demo, status=ProposalStatus.APPROVED)
        .order_by("title")
        .first()
    )
    assert proposal is not None, "the demo city has no published idea"
    project = Project.objects.filter(process=demo).order_by("short_code").first()
    assert project is not None
    neighbourhood = Neighbourhood.objects.order_by("name").first()
    assert neighbourhood is not None
    # A moderator of the whole city for the keyboard queue test (tests/browser/
    # test_moderation_queue.py): a staff account holding only the moderation permission.
    from django.contrib.auth.models import Permission

    moderator, _ = get_user_model().objects.get_or_create(
        username=MODERATOR_USERNAME, defaults={"is_staff": True}
    )
    moderator.set_password(MODERATOR_PASSWORD)
    moderator.save()
    moderator.user_permissions.add(
        Permission.objects.get(
            content_type__app_label="participation", codename="moderate_proposals"
        )
    )
    return {
        "moderator": MODERATOR_USERNAME,
        "moderator_password": MODERATOR_PASSWORD,
        "process": demo.slug,
        "closed_process": closed.slug,
        "proposal": proposal.pk,
        "proposal_title": proposal.title,
        "project": project.pk,
        "closed_project": projects[0].pk,
        "neighbourhood": neighbourhood.slug,
        "neighbourhood_name": neighbourhood.name,
        "extra_project_code": EXTRA_PROJECT_CODE,
    }


def prepare(*, demo_only: bool = False) -> dict[str, Any]:
    """The whole preparation of a fresh database, in one Django start-up: the schema,
    the translation catalogues the server reads, the demo city, then ``seed`` (unless
    ``demo_only``: then the database is what ``make run`` serves)."""
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    call_command("compile_translations", verbosity=0)
    call_command("load_demo", verbosity=0)
    if demo_only:
        from demo.riverbend import PROCESS_SLUG

        return {"process": PROCESS_SLUG}
    return seed()


if __name__ == "__main__":
    _setup()
    print(json.dumps(prepare(demo_only="--demo-only" in sys.argv[1:])))
