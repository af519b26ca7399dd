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
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from shapely.geometry import Point as ShapelyPoint

from budgets.ballot_validation import Choice
from budgets.models import Pot, Project
from budgets.pot_names import citywide_pot_names
from budgets.results import project_funded
from budgets.services.ballots import ballot_cast
from budgets.services.delivery import Milestone
from budgets.services.paper import PaperVoter, paper_ballot_enter
from budgets.services.pots import pots_allocate
from budgets.services.results import results_publish
from core.models import BallotType, Channel, Phase, PhaseKind, PotFormula, Process, TallyRule
from demo.equity import demo_equity_load
from maps.geometry import boundary_shape
from maps.models import Neighbourhood
from participation import roles
from participation.identity import phone_hash
from participation.models import (
    Comment,
    Flag,
    ModerationDecision,
    Pilot,
    Proposal,
    ProposalStatus,
    QueueReason,
    Resident,
)
from participation.services.pilots import PilotReportInput, pilot_report_submit
from participation.services.roles_sync import roles_sync
from sms.project_updates import project_delivery_update
from sms.services import sms_receive

SEED = 2027
PROCESS_SLUG = "riverbend-2027"
# One demo account per staff role (participation.roles), each holding only its role,
# and the admin (also a superuser, so every admin page opens in the demo). Documented
# logins: load_demo refuses to run in production.
DEMO_STAFF: tuple[tuple[str, str], ...] = (
    ("demo-admin", roles.ADMIN),
    ("demo-moderator", roles.MODERATOR),
    ("demo-reviewer", roles.REVIEWER),
    ("demo-poll-worker", roles.POLL_WORKER),
    ("demo-poll-supervisor", roles.POLL_SUPERVISOR),
    ("demo-communications", roles.COMMUNICATIONS),
    ("demo-pilot-reporter", roles.PILOT_REPORTER),
)
STAFF_USERNAME = "demo-admin"


def demo_password(username: str) -> str:
    """The demo login's documented password (``demo-admin`` → ``demo-admin-password``)."""
    return f"{username}-password"


STAFF_PASSWORD = demo_password(STAFF_USERNAME)
# The demo poll supervisor (issue codes, enter and void paper ballots, open a kiosk):
# the login the README's paper walk-through uses.
POLL_USERNAME = "demo-poll-supervisor"
POLL_PASSWORD = demo_password(POLL_USERNAME)

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
        defaults={"amount": Decimal("500000"), **citywide_pot_names()},
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
    demo_staff_load()
    demo_past_round_load()
    # The demo's participation and equity figures (demo/equity.py): kept apart.
    demo_equity_load(process)
    return process


# --- last year's round: the whole cycle ----------------------------------------------------

