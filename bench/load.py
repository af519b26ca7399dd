"""Capacity of the production stack against what its database sustains, same run.

    python -m bench.load [--quick] [--levels 4,16,64,256] [--seconds 20]
    python -m bench.load --soak [--rate 50] [--duration 600]

Starts the whole production stack on loopback with ``bench.harness`` (a private
PostgreSQL cluster and Redis on their own ports, the fake Twilio, the Procfile's
processes with DEBUG off), seeds 1,000 signed-in residents with phones, then for each
concurrency level:

1. ``pgbench -n -f`` with the ballot transaction of ``ballot_cast`` in SQL
   (``bench.seed.pgbench_script``) against the same cluster, same client count (at
   most 64 connections), while the stack is idle: what the database sustains;
2. mixed traffic (``bench.traffic``) for ``--seconds``: web casts, signed SMS ``VOTE``
   webhooks, page reads and websocket clients;
3. the recount (``bench.recount``): the latest acknowledged ballot of every resident and
   pot is the stored one, and nothing else is;
4. pgbench again, as in 1: ``pgbench_tps`` is the mean of the two runs
   (``pgbench_tps_before`` and ``pgbench_tps_after``), which bracket the window.

Prints one JSON line per level: ``concurrency``, ``ballots_per_s`` (acknowledged casts,
web and SMS), ``p50_ms``/``p99_ms`` (of those casts), ``errors_5xx`` (server errors other
than 503), ``errors_503``, ``pgbench_tps``, ``ratio`` (ballots_per_s / pgbench_tps),
``recount_ok``, and more detail (``web_workers_cpu_cores``: each web worker's share of
a core in the window, busiest first). ``--quick`` runs level 16 only (under 3 minutes).

Goals (issue 12) on a 2-core machine: at c=16 ratio >= 0.10 and p99 < 250 ms; no
server error other than 503 at any level; the recount always right.

``--soak``: ``--duration`` seconds (default 600) at ``--rate`` actions per second (default
10x the expected peak, EXPECTED_PEAK_PER_S), sampling the resident memory (RSS) of every
stack process; prints one JSON line: memory at the start and end, growth, errors,
recount. Goal: memory flat (under 10 % growth after the first minute) and no errors.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.harness import DB_NAME, Harness, _tool, cpu_seconds, web_worker_cpu
from bench.recount import recount
from bench.seed import City, pgbench_script, seed_city, stored_ballots
from bench.traffic import Traffic, window_figures

LEVELS = (4, 16, 64, 256)
QUICK_LEVEL = 16
PGBENCH_MAX_CLIENTS = 64
# A city of a million with a vote closing: a text to every resident on the last evening
# brings about 18,000 actions an hour at most (ballots, reads, texts): 5 a second.
EXPECTED_PEAK_PER_S = 5.0
SOAK_GROWTH_LIMIT = 0.10


def pgbench_tps(h: Harness, city: City, script: Path, *, clients: int, seconds: int) -> float:
    variables = [
        arg for name, value in city.pgbench.items() for arg in ("-D", f"{_pg_var(name)}={value}")
    ]
    done = subprocess.run(
        [
            _tool("pgbench"),
            "-n",
            "-h",
            "127.0.0.1",
            "-p",
            str(h.postgres.port),
            "-U",
            "postgres",
            "-c",
            str(clients),
            "-j",
            str(min(clients, 2)),
            "-T",
            str(seconds),
            "-f",
            str(script),
            *variables,
            DB_NAME,
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 120,
    )
    match = re.search(r"tps = ([0-9.]+)", done.stdout)
    if done.returncode != 0 or not match:
        raise SystemExit(f"pgbench failed:\n{done.stdout[-1500:]}\n{done.stderr[-1500:]}")
    return float(match.group(1))


def _pg_var(name: str) -> str:
    return "proc" if name == "process" else name


def _recount(traffic: Traffic, city: City) -> dict[str, Any]:
    stored, cast_log = stored_ballots(city)
    return recount(traffic.casts, stored, cast_log).as_dict()


async def run_levels(h: Harness, city: City, args: argparse.Namespace) -> list[dict[str, Any]]:
    script = h.root / "ballot.sql"
    script.write_text(await asyncio.to_thread(pgbench_script))
    lines = []
    async with Traffic(
        city=city, base_url=h.base_url, public_url=h.public_url, auth_token=h.auth_token
    ) as traffic:
        # Warm-up (not reported): every worker imports, connects and fills its caches.
        await traffic.run(concurrency=8, seconds=args.warmup, ws_clients=2)
        for level in args.levels:
            reference = functools.partial(
                pgbench_tps,
                h,
                city,
                script,
                clients=min(level, PGBENCH_MAX_CLIENTS),
                seconds=args.pgbench_seconds,
            )
            tps_before = await asyncio.to_thread(reference)
            if args.pg_statements:
                h.postgres.psql("SELECT pg_stat_statements_reset()")
            cpu_before, workers_before = cpu_seconds(h), web_worker_cpu(h)
            window = await traffic.run(
                concurrency=level, seconds=args.seconds, ws_clients=min(level, 32)
            )
            cpu = _cpu_per_ballot(cpu_before, cpu_seconds(h), window.seconds, window)
            # Each web worker's share of a core in the window, busiest first.
            workers_after = web_worker_cpu(h)
            cpu["web_workers_cpu_cores"] = sorted(
                (
                    round((used - workers_before.get(pid, 0.0)) / window.seconds, 2)
                    for pid, used in workers_after.items()
                ),
                reverse=True,
            )
            figures = window_figures(window)
            counted = await asyncio.to_thread(_recount, traffic, city)
            # The reference on both sides of the window: this machine's speed drifts by
            # a third over minutes, and one side alone may catch a fast or a slow spell
            # the window did not have. The ratio is against their mean; both are shown.
            tps_after = await asyncio.to_thread(reference)
            tps = (tps_before + tps_after) / 2
            line: dict[str, Any] = {
                "bench": "load",
                "concurrency": level,
                "ballots_per_s": figures["ballots_per_s"],
                "p50_ms": figures["p50_ms"],
                "p99_ms": figures["p99_ms"],
                "errors_5xx": figures["errors_5xx"],
                "errors_503": figures["errors_503"],
                "pgbench_tps": round(tps, 1),
                "ratio": round(figures["ballots_per_s"] / tps, 3) if tps else 0.0,
                "recount_ok": counted["recount_ok"],
                **{k: v for k, v in figures.items() if k not in _MAIN_KEYS},
                "recount": {k: v for k, v in counted.items() if k != "recount_ok"},
                **cpu,
                "pgbench_tps_before": round(tps_before, 1),
                "pgbench_tps_after": round(tps_after, 1),
                "pgbench_clients": min(level, PGBENCH_MAX_CLIENTS),
                # Other work on the machine weighs on both sides of the ratio, not alike.
                "loadavg_1m": round(os.getloadavg()[0], 1),
                "cpus": os.cpu_count(),
                "server": h.describe(),
            }
            if args.pg_statements:
                line["pg_statements"] = _top_statements(h, ballots=max(1, figures["ballots"]))
            line["goal_met"] = _goal_met(line)
            print(json.dumps(line), flush=True)
            lines.append(line)
    return lines


def _top_statements(h: Harness, *, ballots: int, top: int = 15) -> list[dict[str, Any]]:
    """The statements the database spent most time on in the window (pg_stat_statements:
    execution plus planning), per acknowledged ballot."""
    rows = h.postgres.psql(
        "SELECT calls, round((total_exec_time + total_plan_time)::numeric, 1), "
        "round(total_plan_time::numeric, 1), left(regexp_replace(query, '\\s+', ' ', 'g'), 160) "
        "FROM pg_stat_statements ORDER BY total_exec_time + total_plan_time DESC "
        f"LIMIT {int(top)}"
    )
    found = []
    for row in rows.splitlines():
        calls, total_ms, plan_ms, query = row.split("|", 3)
        found.append(
            {
                "calls_per_ballot": round(int(calls) / ballots, 2),
                "ms_per_ballot": round(float(total_ms) / ballots, 3),
                "plan_ms_per_ballot": round(float(plan_ms) / ballots, 3),
                "query": query,
            }
        )
    return found


def _cpu_per_ballot(
    before: dict[str, float], after: dict[str, float], seconds: float, window: Any
) -> dict[str, Any]:
    """Where the window's CPU went: each part's share of the machine's cores
    (``cpu_cores``: 1.0 is one core busy throughout) and its CPU milliseconds per
    acknowledged ballot (reads and websockets included in what a ballot costs)."""
    ballots = max(1, len(window.casts_ok()))
    used = {name: after[name] - before.get(name, 0.0) for name in after}
    return {
        "cpu_cores": {name: round(v / seconds, 2) for name, v in sorted(used.items())},
        "cpu_ms_per_ballot": {
            name: round(v * 1000 / ballots, 2) for name, v in sorted(used.items())
        },
    }


_MAIN_KEYS = {"ballots_per_s", "p50_ms", "p99_ms", "errors_5xx", "errors_503"}


def _goal_met(line: dict[str, Any]) -> bool:
    ok = bool(line["recount_ok"]) and line["errors_5xx"] == 0 and line["errors_other"] == 0
    if line["concurrency"] == 16:
        ok = ok and line["ratio"] >= 0.10 and line["p99_ms"] < 250
    return ok


async def run_soak(h: Harness, city: City, args: argparse.Namespace) -> dict[str, Any]:
    names = sorted(h.stack.lines)
    memory: list[dict[str, Any]] = []
    stop = asyncio.Event()
    started = time.monotonic()

    async def sample_memory() -> None:
        while not stop.is_set():
            memory.append(
                {
                    "t": round(time.monotonic() - started),
                    **{name: h.stack.rss_kib(name) for name in names},
                }
            )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=args.sample_every)

    async with Traffic(
        city=city, base_url=h.base_url, public_url=h.public_url, auth_token=h.auth_token
    ) as traffic:
        await traffic.run(concurrency=8, seconds=args.warmup, ws_clients=2)
        sampler = asyncio.create_task(sample_memory())
        window = await traffic.run(
            concurrency=args.soak_clients,
            seconds=args.duration,
            ws_clients=args.soak_ws,
            rate=args.rate,
        )
        stop.set()
        await sampler
        memory.append(
            {"t": round(time.monotonic() - started), **{n: h.stack.rss_kib(n) for n in names}}
        )
        counted = await asyncio.to_thread(_recount, traffic, city)
    figures = window_figures(window)
    # Memory after the first minute (imports done, pools and caches filled) against the end.
    settle = min(60, args.duration / 4)
    baseline = next((m for m in memory if m["t"] >= settle), memory[0])
    end = memory[-1]
    growth = {
        name: round((end[name] - baseline[name]) / baseline[name], 3) if baseline[name] else 0.0
        for name in names
    }
    alive = {name: h.stack.alive(name) for name in names}
    actions = len(window.samples)
    result: dict[str, Any] = {
        "bench": "soak",
        "duration_s": round(window.seconds, 1),
        "rate_target_per_s": args.rate,
        "actions_per_s": round(actions / window.seconds, 1) if window.seconds else 0.0,
        "expected_peak_per_s": EXPECTED_PEAK_PER_S,
        **figures,
        "recount_ok": counted["recount_ok"],
        "rss_kib_start": {n: baseline[n] for n in names},
        "rss_kib_end": {n: end[n] for n in names},
        "rss_growth": growth,
        "rss_flat": all(g < SOAK_GROWTH_LIMIT for g in growth.values()),
        "processes_alive": alive,
        "memory_samples": memory,
        "loadavg_1m": round(os.getloadavg()[0], 1),
        "server": h.describe(),
    }
    errors = figures["errors_5xx"] + figures["errors_503"] + figures["errors_other"]
    result["goal_met"] = (
        result["rss_flat"] and errors == 0 and counted["recount_ok"] and all(alive.values())
    )
    print(json.dumps(result), flush=True)
    return result


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help=f"level {QUICK_LEVEL} only, short")
    parser.add_argument("--levels", default=",".join(map(str, LEVELS)))
    parser.add_argument("--seconds", type=float, default=20.0, help="traffic per level")
    parser.add_argument("--pgbench-seconds", type=int, default=10)
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--residents", type=int, default=1000)
    parser.add_argument("--web-workers", type=int, help="WEB_CONCURRENCY for the web process")
    parser.add_argument("--soak", action="store_true", help="the soak test instead of levels")
    parser.add_argument("--rate", type=float, default=10 * EXPECTED_PEAK_PER_S)
    parser.add_argument("--duration", type=float, default=600.0, help="soak seconds")
    parser.add_argument("--soak-clients", type=int, default=32)
    parser.add_argument("--soak-ws", type=int, default=20)
    parser.add_argument("--sample-every", type=float, default=10.0)
    parser.add_argument(
        "--profile", type=int, default=30, help="casts profiled in-process after (0: none)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (logs)")
    parser.add_argument(
        "--pg-statements",
        action="store_true",
        help="load pg_stat_statements and print each level's top statements",
    )
    args = parser.parse_args(argv)
    args.levels = [QUICK_LEVEL] if args.quick else [int(x) for x in args.levels.split(",") if x]
    if args.quick:
        args.seconds = min(args.seconds, 20.0)
        args.pgbench_seconds = min(args.pgbench_seconds, 8)
        args.warmup = min(args.warmup, 3.0)
        args.profile = min(args.profile, 10)
    args.residents = max(10, min(args.residents, 20000))
    args.profile = max(0, min(args.profile, args.residents // 4))
    args.seconds = max(1.0, min(args.seconds, 600.0))
    args.duration = max(10.0, min(args.duration, 4 * 3600.0))
    return args


def _client_loop() -> asyncio.AbstractEventLoop:
    """The load generator's event loop: uvloop (uvicorn's own, already installed). The
    generator shares the machine's cores with the stack it measures; on asyncio's loop
    it took about 1 ms of CPU per ballot, CPU the stack then lacked."""
    import uvloop

    return uvloop.new_event_loop()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with Harness(
        web_workers=args.web_workers, keep=args.keep, pg_statements=args.pg_statements
    ) as h:
        h.start_servers()
        h.prepare_database()
        if args.pg_statements:
            h.postgres.psql("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        # The workers boot (slow on a busy machine) while this process seeds the city.
        h.stack.start()
        h.django_setup()
        city = seed_city(args.residents)
        from django.db import connections

        connections.close_all()
        h.wait_ready(300)
        if args.soak:
            result = asyncio.run(run_soak(h, city, args), loop_factory=_client_loop)
            ok = bool(result["goal_met"])
        else:
            lines = asyncio.run(run_levels(h, city, args), loop_factory=_client_loop)
            ok = all(line["goal_met"] for line in lines)
            if args.profile:
                from bench.profile_cast import profile_casts

                profiled = profile_casts(
                    city, n=args.profile, public_url=h.public_url, auth_token=h.auth_token
                )
                print(json.dumps(profiled), flush=True)
        if args.keep:
            print(f"logs kept in {h.root / 'logs'}", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
