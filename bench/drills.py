"""Fault drills on the production stack, each bounded in time, on a private PostgreSQL
cluster and Redis (``bench.harness``; never the shared servers).

    python -m bench.drills [--only postgres_restart,redis_kill,...] [--twilio-seconds 60]

Each drill prints one JSON line: ``drill``, ``ok``, ``proved`` (what it showed, in words)
and the figures behind it. The drills, in order:

* ``postgres_restart``: PostgreSQL stopped and started mid-load (web casts and SMS
  votes). Every answer is a vote or a clean 503 (no other 5xx, no hang); no acknowledged
  ballot is lost (the recount); SMS votes answered 503 are retried with the same
  MessageSid until they pass, and replaying acknowledged ones with their MessageSid
  again gives the recorded answer and no second ballot; the workers are still up and
  the site is ready again.
* ``redis_kill`` / ``redis_freeze``: Redis SIGKILLed (then started again), and
  separately SIGSTOPped (then SIGCONT), mid-load with websocket clients. Voting goes on
  with no error; replies are not slowed (p99 during the outage against before it);
  readiness stays 200 ("degraded"); live events reach the websockets again after.
* ``twilio_failing``: outbound texts queued while the fake Twilio answers 5xx, then
  hangs (some requests after storing the text: Twilio has it, we never hear), for
  ``--twilio-seconds`` (60 by default). Afterwards every text was delivered exactly once
  (no duplicate at the fake Twilio), a row marked failed was never delivered, and none
  is left behind.
* ``worker_killed``: the sending workers SIGKILLed while sends hang (Twilio has the
  texts); the process manager starts them again. Every text is settled within the
  lease (plus a sweep), none sent twice.
* ``backup_restore``: ``pg_dump -Fc`` of the bench database, ``pg_restore`` into a new
  database, and the row counts (and a checksum of the ballots) compared.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import time
from collections.abc import Awaitable, Callable
from typing import Any

from bench.harness import DB_NAME, Harness, _tool
from bench.load import _recount
from bench.seed import City, seed_city
from bench.traffic import Sample, Traffic, percentile

DRILLS = (
    "postgres_restart",
    "redis_kill",
    "redis_freeze",
    "twilio_failing",
    "worker_killed",
    "backup_restore",
)
# The lease after which a row a dead worker left in "sending" is taken back (issue 12:
# well under a sign-in code's life), and the sweeper's interval on top of it.
LEASE_S = 60.0
SWEEP_MARGIN_S = 30.0
# Traffic of a drill's first seconds is left out of before/during comparisons.
WARMUP_S = 3.0


def _between(samples: list[Sample], start: float, end: float) -> list[Sample]:
    return [s for s in samples if start <= s.at < end]


def _began(sample: Sample) -> float:
    return sample.at - sample.ms / 1000


def _overlapping(samples: list[Sample], start: float, end: float) -> list[Sample]:
    """Samples whose request was in flight at some moment of [start, end)."""
    return [s for s in samples if _began(s) < end and s.at >= start]


def _p99(samples: list[Sample]) -> float:
    return round(percentile([s.ms for s in samples if s.outcome == "ok"], 0.99), 1)


def _outcomes(samples: list[Sample]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for s in samples:
        counts[s.outcome] = counts.get(s.outcome, 0) + 1
    return counts


def report(name: str, ok: bool, proved: list[str], **figures: Any) -> dict[str, Any]:
    line = {"drill": name, "ok": ok, "proved": proved if ok else [], **figures}
    if not ok:
        line["expected"] = proved
    print(json.dumps(line, default=str), flush=True)
    return line


# --- PostgreSQL restarted ----------------------------------------------------------------------


async def postgres_restart(h: Harness, city: City, args: argparse.Namespace) -> dict[str, Any]:
    async with Traffic(
        city=city,
        base_url=h.base_url,
        public_url=h.public_url,
        auth_token=h.auth_token,
        mix={"web": 0.5, "sms": 0.5},
        sms_retries=40,  # Twilio's fallback, as long as the outage lasts
        seed=1,
        casts=args.history,
    ) as traffic:
        run = asyncio.create_task(traffic.run(concurrency=8, seconds=args.seconds + 15))
        await asyncio.sleep(4)
        down_at = time.monotonic()
        await asyncio.to_thread(h.postgres.stop, "fast")
        await asyncio.sleep(args.down_seconds)
        await asyncio.to_thread(h.postgres.start)
        up_at = time.monotonic()
        await run
        ready = await asyncio.to_thread(h.wait_ready, 60)
        samples = traffic.samples
        during = _between(samples, down_at, up_at + 2)
        counted = await asyncio.to_thread(_recount, traffic, city)
        # Replay acknowledged SMS votes (those that went through a 503 first, else any)
        # with the same MessageSid: the recorded answer, no second ballot.
        acked_sms = [c for c in traffic.casts if c.channel == "sms" and c.acknowledged]
        retried = [c for c in acked_sms if c.retries > 0]
        replay = (retried or acked_sms)[:20]
        by_id = {r.id: r for r in city.residents}
        same_answer = 0
        for cast in replay:
            status, text = await traffic.sms_replay(
                cast, by_id[cast.resident_id], traffic.sms_bodies[cast.message_sid]
            )
            if (
                status == 200
                and cast.receipts
                and all(r in text.replace("-", "") for r in cast.receipts)
            ):
                same_answer += 1
        after_replay = await asyncio.to_thread(_recount, traffic, city)
    outcomes = _outcomes(samples)
    non_503_errors = sum(outcomes.get(k, 0) for k in ("5xx", "timeout", "error", "apology"))
    alive = {name: h.stack.alive(name) for name in sorted(h.stack.lines)}
    ok = (
        non_503_errors == 0
        and counted["recount_ok"]
        and after_replay["recount_ok"]
        and after_replay["counted_twice"] == 0
        and same_answer == len(replay)
        and all(alive.values())
        and _outcomes(during).get("503", 0) > 0
    )
    return report(
        "postgres_restart",
        ok,
        [
            f"PostgreSQL down {args.down_seconds:.0f} s mid-load: "
            f"{_outcomes(during).get('503', 0)} clean 503s, no other server error or hang",
            f"no acknowledged ballot lost: recount of {counted['acknowledged_casts']} "
            "acknowledged casts is right",
            f"{len(retried)} SMS votes answered 503 were retried with the same MessageSid "
            "and counted once",
            f"{len(replay)} acknowledged SMS votes replayed with their MessageSid: the same "
            "receipts, no second ballot",
            "web, task worker and SMS sweeper still running; ready again",
        ],
        outcomes=outcomes,
        outcomes_during_outage=_outcomes(during),
        sms_retried=len(retried),
        replayed=len(replay),
        replay_same_answer=same_answer,
        recount=counted,
        recount_after_replay_ok=after_replay["recount_ok"],
        processes_alive=alive,
        ready_path=ready,
        outage_s=round(up_at - down_at, 1),
    )


# --- Redis killed / frozen ---------------------------------------------------------------------


async def _redis_drill(
    h: Harness,
    city: City,
    args: argparse.Namespace,
    name: str,
    fault: Callable[[], None],
    recover: Callable[[], None],
) -> dict[str, Any]:
    async with Traffic(
        city=city,
        base_url=h.base_url,
        public_url=h.public_url,
        auth_token=h.auth_token,
        mix={"web": 0.45, "sms": 0.45, "read": 0.1},
        seed=2 if name == "redis_kill" else 3,
        casts=args.history,
    ) as traffic:
        started = time.monotonic()
        run = asyncio.create_task(
            traffic.run(concurrency=6, seconds=args.seconds + 10, ws_clients=8)
        )
        await asyncio.sleep(6)
        fault_at = time.monotonic()
        await asyncio.to_thread(fault)
        await asyncio.sleep(2)
        ready_during, ready_body = await asyncio.to_thread(h.get_json, h.ready_path, 5.0)
        # The consumer gives up joining after LIVE_REDIS_TIMEOUT (2 s), then says so.
        ws_accepted, ws_said = await traffic.ws_probe(wait=5.0)
        await asyncio.sleep(max(0.0, args.seconds / 2 - 2))
        await asyncio.to_thread(recover)
        back_at = time.monotonic()
        window = await run
        counted = await asyncio.to_thread(_recount, traffic, city)
    samples = window.samples
    # The first seconds are each worker's first requests (imports, templates, the
    # pool's first connections): compared with neither side.
    warm = started + WARMUP_S
    before = [s for s in samples if warm <= _began(s) and s.at < fault_at]
    during = [s for s in _overlapping(samples, fault_at, back_at) if _began(s) >= warm]
    casts_during = [s for s in during if s.kind in ("web", "sms")]
    outcomes = _outcomes(samples)
    errors = sum(v for k, v in outcomes.items() if k != "ok")
    p99_before, p99_during = _p99([s for s in before if s.kind != "read"]), _p99(casts_during)
    events_after = sum(1 for t in window.ws.event_times if t > back_at)
    not_slowed = p99_during <= 2 * p99_before + 100
    ok = (
        errors == 0
        and counted["recount_ok"]
        and len(casts_during) > 0
        and not_slowed
        and ready_during == 200
        and events_after > 0
        and ws_accepted
    )
    verb = "SIGKILLed" if name == "redis_kill" else "frozen (SIGSTOP)"
    return report(
        name,
        ok,
        [
            f"Redis {verb} for {back_at - fault_at:.0f} s mid-load: "
            f"{len(casts_during)} votes during it, no error of any kind",
            f"replies not slowed: cast p99 {p99_during} ms during against {p99_before} ms before",
            f"readiness stayed {ready_during} ({(ready_body or {}).get('status')})",
            f"a websocket opened during the outage was accepted (it said {ws_said!r})",
            f"live updates resumed: {events_after} websocket events after Redis came back",
            "recount right",
        ],
        outcomes=outcomes,
        casts_during=len(casts_during),
        p99_before_ms=p99_before,
        p99_during_ms=p99_during,
        p50_during_ms=round(percentile([s.ms for s in casts_during], 0.5), 1),
        # The slowest casts of the outage: which channel, how long, and when they began
        # (seconds after the fault), so a slowdown points at its path.
        slowest_during=[
            {"kind": s.kind, "ms": round(s.ms), "began_s": round(s.at - s.ms / 1000 - fault_at, 1)}
            for s in sorted(casts_during, key=lambda s: s.ms, reverse=True)[:5]
        ],
        not_ok=[
            {
                "kind": s.kind,
                "outcome": s.outcome,
                "ms": round(s.ms),
                "began_s": round(_began(s) - fault_at, 1),
            }
            for s in samples
            if s.outcome != "ok"
        ][:10],
        readyz_during=ready_during,
        readyz_body=ready_body,
        ws_during_accepted=ws_accepted,
        ws_during_said=ws_said,
        ws_events_after=events_after,
        ws_connects=window.ws.connects,
        ws_refused=window.ws.refused,
        recount_ok=counted["recount_ok"],
    )


async def redis_kill(h: Harness, city: City, args: argparse.Namespace) -> dict[str, Any]:
    return await _redis_drill(h, city, args, "redis_kill", h.redis.kill, h.redis.start)


async def redis_freeze(h: Harness, city: City, args: argparse.Namespace) -> dict[str, Any]:
    return await _redis_drill(h, city, args, "redis_freeze", h.redis.freeze, h.redis.thaw)


# --- outbound SMS: Twilio failing, worker killed ---------------------------------------------


TEXT_BLOCKS = {"fail": 0, "hang": 1000, "kill": 2000}


def _queue_texts(tag: str, count: int) -> list[int]:
    """Queue ``count`` texts (broadcast purpose: no per-number hourly cap) to distinct
    numbers, each body unique, through the service every caller uses."""
    from sms.models import OutboundPurpose
    from sms.sending import send_sms

    ids = []
    for i in range(count):
        message = send_sms(
            to=f"+1628555{TEXT_BLOCKS[tag] + i:04d}",
            body=f"Bench {tag} text {i}: the vote closes Sunday.",
            purpose=OutboundPurpose.BROADCAST,
        )
        ids.append(message.pk)
    return ids


def _rows(ids: list[int]) -> dict[int, dict[str, Any]]:
    from django.db import close_old_connections

    from sms.models import OutboundMessage

    close_old_connections()
    return {
        row["pk"]: row
        for row in OutboundMessage.objects.filter(pk__in=ids).values(
            "pk", "to_e164", "body", "status", "attempts", "error_code"
        )
    }


SETTLED = {"sent", "delivered", "failed", "undelivered", "cancelled"}


async def _settle(ids: list[int], deadline_s: float) -> tuple[dict[int, dict[str, Any]], float]:
    started = time.monotonic()
    rows = await asyncio.to_thread(_rows, ids)
    while time.monotonic() - started < deadline_s:
        if all(r["status"] in SETTLED for r in rows.values()):
            break
        await asyncio.sleep(1)
        rows = await asyncio.to_thread(_rows, ids)
    return rows, time.monotonic() - started


def _delivery_check(
    h: Harness, rows: dict[int, dict[str, Any]]
) -> tuple[dict[str, int], int, int, int]:
    """(statuses, duplicates, failed rows that were delivered, sent rows not delivered)."""
    received: dict[tuple[str, str], int] = {}
    for m in h.twilio.messages():
        received[(m["to"], m["body"])] = received.get((m["to"], m["body"]), 0) + 1
    statuses: dict[str, int] = {}
    duplicates = failed_but_delivered = sent_but_missing = 0
    for row in rows.values():
        statuses[row["status"]] = statuses.get(row["status"], 0) + 1
        n = received.get((row["to_e164"], row["body"]), 0)
        duplicates += max(0, n - 1)
        if row["status"] in ("failed", "cancelled") and n:
            failed_but_delivered += 1
        if row["status"] in ("sent", "delivered") and n == 0:
            sent_but_missing += 1
    return statuses, duplicates, failed_but_delivered, sent_but_missing


async def twilio_failing(h: Harness, city: City, args: argparse.Namespace) -> dict[str, Any]:
    half = args.twilio_seconds / 2
    h.twilio.set_mode("error", half)
    ids = await asyncio.to_thread(_queue_texts, "fail", args.texts)
    await asyncio.sleep(half)
    h.twilio.set_mode("accept_hang", half)
    more = await asyncio.to_thread(_queue_texts, "hang", args.texts // 2)
    await asyncio.sleep(half)
    h.twilio.set_mode("ok", 0)
    rows, waited = await _settle(ids + more, args.settle_seconds)
    statuses, duplicates, failed_delivered, missing = _delivery_check(h, rows)
    unsettled = sum(1 for r in rows.values() if r["status"] not in SETTLED)
    ok = duplicates == 0 and failed_delivered == 0 and missing == 0 and unsettled == 0
    return report(
        "twilio_failing",
        ok,
        [
            f"fake Twilio answered 503 for {half:.0f} s, then hung for {half:.0f} s "
            "(storing some texts first)",
            f"all {len(rows)} texts settled {waited:.0f} s after Twilio recovered: {statuses}",
            "nothing sent twice (0 duplicates at Twilio); no row marked failed was "
            "delivered; every row marked sent reached Twilio",
        ],
        texts=len(rows),
        statuses=statuses,
        duplicates=duplicates,
        failed_but_delivered=failed_delivered,
        sent_but_not_at_twilio=missing,
        unsettled=unsettled,
        settle_s=round(waited, 1),
        twilio_stats=h.twilio.stats(),
    )


async def worker_killed(h: Harness, city: City, args: argparse.Namespace) -> dict[str, Any]:
    senders = [n for n in ("worker", "sms") if n in h.stack.lines]
    h.twilio.set_mode("accept_hang", 600)
    ids = await asyncio.to_thread(_queue_texts, "kill", 20)
    # Wait until a send is in flight (a row in "sending"), then kill every sender.
    in_flight = 0
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        rows = await asyncio.to_thread(_rows, ids)
        in_flight = sum(1 for r in rows.values() if r["status"] == "sending")
        if in_flight:
            break
        await asyncio.sleep(0.3)
    await asyncio.sleep(1)
    killed_at = time.monotonic()
    for name in senders:
        await asyncio.to_thread(h.stack.kill, name)
    h.twilio.set_mode("ok", 0)
    # The process manager restarts them (honcho/systemd would; here the harness does).
    for name in senders:
        h.stack.start(name)
    rows, waited = await _settle(ids, LEASE_S + SWEEP_MARGIN_S + 30)
    statuses, duplicates, failed_delivered, missing = _delivery_check(h, rows)
    unsettled = sum(1 for r in rows.values() if r["status"] not in SETTLED)
    within = time.monotonic() - killed_at <= LEASE_S + SWEEP_MARGIN_S
    ok = (
        in_flight > 0
        and duplicates == 0
        and failed_delivered == 0
        and missing == 0
        and unsettled == 0
        and within
    )
    return report(
        "worker_killed",
        ok,
        [
            f"{', '.join(senders)} SIGKILLed with {in_flight} sends in flight (Twilio had "
            "the texts, the worker never heard)",
            f"all {len(rows)} texts settled {waited:.0f} s after the kill (lease {LEASE_S:.0f} s "
            f"+ sweep): {statuses}",
            "none sent twice: the orphaned sends were reconciled with Twilio, not repeated",
        ],
        in_flight_at_kill=in_flight,
        statuses=statuses,
        duplicates=duplicates,
        failed_but_delivered=failed_delivered,
        sent_but_not_at_twilio=missing,
        unsettled=unsettled,
        settle_s=round(waited, 1),
    )


# --- backup and restore ----------------------------------------------------------------------


RESTORE_DB = "justcity_restored"
COUNTED_TABLES = (
    "budgets_ballot",
    "budgets_selection",
    "budgets_castlog",
    "participation_resident",
    "sms_outboundmessage",
    "django_session",
)


def _counts(h: Harness, database: str) -> dict[str, Any]:
    counts: dict[str, Any] = {
        t: int(h.postgres.psql(f"SELECT count(*) FROM {t}", database)) for t in COUNTED_TABLES
    }
    counts["ballots_md5"] = h.postgres.psql(
        "SELECT md5(string_agg(receipt || ':' || pot_id || ':' || voter, ',' ORDER BY receipt)) "
        "FROM budgets_ballot",
        database,
    )
    return counts


def backup_restore_sync(h: Harness) -> dict[str, Any]:
    dump = h.root / "backup.dump"
    common = ["-h", "127.0.0.1", "-p", str(h.postgres.port), "-U", "postgres"]
    started = time.monotonic()
    before = _counts(h, DB_NAME)
    subprocess.run(
        [_tool("pg_dump"), *common, "-Fc", "-f", str(dump), DB_NAME],
        check=True,
        capture_output=True,
        timeout=600,
    )
    after_dump = _counts(h, DB_NAME)
    h.postgres.psql(f"DROP DATABASE IF EXISTS {RESTORE_DB}", "postgres")
    h.postgres.psql(f"CREATE DATABASE {RESTORE_DB}", "postgres")
    restored = subprocess.run(
        [_tool("pg_restore"), *common, "--no-owner", "-d", RESTORE_DB, str(dump)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    copy = _counts(h, RESTORE_DB)
    seconds = time.monotonic() - started
    # The stack keeps running during the dump (a sweep may write): pg_dump's snapshot is
    # the state just before it or just after it.
    same = copy in (after_dump, before)
    ok = restored.returncode == 0 and same
    return report(
        "backup_restore",
        ok,
        [
            f"pg_dump -Fc of {DB_NAME} ({dump.stat().st_size // 1024} KiB) restored into a "
            f"fresh database {RESTORE_DB} in {seconds:.1f} s",
            f"row counts equal ({', '.join(f'{t} {copy[t]}' for t in COUNTED_TABLES)}) and "
            "the ballots' checksum equal",
        ],
        source=after_dump,
        restored=copy,
        pg_restore_errors=restored.stderr[-500:] if restored.returncode else "",
    )


async def backup_restore(h: Harness, city: City, args: argparse.Namespace) -> dict[str, Any]:
    return await asyncio.to_thread(backup_restore_sync, h)


RUNNERS: dict[str, Callable[[Harness, City, argparse.Namespace], Awaitable[dict[str, Any]]]] = {
    "postgres_restart": postgres_restart,
    "redis_kill": redis_kill,
    "redis_freeze": redis_freeze,
    "twilio_failing": twilio_failing,
    "worker_killed": worker_killed,
    "backup_restore": backup_restore,
}


async def run_all(h: Harness, city: City, args: argparse.Namespace) -> list[dict[str, Any]]:
    results = []
    for name in args.only:
        try:
            results.append(await asyncio.wait_for(RUNNERS[name](h, city, args), args.drill_timeout))
        except TimeoutError:
            results.append(report(name, False, [f"finished within {args.drill_timeout:.0f} s"]))
        # Whatever a drill broke, the next one starts on a healthy stack.
        h.twilio.set_mode("ok", 0)
        h.redis.thaw()
        if h.redis.proc is None or h.redis.proc.poll() is not None:
            h.redis.start()
        if not h.postgres.started:
            h.postgres.start()
        for name in h.stack.lines:
            if not h.stack.alive(name):
                h.stack.start(name)
        await asyncio.to_thread(h.wait_ready, 60)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--only", default=",".join(DRILLS), help="comma-separated drills")
    parser.add_argument("--seconds", type=float, default=16.0, help="load per drill")
    parser.add_argument("--down-seconds", type=float, default=6.0, help="PostgreSQL down")
    parser.add_argument("--twilio-seconds", type=float, default=60.0, help="Twilio failing")
    parser.add_argument("--texts", type=int, default=60, help="texts queued while failing")
    parser.add_argument("--settle-seconds", type=float, default=300.0)
    parser.add_argument("--drill-timeout", type=float, default=600.0)
    parser.add_argument("--residents", type=int, default=300)
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (logs)")
    args = parser.parse_args(argv)
    args.only = [d for d in args.only.split(",") if d]
    unknown = [d for d in args.only if d not in RUNNERS]
    if unknown:
        parser.error(f"unknown drills: {', '.join(unknown)} (known: {', '.join(DRILLS)})")
    args.texts = max(1, min(args.texts, 500))
    args.history = []  # every cast of every drill, for the recounts
    with Harness(keep=args.keep) as h:
        h.start_servers()
        h.prepare_database()
        # The workers boot (slow on a busy machine) while this process seeds the city.
        h.stack.start()
        h.django_setup()
        city = seed_city(args.residents)
        from django.db import connections

        connections.close_all()
        h.wait_ready(300)
        results = asyncio.run(run_all(h, city, args))
        print(
            json.dumps(
                {
                    "drills": len(results),
                    "ok": all(r["ok"] for r in results),
                    "failed": [r["drill"] for r in results if not r["ok"]],
                    "server": h.describe(),
                }
            ),
            flush=True,
        )
    return 0 if all(r["ok"] for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