PAST_SLUG = "riverbend-2026"
PAST_TITLES = {
    "en": "Riverbend Participatory Budget 2026",
    "es": "Presupuesto participativo de Riverbend 2026",
    "fr": "Budget participatif de Riverbend 2026",
}
# (title, cost, description, {es, fr} titles): the 2026 ballot, one city-wide pot.
PAST_PROJECTS = [
    (
        "Library laptop lending",
        "40000",
        "Laptops and mobile hotspots lent for a month at every library, like books, for "
        "residents who have no computer at home.",
        {
            "es": "Préstamo de portátiles en bibliotecas",
            "fr": "Prêt d'ordinateurs en bibliothèque",
        },
    ),
    (
        "Solar lights on the river path",
        "90000",
        "Solar lamps every 30 metres along the river path, on from dusk to dawn, so the "
        "path is safe to walk home on after dark.",
        {
            "es": "Luces solares en el paseo del río",
            "fr": "Éclairage solaire du chemin du fleuve",
        },
    ),
    (
        "Free Wi-Fi on the market square",
        "30000",
        "Free, open Wi-Fi on the market square and in the covered market hall, with no "
        "sign-up and no tracking of who uses it.",
        {
            "es": "Wi-Fi gratis en la plaza del mercado",
            "fr": "Wi-Fi gratuit sur la place du marché",
        },
    ),
    (
        "Noise sensors near the ring road",
        "60000",
        "Twelve noise sensors near homes along the ring road, with readings published "
        "hourly so night-time traffic noise can be acted on.",
        {
            "es": "Sensores de ruido junto a la circunvalación",
            "fr": "Capteurs de bruit le long du périphérique",
        },
    ),
    (
        "Bus stop real-time screens",
        "110000",
        "Screens with live bus arrival times at the thirty busiest stops, readable from "
        "a wheelchair and announced by a button for blind riders.",
        {
            "es": "Pantallas de horarios en las paradas",
            "fr": "Écrans d'horaires aux arrêts de bus",
        },
    ),
    (
        "School-street traffic calming",
        "70000",
        "Raised crossings and speed displays in front of six primary schools, chosen "
        "with the parents who walk their children there.",
        {
            "es": "Calmado del tráfico frente a las escuelas",
            "fr": "Apaisement de la circulation devant les écoles",
        },
    ),
    (
        "Drinking fountains in parks",
        "25000",
        "Ten drinking fountains with bottle fillers in the busiest parks, working from "
        "spring to autumn and checked weekly.",
        {
            "es": "Fuentes de agua potable en los parques",
            "fr": "Fontaines d'eau potable dans les parcs",
        },
    ),
]  # fmt: skip
PAST_BUDGET = Decimal("300000")
# How many residents vote on each channel, and the share of them choosing each project.
PAST_WEB_VOTERS = 36
PAST_SMS_VOTERS = 8
PAST_PAPER_VOTERS = 6
PAST_POPULARITY = [0.62, 0.48, 0.55, 0.30, 0.26, 0.44, 0.58]
# Delivery of the funded projects: (status, percent, note) in the order they were funded.
PAST_DELIVERY = [
    ("delivered", 100, "Delivered and in use.", "Entregado y en uso.", "Livré et utilisé."),
    (
        "in_progress",
        60,
        "Works under way; half the sites are done.",
        "Obras en marcha; la mitad de los lugares está lista.",
        "Travaux en cours ; la moitié des sites est terminée.",
    ),
    (
        "planning",
        10,
        "Contractor chosen; works start next month.",
        "Contratista elegido; las obras empiezan el mes que viene.",
        "Entreprise choisie ; les travaux commencent le mois prochain.",
    ),
]


def _nth(neighbourhoods: list[Neighbourhood], i: int) -> Neighbourhood | None:
    return neighbourhoods[i % len(neighbourhoods)] if neighbourhoods else None


def _past_choices(rng: random.Random) -> list[int]:
    """Short codes one voter approves, within the budget (a valid approval ballot)."""
    codes = [i + 1 for i, share in enumerate(PAST_POPULARITY) if rng.random() < share]
    total, kept = Decimal(0), []
    for code in codes or [1]:
        cost = Decimal(PAST_PROJECTS[code - 1][1])
        if total + cost <= PAST_BUDGET:
            kept.append(code)
            total += cost
    return kept


