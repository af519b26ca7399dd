"""Equity dashboards from PostgreSQL against the floor of reading the participation rows.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres python -m bench.dashboard

Creates its own database (``--database``, default ``bench_dashboard``; dropped at the
end unless ``--keep``),
fills it with SQL (``generate_series``, no per-row Python) with a city of 16
neighbourhoods, 100,000 participants (voters across web, SMS, paper and API, 60% of
them with self-reported groups) and 30,000 more residents who were only reached or
engaged, their participation record, 200,000 ballots (city-wide and neighbourhood pots)
with 1,000,000 selections, 1,000 ideas with moderation decisions, a published result
and delivery updates. Then, in the same run, it times

* the scorecard page (``/processes/<slug>/equity/``: scorecard, map, representation,
  funnel), the scorecard, funnel and participation APIs, through Django's test client;
* the reference: one ``COPY (SELECT * FROM participation_participationfact WHERE
  process_id = …) TO STDOUT``, i.e. just getting the participation rows out;

and prints one JSON object with each median time (ms) and its ratio to the reference.
Goal (issue 11): each at most 500 ms and within 5x of the COPY floor, at the full size.
``--participants N`` fills a smaller (or larger) city in the same proportions, to
profile without the full fill.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from urllib.parse import urlparse, urlunparse

BENCH_DB = "bench_dashboard"
PARTICIPANTS = 100_000
REACHED_ONLY = 30_000
NEIGHBOURHOODS = 16
CITYWIDE_PROJECTS = 20
LOCAL_PROJECTS = 4


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("bench.dashboard needs DATABASE_URL=postgres://... (it creates its own database)")
    return url


def _server_url(url: str, database: str) -> str:
    return urlunparse(urlparse(url)._replace(path=f"/{database}"))


def _recreate_database(url: str, database: str) -> str:
    import psycopg
    from psycopg import sql

    with psycopg.connect(_server_url(url, "postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(database)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
    return _server_url(url, database)


def _drop_database(url: str, database: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(_server_url(url, "postgres"), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database))
        )


def _setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    # The fill's statements write hundreds of thousands of rows each: no 8 s cap.
    os.environ.setdefault("DB_STATEMENT_TIMEOUT", "0")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "justcity.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _square(col: int, row: int) -> dict[str, object]:
    lng, lat, size = -74.1 + col * 0.02, 4.6 + row * 0.02, 0.02
    ring = [[lng, lat], [lng + size, lat], [lng + size, lat + size], [lng, lat + size], [lng, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def _fill(participants: int = PARTICIPANTS) -> str:
    """The synthetic city, written with set-based SQL. Returns the process slug."""
    import datetime as dt
    from decimal import Decimal

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone

    from budgets.models import Pot, Project, TallyRun
    from core.models import Phase, PhaseKind, Process
    from maps.models import Neighbourhood
    from participation.demographics import DEMOGRAPHIC_QUESTIONS

    now = timezone.now()
    bands = DEMOGRAPHIC_QUESTIONS["age_band"]
    genders = DEMOGRAPHIC_QUESTIONS["gender"]
    tenures = DEMOGRAPHIC_QUESTIONS["tenure"]
    hoods = []
    for i in range(NEIGHBOURHOODS):
        population = 20_000 + 5_000 * (i % 7)
        census = {f"age_band.{b}": population // len(bands) for b in bands}
        census |= {f"gender.{g}": population // len(genders) for g in genders}
        census |= {f"tenure.{t}": population // len(tenures) for t in tenures}
        hoods.append(
            Neighbourhood.objects.create(
                name=f"District {i + 1:02d}",
                slug=f"district-{i + 1:02d}",
                boundary=_square(i % 4, i // 4),
                population=population,
                demographics=census,
                need_index=Decimal("0.6") + Decimal(i % 5) * Decimal("0.3"),
            )
        )
    process = Process.objects.create(title="Bench city 2027", slug="bench-2027", currency="USD")
    Phase.objects.create(
        process=process,
        kind=PhaseKind.VOTING,
        starts_at=now - dt.timedelta(days=30),
        ends_at=now - dt.timedelta(days=1),
    )
    citywide = Pot.objects.create(process=process, name="City-wide", amount=Decimal("5000000"))
    pots = [
        Pot.objects.create(process=process, neighbourhood=n, name=n.name, amount=Decimal(400000))
        for n in hoods
    ]
    code = 1
    citywide_ids = []
    for i in range(CITYWIDE_PROJECTS):
        citywide_ids.append(
            Project.objects.create(
                process=process, pot=citywide, short_code=code, title=f"City {i}",
                cost=Decimal(150000 + 10000 * i), neighbourhood=hoods[i % NEIGHBOURHOODS],
            ).pk
        )  # fmt: skip
        code += 1
    local_ids: list[list[int]] = []
    for pot, hood in zip(pots, hoods, strict=True):
        ids = []
        for j in range(LOCAL_PROJECTS):
            ids.append(
                Project.objects.create(
                    process=process, pot=pot, short_code=code, title=f"{hood.name} {j}",
                    cost=Decimal(90000 + 20000 * j), neighbourhood=hood,
                ).pk
            )  # fmt: skip
            code += 1
        local_ids.append(ids)
    hood_ids = [n.pk for n in hoods]
    pot_ids = [p.pk for p in pots]
    moderator = get_user_model().objects.create(username="bench-moderator", is_staff=True)
    reached_only = participants * REACHED_ONLY // PARTICIPANTS
    total = participants + reached_only
    with connection.cursor() as cursor:
        # Residents: g <= PARTICIPANTS vote; the rest were only reached or engaged.
        # 60% gave answers (consent), 40% did not: "not given" in every breakdown.
        cursor.execute(
            """
            INSERT INTO participation_resident (phone_hash, phone_e164, neighbourhood_id,
                language, demographics, demographics_consent_at, first_channel, created_at)
            SELECT md5('phone' || g), '', (%(hoods)s::int[])[1 + g %% %(nh)s], 'en',
                CASE WHEN g %% 5 < 3 THEN jsonb_build_object(
                    'age_band', (%(bands)s::text[])[1 + (g / 7) %% %(nb)s],
                    'gender', (%(genders)s::text[])[1 + (g / 3) %% %(ng)s],
                    'tenure', (%(tenures)s::text[])[1 + (g / 11) %% %(nt)s])
                ELSE '{}'::jsonb END,
                CASE WHEN g %% 5 < 3 THEN now() END, 'web', now()
            FROM generate_series(1, %(total)s) g
            """,
            {
                "hoods": hood_ids, "nh": NEIGHBOURHOODS, "bands": list(bands),
                "nb": len(bands), "genders": list(genders), "ng": len(genders),
                "tenures": list(tenures), "nt": len(tenures), "total": total,
            },
        )  # fmt: skip
        cursor.execute("SELECT min(id) FROM participation_resident")
        (first,) = cursor.fetchone()
        facts = """
            INSERT INTO participation_participationfact
                (id, process_id, resident_id, kind, channel, day)
            SELECT gen_random_uuid(), %(process)s, %(first)s + g - 1, %(kind)s, {channel},
                current_date - (g %% 25)
            FROM generate_series(%(low)s, %(high)s) g {where}
        """
        engaged_from = participants + reached_only // 3
        voter_channel = (
            "CASE WHEN g % 10 < 6 THEN 'web' WHEN g % 10 < 8 THEN 'sms' "
            "WHEN g % 10 = 8 THEN 'paper' ELSE 'api' END"
        )
        batches = [
            ("vote", voter_channel, 1, participants, ""),
            ("verified", voter_channel, 1, participants + reached_only // 3, ""),
            ("text", "'sms'", 1, total, f"WHERE g % 10 IN (6, 7) OR g > {engaged_from}"),
            ("idea", "'web'", 1, participants // 5, "WHERE g % 10 < 6"),
            ("reached", "CASE WHEN g % 3 = 0 THEN 'paper' ELSE 'sms' END", 1, total, ""),
        ]
        for kind, channel, low, high, where in batches:
            cursor.execute(
                facts.format(channel=channel.replace("%", "%%"), where=where.replace("%", "%%")),
                {"process": process.pk, "first": first, "kind": kind, "low": low, "high": high},
            )
        # Ballots: every voter in the city-wide pot (7 projects) and their own
        # neighbourhood's pot (3 of its 4): 200,000 ballots, 1,000,000 selections.
        cursor.execute(
            """
            INSERT INTO budgets_ballot (process_id, pot_id, voter, channel, receipt, cast_at,
                test)
            SELECT %(process)s, %(citywide)s, md5('c' || g), 'web', 'C' || g, now(), false
            FROM generate_series(1, %(n)s) g
            UNION ALL
            SELECT %(process)s, (%(pots)s::int[])[1 + g %% %(nh)s], md5('l' || g), 'web',
                'L' || g, now(), false
            FROM generate_series(1, %(n)s) g
            """,
            {"process": process.pk, "citywide": citywide.pk, "pots": pot_ids,
             "nh": NEIGHBOURHOODS, "n": participants},
        )  # fmt: skip
        cursor.execute(
            """
            INSERT INTO budgets_selection (ballot_id, project_id, points, rank)
            SELECT b.id, (%(city)s::int[])[1 + (substr(b.receipt, 2)::int + k * 3) %% %(nc)s],
                1, NULL::smallint
            FROM budgets_ballot b, generate_series(0, 6) k
            WHERE b.pot_id = %(citywide)s
            UNION ALL
            SELECT b.id, (%(local)s::int[])[
                (array_position(%(pots)s::int[], b.pot_id) - 1) * %(nl)s
                + 1 + (substr(b.receipt, 2)::int + k) %% %(nl)s], 1, NULL::smallint
            FROM budgets_ballot b, generate_series(0, 2) k
            WHERE b.pot_id <> %(citywide)s
            """,
            {"city": citywide_ids, "nc": CITYWIDE_PROJECTS, "citywide": citywide.pk,
             "local": [i for ids in local_ids for i in ids], "pots": pot_ids,
             "nl": LOCAL_PROJECTS},
        )  # fmt: skip
        # 1,000 ideas, 800 with a moderation decision 1 to 20 days later.
        cursor.execute(
            """
            INSERT INTO participation_proposal (process_id, author_id, title, title_en, body,
                body_en, address, neighbourhood_id, status, channel, language,
                queue_reason, created_at, updated_at)
            SELECT %(process)s, %(first)s + g, 'Idea ' || g, 'Idea ' || g, 'Body', 'Body', '',
                (%(hoods)s::int[])[1 + g %% %(nh)s], 'approved', 'web', 'en', '',
                now() - interval '40 days', now()
            FROM generate_series(1, 1000) g
            """,
            {"process": process.pk, "first": first, "hoods": hood_ids, "nh": NEIGHBOURHOODS},
        )
        cursor.execute(
            """
            INSERT INTO participation_moderationdecision (proposal_id, moderator_id, action,
                reason, note, created_at)
            SELECT id, %(moderator)s, 'approve', '', '',
                created_at + (1 + id %% 20) * interval '1 day'
            FROM participation_proposal WHERE process_id = %(process)s AND id %% 5 <> 0
            """,
            {"moderator": moderator.pk, "process": process.pk},
        )
        cursor.execute(
            """
            UPDATE budgets_project SET source_proposal_id = (
                SELECT min(id) FROM participation_proposal WHERE process_id = %(process)s
            ) + budgets_project.id %% 900
            WHERE process_id = %(process)s AND budgets_project.id %% 2 = 0
            """,
            {"process": process.pk},
        )
    funded = {citywide.pk: citywide_ids[:8]}
    funded |= {p.pk: ids[:2] for p, ids in zip(pots, local_ids, strict=True)}
    for pot_id, selected in funded.items():
        TallyRun.objects.create(
            pot_id=pot_id, rule="greedy_cost", computed_at=now, ballots_counted=participants,
            budget=Decimal(1), spent=Decimal(1), selected=selected, outcome={},
        )  # fmt: skip
    Process.objects.filter(pk=process.pk).update(results_published_at=now)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO budgets_projectupdate (project_id, created_at, status, percent, notes,
                photo_type)
            SELECT id, now() - (id %% 3) * interval '60 days', 'in_progress', 10,
                '{"en": "Started"}'::jsonb, ''
            FROM budgets_project WHERE process_id = %(process)s
            """,
            {"process": process.pk},
        )
        # As autovacuum does soon after a bulk load: statistics for the planner, and
        # the visibility map that lets the figures read the record's index alone.
        cursor.execute("VACUUM ANALYZE")
    return process.slug


