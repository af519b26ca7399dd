"""The bench city in the private database: one process with an open vote, a city-wide
and a neighbourhood pot, twelve projects, N residents who are signed in (a session row
each, created directly) and have a phone; and a second process whose pot only pgbench
writes to. Also the database side of the recount (``stored_ballots``).

Runs in the bench process after ``Harness.django_setup()``.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field
from decimal import Decimal

from bench.recount import Key, StoredBallot

SLUG = "bench-load"
PGBENCH_SLUG = "bench-pgbench"


@dataclass
class BenchProject:
    id: int
    code: int
    pot_id: int
    cost: Decimal


@dataclass
class BenchResident:
    id: int
    phone: str
    session_key: str


@dataclass
class City:
    process_id: int
    slug: str
    pots: dict[int, list[BenchProject]]  # pot id -> its projects
    residents: list[BenchResident]
    pgbench: dict[str, int] = field(default_factory=dict)  # ids the pgbench script uses


def seed_city(n_residents: int = 1000) -> City:
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from budgets.models import Pot, Project
    from core.models import Phase, PhaseKind, Process
    from maps.models import Neighbourhood
    from participation.identity import phone_hash
    from participation.models import Resident

    now = timezone.now()
    square = {
        "type": "Polygon",
        "coordinates": [[[0, 0], [0.01, 0], [0.01, 0.01], [0, 0.01], [0, 0]]],
    }
    area = Neighbourhood.objects.create(name="Bench Hill", slug="bench-hill", boundary=square)

    def with_vote(slug: str, title: str, *, opens: dt.datetime) -> Process:
        process = Process.objects.create(title=title, slug=slug, currency="USD")
        Phase.objects.create(
            process=process,
            kind=PhaseKind.VOTING,
            starts_at=opens,
            ends_at=now + dt.timedelta(days=30),
        )
        return process

    process = with_vote(SLUG, "Bench vote", opens=now - dt.timedelta(days=1))
    citywide = Pot.objects.create(process=process, name="City-wide", amount=Decimal(500000))
    local = Pot.objects.create(
        process=process, neighbourhood=area, name="Bench Hill", amount=Decimal(100000)
    )
    pots: dict[int, list[BenchProject]] = {citywide.pk: [], local.pk: []}
    for code in range(1, 13):
        pot = citywide if code <= 8 else local
        cost = Decimal(20000 + 1000 * code)
        project = Project.objects.create(
            process=process, pot=pot, short_code=code, title=f"Bench project {code}", cost=cost
        )
        pots[pot.pk].append(BenchProject(project.pk, code, pot.pk, cost))

    numbers = [f"+1415555{i:04d}" for i in range(n_residents)]
    residents = Resident.objects.bulk_create(
        Resident(
            phone_hash=phone_hash(number),
            phone_e164=number,
            neighbourhood=area,
            language="en",
            first_channel="web",
        )
        for number in numbers
    )
    # Signed-in sessions, written directly (as a sign-in would leave them).
    expiry = now + dt.timedelta(days=7)
    store = SessionStore()
    sessions = [
        Session(
            session_key=secrets.token_hex(16),
            session_data=store.encode({"resident_id": r.pk}),
            expire_date=expiry,
        )
        for r in residents
    ]
    Session.objects.bulk_create(sessions)

    # Its vote opens later: SMS votes go to the one open vote (sms_current_process), and
    # pgbench writes its rows directly, without the phase check.
    reference = with_vote(PGBENCH_SLUG, "pgbench reference", opens=now + dt.timedelta(days=10))
    ref_pot = Pot.objects.create(process=reference, name="pgbench", amount=Decimal(500000))
    ref_projects = [
        Project.objects.create(
            process=reference,
            pot=ref_pot,
            short_code=code,
            title=f"pgbench project {code}",
            cost=Decimal(1000),
        ).pk
        for code in range(1, 9)
    ]
    ids = [r.pk for r in residents]
    return City(
        process_id=process.pk,
        slug=SLUG,
        pots=pots,
        residents=[
            BenchResident(r.pk, number, s.session_key)
            for r, number, s in zip(residents, numbers, sessions, strict=True)
        ],
        pgbench={
            "process": reference.pk,
            "pot": ref_pot.pk,
            "project0": min(ref_projects),
            "rmin": min(ids),
            "rmax": max(ids),
        },
    )


def pgbench_script() -> str:
    """The ballot transaction of ``ballot_cast`` in SQL, for ``pgbench -n -f``: lock the
    resident, read the phases, pot and projects it validates against, write (or
    replace) the pot's ballot, its selections, a cast-log entry and the participation
    record's upsert, in one transaction.
    Variables (``-D``): proc, pot, project0, rmin, rmax. Table names from the models."""
    from budgets.models import Ballot, CastLog, Pot, Project, Selection
    from core.models import Phase
    from participation.models import ParticipationFact, Resident

    t = {
        m.__name__: m._meta.db_table
        for m in (Ballot, CastLog, Pot, Project, Selection, Phase, Resident, ParticipationFact)
    }
    return f"""\\set rid random(:rmin, :rmax)