def demo_past_round_load() -> Process:
    """Last year's round, run through the same services a real one uses, so a newcomer
    sees the whole cycle: ballots by web (``ballot_cast``), by SMS (the conversation,
    ``sms_receive``: with this year's vote open too, each texter picks the round with
    ``PROCESS 2026``) and on paper (``paper_ballot_enter``); the vote closed; results
    published under Equal Shares with completion (``results_publish``); delivery under
    way on the funded projects (``project_delivery_update``).

    Its vote is open only while it is loaded and closes at once, so every ballot is
    cast inside the window the server clock checks. Loaded once: a published round is
    history and is left as it is on the next ``load_demo``."""
    existing = Process.objects.filter(slug=PAST_SLUG).first()
    if existing is not None and existing.results_published_at is not None:
        return existing
    if existing is not None:  # a load interrupted before publication: start again
        existing.delete()
    rng = random.Random(SEED + 2026)
    neighbourhoods = list(Neighbourhood.objects.order_by("name"))
    now = timezone.now()
    day = dt.timedelta(days=1)
    process = Process.objects.create(
        slug=PAST_SLUG,
        title=PAST_TITLES["en"],
        title_en=PAST_TITLES["en"],
        title_es=PAST_TITLES["es"],
        title_fr=PAST_TITLES["fr"],
        description=(
            "Last year's round: 300,000 for city-wide pilots, chosen by Equal Shares. "
            "See the results, why each project was or was not funded, and how the funded "
            "ones are being delivered."
        ),
        languages=["en", "es", "fr"],
        ballot_type=BallotType.APPROVAL,
        min_projects=1,
        rule=TallyRule.MES_COMPLETED,
        currency="USD",
    )
    Phase.objects.create(
        process=process, kind=PhaseKind.IDEAS, starts_at=now - 150 * day, ends_at=now - 100 * day
    )
    Phase.objects.create(
        process=process, kind=PhaseKind.REVIEW, starts_at=now - 100 * day, ends_at=now - 60 * day
    )
    voting = Phase.objects.create(
        process=process,
        kind=PhaseKind.VOTING,
        starts_at=now - 60 * day,
        ends_at=now + dt.timedelta(hours=1),
    )
    pot = Pot.objects.create(process=process, amount=PAST_BUDGET, **citywide_pot_names())
    projects = {}
    for code, (title, cost, description, titles) in enumerate(PAST_PROJECTS, start=1):
        n = neighbourhoods[(code * 5) % len(neighbourhoods)] if neighbourhoods else None
        lat, lng = _inside(n, rng) if n is not None else (None, None)
        projects[code] = Project.objects.create(
            process=process,
            pot=pot,
            short_code=code,
            title=title,
            title_en=title,
            title_es=titles["es"],
            title_fr=titles["fr"],
            description=description,
            cost=Decimal(cost),
            neighbourhood=n,
            lat=lat,
            lng=lng,
        )

    # Web: residents who signed in with their phone.
    for i in range(PAST_WEB_VOTERS):
        e164 = f"+1555020{i:04d}"
        resident, _ = Resident.objects.get_or_create(
            phone_hash=phone_hash(e164),
            defaults={
                "phone_e164": e164,
                "neighbourhood": neighbourhoods[i % len(neighbourhoods)]
                if neighbourhoods
                else None,
                "language": ["en", "es", "fr"][i % 3],
                "first_channel": Channel.WEB,
            },
        )
        ballot_cast(
            resident=resident,
            process=process,
            choices=[Choice(project_id=projects[c].pk) for c in _past_choices(rng)],
            channel=Channel.WEB,
        )
    # SMS: the real conversation. Two rounds are open, so each texter says which first.
    for i in range(PAST_SMS_VOTERS):
        # Outside SMS_TEST_NUMBER_PREFIX: these are residents, whose ballots count.
        sender = f"+141555503{i:02d}"
        vote = " ".join(str(c) for c in _past_choices(rng))
        for step, body in enumerate(("PROCESS 2026", f"VOTE {vote}")):
            received = sms_receive(
                provider="demo", message_sid=f"DEMO2026-{i:03d}-{step}", sender=sender, body=body
            )
            if received.command == "error":
                raise RuntimeError(f"demo SMS {body!r} failed: {received.replies}")
    # Paper: ballots a poll worker entered for voters whose identity they checked.
    for i in range(PAST_PAPER_VOTERS):
        paper_ballot_enter(
            process=process,
            voter=PaperVoter(
                name=f"Paper voter {i + 1}",
                address=f"{10 + i} Mill Lane, Riverbend",
                neighbourhood=_nth(neighbourhoods, i),
            ),
            marks=[(c, None) for c in _past_choices(rng)],
            actor=None,
        )
    # The vote closes now (the server clock decides), then the count is published.
    voting.ends_at = timezone.now()
    voting.save(update_fields=["ends_at"])
    results_publish(process=process, actor=None)
    funded = [
        p
        for p in Project.objects.filter(process=process).order_by("short_code")
        if project_funded(p)
    ]
    for project, (status, percent, en, es, fr) in zip(funded, PAST_DELIVERY, strict=False):
        start = timezone.localdate()
        project_delivery_update(
            project=project,
            actor=None,
            status=status,
            percent=percent,
            notes={"en": en, "es": es, "fr": fr},
            milestones=[
                Milestone("Contract signed", start - 30 * day, start - 28 * day),
                Milestone(
                    "Works finished",
                    start + 60 * day,
                    start if status == "delivered" else None,
                ),
            ],
        )
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


