"""Riverbend: the deterministic synthetic demo city loaded by ``manage.py load_demo``.

Everything is invented (name, geometry, people) and generated from a fixed seed, so two
loads give identical data. Loading is idempotent: rows are found by natural keys
(neighbourhood name, process slug, project short code, ...) and updated in place.
The voting phase is kept open relative to today so the demo always has a live vote.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from shapely.geometry import Point as ShapelyPoint

from budgets.models import Pot, Project
from budgets.services.pots import pots_allocate
from core.models import BallotType, Phase, PhaseKind, PotFormula, Process, TallyRule
from demo.equity import demo_equity_load
from maps.geometry import boundary_shape
from maps.models import Neighbourhood
from participation.identity import phone_hash
from participation.models import (
    Comment,
    Flag,
    ModerationDecision,
    Proposal,
    ProposalStatus,
    QueueReason,
    Resident,
)

SEED = 2027
PROCESS_SLUG = "riverbend-2027"
STAFF_USERNAME = "demo-staff"
STAFF_PASSWORD = "demo-staff-password"  # noqa: S105 - documented demo login, refused in production

# A 4 × 3 grid of districts around an invented origin, with jittered inner vertices so
# the boundaries look like a city's (shared edges, no gaps, no overlaps).
ORIGIN_LNG, ORIGIN_LAT = -99.50, 39.20
CELL = 0.018
COLS, ROWS = 4, 3

NAMES = [
    "Old Harbour", "Mill Hill", "Eastgate", "Cedar Flats",
    "Northfield", "Lantern Quarter", "Southbank", "Orchard Park",
    "Ironworks", "Bellweather", "Greenway", "Stonebridge",
]  # fmt: skip

PROJECTS_CITYWIDE = [
    ("Solar bus shelters with live arrival screens", "60000"),
    ("Free public Wi-Fi in all libraries", "45000"),
    ("Air-quality sensors near every school", "38000"),
    ("Accessible crossing signals (audio + tactile)", "52000"),
    ("Bike-share stations in underserved districts", "90000"),
    ("Open data portal for city budgets", "25000"),
    ("Flood early-warning sensors on the river", "70000"),
    ("Multilingual 311 by SMS", "30000"),
]
# Added after the neighbourhood projects (short code 21) so a city-wide ballot can go
# over budget: the eight above total 410,000 of the 500,000 pot.
PROJECT_BIG = ("Fibre backbone along the river", "150000")
PROJECTS_LOCAL = [
    "Smart street lighting on main streets",
    "Community tool library with online booking",
    "Shade trees with soil-moisture sensors",
    "Digital skills classes for seniors",
    "Safer school routes with traffic counters",
    "Public EV chargers at the community centre",
    "Heat-refuge room with air conditioning",
    "Pocket park with water fountain",
    "Repair café and e-waste drop-off",
    "Youth maker space with 3D printers",
    "Covered market stalls with card readers",
    "Playground lighting on timers",
]


# What each project is, in the words a city would put on the ballot: what gets built,
# where, what it costs to run, and who asked for it.
DESCRIPTIONS = {
    "Solar bus shelters with live arrival screens": (
        "Twenty bus shelters on the busiest routes get solar roofs, lighting at night and a "
        "screen showing when the next bus arrives. The panels power the screens and lights, "
        "so running costs stay near zero."
    ),
    "Free public Wi-Fi in all libraries": (
        "Fast, free Wi-Fi inside and just outside every public library, with no sign-up and "
        "no tracking. Residents without internet at home asked for a place to study, apply "
        "for jobs and fill in forms online."
    ),
    "Air-quality sensors near every school": (
        "A small air-quality sensor at the gate of every primary and secondary school, with "
        "the readings published hourly on the open data portal and sent by SMS to parents "
        "who sign up when pollution is high."
    ),
    "Accessible crossing signals (audio + tactile)": (
        "Forty busy pedestrian crossings get push buttons that vibrate and speak when it is "
        "safe to cross, for blind and partially sighted residents. Chosen with the city's "
        "disability council."
    ),
    "Bike-share stations in underserved districts": (
        "Ten new bike-share stations with e-bikes in the districts that have none today, "
        "with a reduced fare for residents on low incomes and cash payment at libraries."
    ),
    "Open data portal for city budgets": (
        "A public website with every line of the city budget, contracts and spending, "
        "downloadable and updated monthly, so anyone can follow where the money goes."
    ),
    "Flood early-warning sensors on the river": (
        "Water-level sensors at six points along the river that send an SMS warning to "
        "residents of low-lying streets when the river rises fast, hours before a flood."
    ),
    "Multilingual 311 by SMS": (
        "Report a broken street light, a pothole or missed rubbish collection by text "
        "message, in English, Spanish or French, from any phone, and get updates by SMS."
    ),
    "Fibre backbone along the river": (
        "A fibre-optic cable along the river path connecting libraries, schools and the "
        "community centres, so public buildings get fast internet and the city stops "
        "renting lines."
    ),
}
LOCAL_DESCRIPTIONS = {
    "Smart street lighting on main streets": (
        "LED street lights on {name}'s main streets that brighten when someone walks by and "
        "dim when the street is empty, saving energy and lighting the way home."
    ),
    "Community tool library with online booking": (
        "A lending library of drills, ladders and garden tools in {name}, booked online, by "
        "SMS or at the counter, so neighbours share tools instead of buying them."
    ),
    "Shade trees with soil-moisture sensors": (
        "Forty shade trees planted along {name}'s sunniest streets, each with a soil "
        "sensor that tells the parks team when it needs water in its first summers."
    ),
    "Digital skills classes for seniors": (
        "Free weekly classes in {name} for older residents: video calls, online forms, "
        "spotting scams. Tablets are lent for the length of the course."
    ),
    "Safer school routes with traffic counters": (
        "Traffic counters and new crossings on the routes children walk to school in "
        "{name}, with the counts published so speeding can be acted on."
    ),
    "Public EV chargers at the community centre": (
        "Six public chargers for electric cars and mobility scooters at {name}'s community "
        "centre, priced at cost, with two reserved for car-share vehicles."
    ),
    "Heat-refuge room with air conditioning": (
        "A cooled room open to everyone in {name} on hot days, with water, seats and staff "
        "trained to spot heat illness, announced by SMS when a heatwave is coming."
    ),
    "Pocket park with water fountain": (
        "An empty lot in {name} turned into a small park with benches, shade, a drinking "
        "fountain and planting chosen with the neighbours."
    ),
    "Repair café and e-waste drop-off": (
        "A monthly repair café in {name} where volunteers fix phones, lamps and bikes, and a "
        "safe drop-off point for old electronics and batteries."
    ),
    "Youth maker space with 3D printers": (
        "A workshop for young people in {name} with 3D printers, a laser cutter and "
        "mentors, open after school and on Saturdays."
    ),
    "Covered market stalls with card readers": (
        "Weatherproof market stalls on {name}'s square with lighting, power and shared card "
        "readers, rented at low cost to local traders."
    ),
    "Playground lighting on timers": (
        "Lighting for {name}'s playground that switches on at dusk and off at 9 pm, so "
        "families can use it on winter evenings."
    ),
}


def _grid_vertices(rng: random.Random) -> list[list[tuple[float, float]]]:
    points = []
    for row in range(ROWS + 1):
        line = []
        for col in range(COLS + 1):
            jitter_x = 0.0 if col in (0, COLS) else rng.uniform(-0.25, 0.25) * CELL
            jitter_y = 0.0 if row in (0, ROWS) else rng.uniform(-0.25, 0.25) * CELL
            line.append(
                (
                    round(ORIGIN_LNG + col * CELL + jitter_x, 6),
                    round(ORIGIN_LAT + row * CELL + jitter_y, 6),
                )
            )
        points.append(line)
    return points


def neighbourhood_specs() -> list[dict[str, Any]]:
    rng = random.Random(SEED)
    grid = _grid_vertices(rng)
    specs = []
    for index, name in enumerate(NAMES):
        row, col = divmod(index, COLS)
        ring = [grid[row][col], grid[row][col + 1], grid[row + 1][col + 1], grid[row + 1][col]]
        ring.append(ring[0])
        population = rng.randrange(8_000, 42_000, 100)
        share = rng.uniform
        demographics = {
            "women": int(population * share(0.48, 0.53)),
            "age_18_29": int(population * share(0.14, 0.26)),
            "age_65_plus": int(population * share(0.10, 0.24)),
            "renters": int(population * share(0.25, 0.70)),
            "low_income": int(population * share(0.08, 0.38)),
            "limited_english": int(population * share(0.02, 0.22)),
        }
        need = Decimal(str(round(0.6 + 1.6 * demographics["low_income"] / population, 3)))
        specs.append(
            {
                "name": name,
                "boundary": {"type": "Polygon", "coordinates": [[list(p) for p in ring]]},
                "population": population,
                "demographics": demographics,
                "need_index": need,
                "centroid": (
                    sum(p[1] for p in ring[:4]) / 4,
                    sum(p[0] for p in ring[:4]) / 4,
                ),
            }
        )
    return specs


def _phases(now: dt.datetime) -> list[tuple[str, dt.datetime, dt.datetime]]:
    day = dt.timedelta(days=1)
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    voting_start = today - 7 * day
    voting_end = today + 30 * day
    return [
        # The idea box stays open through the vote: ideas feed the next round.
        (PhaseKind.IDEAS, voting_start - 60 * day, voting_end),
        (PhaseKind.REVIEW, voting_start - 30 * day, voting_start),
        (PhaseKind.VOTING, voting_start, voting_end),
        (PhaseKind.RESULTS, voting_end, voting_end + 14 * day),
        (PhaseKind.IMPLEMENTATION, voting_end + 14 * day, voting_end + 380 * day),
    ]


@transaction.atomic
def demo_city_load() -> Process:
    rng = random.Random(SEED + 1)
    neighbourhoods: list[Neighbourhood] = []
    for spec in neighbourhood_specs():
        n, _ = Neighbourhood.objects.update_or_create(
            name=spec["name"],
            defaults={
                "slug": slugify(spec["name"]),
                "boundary": spec["boundary"],
                "population": spec["population"],
                "demographics": spec["demographics"],
                "need_index": spec["need_index"],
                "centroid_lat": spec["centroid"][0],
                "centroid_lng": spec["centroid"][1],
            },
        )
        neighbourhoods.append(n)

    process, _ = Process.objects.update_or_create(
        slug=PROCESS_SLUG,
        defaults={
            "title": "Riverbend Participatory Budget 2027",
            "description": (
                "Riverbend residents decide how to spend 1.7 million on smart-city pilots: "
                "half a million city-wide and 1.2 million shared between neighbourhoods by "
                "population and need. Vote on the web, by SMS, or on paper at any library."
            ),
            "languages": ["en", "es", "fr"],
            "ballot_type": BallotType.APPROVAL,
            "min_projects": 1,
            "rule": TallyRule.MES_COMPLETED,
            "pot_formula": PotFormula.NEED,
            "neighbourhood_budget": Decimal("1200000"),
            "currency": "USD",
        },
    )
    for kind, starts, ends in _phases(timezone.now()):
        Phase.objects.update_or_create(
            process=process, kind=kind, defaults={"starts_at": starts, "ends_at": ends}
        )
    citywide, _ = Pot.objects.update_or_create(
        process=process,
        neighbourhood=None,
        defaults={"name": "City-wide", "amount": Decimal("500000")},
    )
    if not process.ballots.exists():
        pots_allocate(process=process)
    local_pots = {p.neighbourhood_id: p for p in process.pots.exclude(neighbourhood=None)}

    code = 1
    for title, citywide_cost in PROJECTS_CITYWIDE:
        n = neighbourhoods[rng.randrange(len(neighbourhoods))]
        _project(
            process,
            citywide,
            code,
            title,
            Decimal(citywide_cost),
            n,
            rng,
            located=True,
            description=DESCRIPTIONS[title],
        )
        code += 1
    for n, title in zip(neighbourhoods, PROJECTS_LOCAL, strict=True):
        pot = local_pots[n.pk]
        # Round to whole thousands, as cities cost projects.
        cost = (pot.amount * Decimal(rng.uniform(0.3, 0.6)) / 1000).quantize(Decimal(1)) * 1000
        _project(
            process,
            pot,
            code,
            f"{n.name}: {title}",
            cost,
            n,
            rng,
            located=True,
            description=LOCAL_DESCRIPTIONS[title].format(name=n.name),
        )
        code += 1
    big_title, big_cost = PROJECT_BIG
    _project(
        process,
        citywide,
        code,
        big_title,
        Decimal(big_cost),
        neighbourhoods[0],
        rng,
        located=True,
        description=DESCRIPTIONS[big_title],
    )

    residents = [
        Resident.objects.update_or_create(
            phone_hash=phone_hash(f"+1555010{i:04d}"),
            defaults={
                "phone_e164": f"+1555010{i:04d}",
                "neighbourhood": neighbourhoods[i % len(neighbourhoods)],
                "language": ["en", "es", "fr"][i % 3],
                "first_channel": ["web", "sms"][i % 2],
            },
        )[0]
        for i in range(6)
    ]
    ideas = [
        ("Water fountains in every park", "Summers are getting hotter; we need free water."),
        ("Bus stop benches with shade", "Older neighbours wait in the sun for 20 minutes."),
        ("Translate council notices", "Half my street reads Spanish first."),
        ("Sensors for the flooding underpass", "It floods every spring and cars get stuck."),
        ("Night lighting on the river path", "Women avoid the path after dark."),
    ]
    for i, (title, body) in enumerate(ideas):
        n = neighbourhoods[(i * 5) % len(neighbourhoods)]
        lat, lng = _inside(n, rng)
        proposal, _ = Proposal.objects.update_or_create(
            process=process,
            title=title,
            defaults={
                "author": residents[i % len(residents)],
                "body": body,
                "lat": lat,
                "lng": lng,
                "neighbourhood": n,
                "status": ProposalStatus.APPROVED,
                "language": "en",
            },
        )
        if not proposal.comments.exists():
            first = Comment.objects.create(
                proposal=proposal, author=residents[(i + 1) % 6], body="I would use this daily."
            )
            Comment.objects.create(
                proposal=proposal,
                author=residents[(i + 2) % 6],
                parent=first,
                body="Same here, especially in the evenings.",
            )

    _moderation_queue(process, neighbourhoods, residents)

    user_model = get_user_model()
    staff, created = user_model.objects.get_or_create(
        username=STAFF_USERNAME, defaults={"is_staff": True, "is_superuser": True}
    )
    if created or not staff.check_password(STAFF_PASSWORD):
        staff.set_password(STAFF_PASSWORD)
        staff.save()
    # The demo's participation and equity figures (demo/equity.py): kept apart.
    demo_equity_load(process)
    return process


# Ten items waiting for a moderator (DEMO_QUEUE_SIZE): six new ideas, three new
# comments and one published idea residents flagged. A reload puts back in the queue
# any of them no moderator decided on yet; decided ones stay decided.
PENDING_IDEAS = [
    ("Free period products in school toilets", "Girls miss school days without them.", "en"),
    ("Bancos con sombra en la plaza", "Los mayores no tienen dónde sentarse.", "es"),
    ("Composteurs de quartier", "Nos déchets verts pourraient nourrir les jardins.", "fr"),
    ("Late-night bus to the hospital", "Night-shift nurses walk home in the dark.", "en"),
    ("BUY CHEAP WATCHES click here", "best prices www.example.com", "en"),
    ("Skate park under the bridge", "Teenagers need somewhere to go.", "en"),
]
PENDING_COMMENTS = [
    "Could this include a ramp for wheelchairs?",
    "This is a waste of money, idiots.",
    "My street floods too, please add Mill Lane.",
]
FLAGGED_IDEA = "Translate council notices"
DEMO_QUEUE_SIZE = len(PENDING_IDEAS) + len(PENDING_COMMENTS) + 1


def _moderation_queue(
    process: Process, neighbourhoods: list[Neighbourhood], residents: list[Resident]
) -> None:
    now = timezone.now()
    undecided_ideas = []
    for i, (title, body, language) in enumerate(PENDING_IDEAS):
        n = neighbourhoods[(i * 3 + 1) % len(neighbourhoods)]
        author = residents[i % len(residents)]
        idea, _ = Proposal.objects.get_or_create(
            process=process,
            **{f"title_{language}": title},
            defaults={
                f"body_{language}": body,
                "author": author,
                "neighbourhood": n,
                "language": language,
                "channel": author.first_channel,
            },
        )
        if not ModerationDecision.objects.filter(proposal=idea).exists():
            undecided_ideas.append(idea.pk)
    Proposal.objects.filter(pk__in=undecided_ideas).update(
        status=ProposalStatus.SUBMITTED, queued_at=now, queue_reason=QueueReason.NEW
    )
    published = list(
        Proposal.objects.filter(process=process, status=ProposalStatus.APPROVED).order_by("pk")
    )
    undecided_comments = []
    for i, body in enumerate(PENDING_COMMENTS):
        comment, _ = Comment.objects.get_or_create(
            proposal=published[i % len(published)],
            body=body,
            defaults={"author": residents[(i + 3) % len(residents)]},
        )
        if not ModerationDecision.objects.filter(comment=comment).exists():
            undecided_comments.append(comment.pk)
    Comment.objects.filter(pk__in=undecided_comments).update(
        queued_at=now, queue_reason=QueueReason.NEW
    )
    flagged = Proposal.objects.get(process=process, title_en=FLAGGED_IDEA)
    if not ModerationDecision.objects.filter(proposal=flagged).exists():
        for resident in residents[3:6]:
            Flag.objects.get_or_create(
                proposal=flagged,
                resident=resident,
                resolved_at=None,
                defaults={"reason": "Looks like an advert", "channel": resident.first_channel},
            )
        Proposal.objects.filter(pk=flagged.pk).update(
            queued_at=now, queue_reason=QueueReason.FLAGGED
        )


def _inside(n: Neighbourhood, rng: random.Random) -> tuple[float, float]:
    """A point well inside ``n`` (a marker there reads as being in that district):
    drawn in the middle of its bounding box and kept only if it lies inside the
    boundary shrunk by a tenth of a cell, else the boundary's representative point."""
    shape = boundary_shape(n.boundary, name=n.name)
    core = shape.buffer(-CELL * 0.1)
    lng_lo, lat_lo, lng_hi, lat_hi = shape.bounds
    for _attempt in range(50):
        lat = round(lat_lo + (lat_hi - lat_lo) * rng.uniform(0.3, 0.7), 6)
        lng = round(lng_lo + (lng_hi - lng_lo) * rng.uniform(0.3, 0.7), 6)
        if core.contains(ShapelyPoint(lng, lat)):
            return lat, lng
    point = (core if not core.is_empty else shape).representative_point()
    return round(point.y, 6), round(point.x, 6)


def _project(
    process: Process,
    pot: Pot,
    code: int,
    title: str,
    cost: Decimal,
    n: Neighbourhood,
    rng: random.Random,
    *,
    located: bool,
    description: str = "",
) -> Project:
    lat, lng = _inside(n, rng) if located else (None, None)
    project, _ = Project.objects.update_or_create(
        process=process,
        short_code=code,
        defaults={
            "pot": pot,
            "title": title,
            "description": description,
            "cost": cost,
            "neighbourhood": n,
            "lat": lat,
            "lng": lng,
        },
    )
    return project