\\set a random(0, 7)
\\set b (:a + random(1, 7)) % 8
\\set pa :project0 + :a
\\set pb :project0 + :b
BEGIN;
SELECT id FROM {t["Resident"]} WHERE id = :rid FOR UPDATE;
SELECT id, kind, starts_at, ends_at FROM {t["Phase"]} WHERE process_id = :proc;
SELECT id, amount FROM {t["Pot"]} WHERE id = :pot;
SELECT id, cost, pot_id FROM {t["Project"]} WHERE id IN (:pa, :pb);
INSERT INTO {t["Ballot"]} (process_id, pot_id, voter, channel, receipt, cast_at, test)
  VALUES (:proc, :pot, 'pgbench-' || :rid, 'web', substr(md5(random()::text), 1, 16), now(),
    false)
  ON CONFLICT (pot_id, voter) DO UPDATE SET channel = EXCLUDED.channel,
    receipt = EXCLUDED.receipt, cast_at = EXCLUDED.cast_at, voided_at = NULL
  RETURNING id AS bid \\gset
DELETE FROM {t["Selection"]} WHERE ballot_id = :bid;
INSERT INTO {t["Selection"]} (ballot_id, project_id, points) VALUES (:bid, :pa, 1), (:bid, :pb, 1);
INSERT INTO {t["CastLog"]} (ballot_id, receipt, channel, cast_at)
  VALUES (:bid, substr(md5(random()::text), 1, 16), 'web', now());
INSERT INTO {t["ParticipationFact"]} (id, process_id, resident_id, kind, channel, day)
  VALUES (gen_random_uuid(), :proc, :rid, 'vote', 'web', current_date)
  ON CONFLICT (process_id, kind, resident_id, day) DO UPDATE SET channel = EXCLUDED.channel;
COMMIT;
"""


def stored_ballots(city: City) -> tuple[dict[Key, StoredBallot], dict[str, Key]]:
    """The counted ballots of the bench process by (resident, pot), with their projects,
    and every cast-log receipt by (resident, pot). The bench knows each resident's
    pseudonyms (it holds BALLOT_KEY, as the server does); nothing here is published."""
    from django.db import close_old_connections

    from budgets.models import Ballot, CastLog, Selection
    from budgets.pseudonyms import ballot_pseudonym

    close_old_connections()
    owner: dict[tuple[str, int], Key] = {
        (ballot_pseudonym(resident_id=r.id, pot_id=pot_id), pot_id): (r.id, pot_id)
        for r in city.residents
        for pot_id in city.pots
    }
    ballots = {
        b.pk: b
        for b in Ballot.objects.filter(process_id=city.process_id, voided_at__isnull=True).only(
            "pk", "voter", "pot_id", "receipt"
        )
    }
    projects: dict[int, set[int]] = {pk: set() for pk in ballots}
    for ballot_id, project_id in Selection.objects.filter(ballot_id__in=list(ballots)).values_list(
        "ballot_id", "project_id"
    ):
        projects[ballot_id].add(project_id)
    stored: dict[Key, StoredBallot] = {}
    unknown = 0
    for pk, ballot in ballots.items():
        key = owner.get((ballot.voter, ballot.pot_id))
        if key is None:
            unknown += 1
            key = (-unknown, ballot.pot_id)  # a ballot of nobody we seeded: "extra"
        stored[key] = StoredBallot(ballot.receipt, frozenset(projects[pk]))
    cast_log: dict[str, Key] = {}
    rows = CastLog.objects.filter(ballot__process_id=city.process_id).values_list(
        "receipt", "ballot__voter", "ballot__pot_id"
    )
    for receipt, voter, pot_id in rows:
        cast_log[receipt] = owner.get((voter, pot_id), (-1, pot_id))
    return stored, cast_log