def demo_staff_load() -> None:
    """One staff account per role (``DEMO_STAFF``), in its role's group only."""
    roles_sync()
    user_model = get_user_model()
    for username, role in DEMO_STAFF:
        staff, created = user_model.objects.get_or_create(
            username=username,
            defaults={"is_staff": True, "is_superuser": username == STAFF_USERNAME},
        )
        if created or not staff.check_password(demo_password(username)):
            staff.set_password(demo_password(username))
            staff.save()
        staff.groups.set([Group.objects.get(name=role)])


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


PILOT_SLUG = "solar-bus-shelters"
PILOT_REPORTER_USERNAME = "demo-pilot-reporter"


def demo_pilot_load(process: Process) -> Pilot:
    """One pilot with three months of reports: the team delivering the solar bus
    shelters (linked to that project), a reporter account on its team, and reports by
    channel and neighbourhood written through the same service as the API. Idempotent:
    the same reports again change nothing."""
    project = Project.objects.filter(
        process=process, title_en="Solar bus shelters with live arrival screens"
    ).first()
    pilot, _ = Pilot.objects.update_or_create(
        slug=PILOT_SLUG,
        defaults={
            "name": "Solar bus shelters",
            "description": (
                "The team building the solar bus shelters reports who joined its design "
                "walks and stop surveys, by channel and neighbourhood."
            ),
            "process": process,
        },
    )
    if project is not None and project.pilot_id != pilot.pk:
        Project.objects.filter(pilot=pilot).exclude(pk=project.pk).update(pilot=None)
        project.pilot = pilot
        project.save(update_fields=["pilot"])
    reporter, created = get_user_model().objects.get_or_create(
        username=PILOT_REPORTER_USERNAME, defaults={"is_staff": True}
    )
    if created or not reporter.check_password(STAFF_PASSWORD):
        reporter.set_password(STAFF_PASSWORD)
        reporter.save()
    reporter.user_permissions.add(
        Permission.objects.get(codename="report_pilot", content_type__app_label="participation")
    )
    pilot.reporters.add(reporter)

    places = list(Neighbourhood.objects.order_by("name")[:3])
    months = [
        (dt.date(2027, m, 1), dt.date(2027, m, 28 if m == 2 else 30 + (m % 2))) for m in (1, 2, 3)
    ]
    for index, (start, end) in enumerate(months):
        for offset, place in enumerate(places):
            for channel, base in (("in_person", 40), ("sms", 25), ("paper", 12)):
                participants = base + 6 * index + 3 * offset
                pilot_report_submit(
                    pilot=pilot,
                    data=PilotReportInput(
                        period_start=start,
                        period_end=end,
                        neighbourhood=place.slug,
                        channel=channel,
                        participants=participants,
                        participants_by_group={
                            "gender.woman": participants // 2 + index,
                            "gender.man": participants // 2 - 2,
                            "age_band.65_plus": participants // 4,
                        },
                        metrics={
                            "walks": {"value": 2 + index, "unit": "design walks"},
                            "surveys": {"value": participants * 2, "unit": "stop surveys"},
                        },
                    ),
                )
    return pilot