def _median_ms(run: Callable[[], object], repeat: int) -> float:
    run()  # warm: connection, caches, compiled templates
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 1)


def _measure(slug: str, repeat: int, participants: int) -> dict[str, object]:
    from django.db import connection
    from django.test import Client

    from core.models import Process
    from participation.models import ParticipationFact

    process_id = Process.objects.get(slug=slug).pk
    client = Client(HTTP_HOST="localhost")

    def get(path: str) -> Callable[[], object]:
        def run() -> object:
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            return response

        return run

    def copy_rows() -> int:
        size = 0
        with (
            connection.cursor() as cursor,
            cursor.copy(
                "COPY (SELECT * FROM participation_participationfact WHERE process_id = "
                f"{int(process_id)}) TO STDOUT"
            ) as copy,
        ):
            for block in copy:
                size += len(block)
        return size

    reference = _median_ms(copy_rows, repeat)
    targets = {
        "scorecard_page": f"/processes/{slug}/equity/",
        "scorecard_api": f"/api/processes/{slug}/scorecard/",
        "funnel_api": f"/api/processes/{slug}/funnel/",
        "participation_api": f"/api/processes/{slug}/participation/",
    }
    result: dict[str, object] = {
        "participants": participants,
        "participation_rows": ParticipationFact.objects.filter(process_id=process_id).count(),
        "selections": _count("budgets_selection"),
        "copy_reference_ms": reference,
    }
    for name, path in targets.items():
        ms = _median_ms(get(path), repeat)
        result[f"{name}_ms"] = ms
        result[f"{name}_ratio"] = round(ms / reference, 2) if reference else None
    result["goal"] = "each <= 500 ms and <= 5x copy_reference_ms"
    result["met"] = all(
        float(str(result[f"{n}_ms"])) <= 500 and float(str(result[f"{n}_ratio"])) <= 5
        for n in targets
    )
    return result


def _count(table: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")
        return int(cursor.fetchone()[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument(
        "--participants", type=int, default=PARTICIPANTS, help="voters to fill (min 10,000)"
    )
    parser.add_argument("--database", default=BENCH_DB, help="the bench's own database")
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    parser.add_argument(
        "--reuse", action="store_true", help="time the database a --keep run left (no fill)"
    )
    args = parser.parse_args()
    if args.participants < 10_000:
        parser.error("--participants must be at least 10,000 (the 1,000 ideas need authors)")
    url = _database_url()
    database = args.database
    bench_url = _server_url(url, database) if args.reuse else _recreate_database(url, database)
    try:
        _setup_django(bench_url)
        started = time.perf_counter()
        slug = "bench-2027" if args.reuse else _fill(args.participants)
        fill_s = round(time.perf_counter() - started, 1)
        result = _measure(slug, args.repeat, args.participants)
        result["fill_s"] = fill_s
        print(json.dumps(result))
    finally:
        from django.db import connections

        connections.close_all()
        if not (args.keep or args.reuse):
            _drop_database(url, database)


if __name__ == "__main__":
    main()
