"""Tally from PostgreSQL against the floor of reading the same rows.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres python -m bench.tally_db [--ballots N]

Creates its own database (``justcity_bench_tally``), loads N synthetic ballots (default
100,000) for a process of 60 projects with realistic, skewed approval sets (so identical
ballots repeat as in real cities), then in the same run times

* ``tally_process`` (greedy and MES), the whole path: SQL, merging, the rule;
* the floor: one ``COPY (SELECT ballot_id, project_id, points, rank ...) TO STDOUT`` of the
  same selections, i.e. just getting the raw rows out of PostgreSQL;

and prints one JSON line per rule with both times, the ratio and the peak RSS.
Goal (issue 3): tally_process within 3x of the COPY floor; peak memory <= 1 GB.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import resource
import sys
import time
from urllib.parse import urlparse, urlunparse

BENCH_DB = "justcity_bench_tally"


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("bench.tally_db needs DATABASE_URL=postgres://... (it creates its own database)")
    return url


def _prepare_database(url: str) -> str:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")
        conn.execute(f"CREATE DATABASE {BENCH_DB}")
    parsed = urlparse(url)
    return urlunparse(parsed._replace(path=f"/{BENCH_DB}"))


def _setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "justcity.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _load(n_ballots: int, n_projects: int, seed: int) -> object:
    """Synthetic city vote written with COPY (fast) into the real tables."""
    import datetime as dt
    from decimal import Decimal

    from django.db import connection
    from django.utils import timezone

    from budgets.models import Pot, Project
    from core.models import Phase, PhaseKind, Process, TallyRule

    rng = random.Random(seed)
    now = timezone.now()
    process = Process.objects.create(
        title="Bench", slug="bench", rule=TallyRule.GREEDY, currency="USD"
    )
    Phase.objects.create(
        process=process,
        kind=PhaseKind.VOTING,
        starts_at=now - dt.timedelta(days=2),
        ends_at=now - dt.timedelta(days=1),
    )
    pot = Pot.objects.create(process=process, name="City-wide", amount=Decimal("6000000"))
    projects = [
        Project.objects.create(
            process=process,
            pot=pot,
            short_code=i + 1,
            title=f"P{i + 1}",
            cost=Decimal(rng.randrange(20, 900) * 1000),
        )
        for i in range(n_projects)
    ]
    popularity = [rng.paretovariate(1.2) for _ in projects]
    ids = [p.pk for p in projects]
    ballots = io.StringIO()
    selections = io.StringIO()
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence('budgets_ballot', 'id'))")
        first_id = cursor.fetchone()[0]
    for i in range(n_ballots):
        ballot_id = first_id + i
        ballots.write(
            f"{ballot_id}\t{process.pk}\t{pot.pk}\tv{i:032d}\timport\tB{i:014d}\t{now.isoformat()}\n"
        )
        k = min(n_projects, max(1, int(rng.expovariate(1 / 3)) + 1))
        chosen = set(rng.choices(ids, weights=popularity, k=k))
        for project_id in sorted(chosen):
            selections.write(f"{ballot_id}\t{project_id}\t1\t\\N\n")
    with connection.cursor() as cursor:
        with cursor.copy(
            "COPY budgets_ballot (id, process_id, pot_id, voter, channel, receipt, cast_at)"
            " FROM STDIN"
        ) as copy:
            copy.write(ballots.getvalue())
        with cursor.copy(
            "COPY budgets_selection (ballot_id, project_id, points, rank) FROM STDIN"
        ) as copy:
            copy.write(selections.getvalue())
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('budgets_ballot', 'id'), %s)",
            [first_id + n_ballots],
        )
        cursor.execute("ANALYZE budgets_ballot; ANALYZE budgets_selection")
    return process


def _copy_floor(pot_id: int) -> tuple[float, int]:
    from django.db import connection

    sql = (
        "COPY (SELECT s.ballot_id, s.project_id, s.points, s.rank FROM budgets_selection s "
        f"JOIN budgets_ballot b ON b.id = s.ballot_id WHERE b.pot_id = {int(pot_id)}) TO STDOUT"
    )
    start = time.perf_counter()
    size = 0
    with connection.cursor() as cursor, cursor.copy(sql) as copy:
        for block in copy:
            size += len(block)
    return time.perf_counter() - start, size


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ballots", type=int, default=100_000)
    parser.add_argument("--projects", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=3, help="best of N timings")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    url = _prepare_database(_database_url())
    _setup_django(url)
    from budgets.tally import tally_process
    from core.models import TallyRule

    t0 = time.perf_counter()
    process = _load(args.ballots, args.projects, args.seed)
    load_s = time.perf_counter() - t0
    pot = process.pots.get()  # type: ignore[attr-defined]

    floor = min(_copy_floor(pot.pk)[0] for _ in range(args.repeat))
    for rule in (TallyRule.GREEDY, TallyRule.MES):
        process.rule = rule  # type: ignore[attr-defined]
        timings = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            outcome = tally_process(process)  # type: ignore[arg-type]
            timings.append(time.perf_counter() - start)
        best = min(timings)
        (result,) = outcome.values()
        print(
            json.dumps(
                {
                    "bench": "tally_db",
                    "rule": str(rule),
                    "ballots": args.ballots,
                    "projects": args.projects,
                    "selected": len(result.selected),
                    "tally_process_s": round(best, 4),
                    "copy_floor_s": round(floor, 4),
                    "ratio": round(best / floor, 2),
                    "load_s": round(load_s, 2),
                    "peak_rss_mb": round(
                        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
                    ),
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
