"""The pieces of the bench harness that run without starting the stack: the Procfile
reading, receipts in answers, the figures of a traffic window, the pgbench transaction.
The private PostgreSQL and Redis start too (two seconds), wherever their binaries are."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from bench.harness import (
    FALLBACK_PROCFILE,
    PrivatePostgres,
    PrivateRedis,
    free_port,
    group_rss_kib,
    procfile_lines,
)
from bench.seed import pgbench_script
from bench.traffic import Sample, Window, WsStats, receipts_in, window_figures


def test_procfile_lines_are_read_and_missing_ones_named(tmp_path: Path) -> None:
    procfile = tmp_path / "Procfile"
    procfile.write_text(
        "# the stack\nweb: gunicorn --config python:justcity.gunicorn_conf\n\n"
        "worker: python manage.py db_worker\n"
    )

    lines, source = procfile_lines(procfile)

    assert lines["web"] == "gunicorn --config python:justcity.gunicorn_conf"
    assert lines["worker"] == "python manage.py db_worker"
    assert lines["sms"] == FALLBACK_PROCFILE["sms"]
    assert source == "Procfile + fallback for sms"


def test_without_a_procfile_the_documented_commands_run(tmp_path: Path) -> None:
    lines, source = procfile_lines(tmp_path / "Procfile")

    assert lines == FALLBACK_PROCFILE
    assert source.startswith("fallback")


def test_free_ports_are_never_the_shared_servers() -> None:
    assert free_port() not in (5432, 6379)
    with pytest.raises(ValueError):
        PrivatePostgres(Path("/nonexistent"), 5432)
    with pytest.raises(ValueError):
        PrivateRedis(Path("/nonexistent"), 6379)


def test_receipts_are_found_in_a_page_and_an_sms_reply() -> None:
    page = '<strong class="receipt-code" id="receipt-code-1">M7NEH-TQKZA</strong>'
    reply = "City-wide: 43,000 USD. Receipt M7NEH-TQKZA.\nBench Hill: Receipt E66PT-9XGER."

    assert receipts_in(page) == ("M7NEHTQKZA",)
    assert receipts_in(reply) == ("M7NEHTQKZA", "E66PT9XGER")
    assert receipts_in("Vote not recorded. There is no project 9.") == ()


def test_window_figures_count_casts_and_errors_apart() -> None:
    samples = [Sample(1.0, "web", float(ms), "ok") for ms in range(1, 101)]
    samples += [
        Sample(2.0, "sms", 5.0, "503"),
        Sample(2.0, "sms", 5.0, "5xx"),
        Sample(2.0, "read", 7.0, "ok"),
        Sample(2.0, "sms", 9.0, "apology"),
    ]

    figures = window_figures(Window(10.0, samples, WsStats(connects=3, events=12)))

    assert figures["ballots_per_s"] == 10.0
    assert figures["p50_ms"] == 51.0
    assert figures["p99_ms"] == 99.0
    assert (figures["errors_5xx"], figures["errors_503"], figures["errors_other"]) == (1, 1, 1)
    assert figures["reads"] == 1
    assert (figures["ws_connects"], figures["ws_events"]) == (3, 12)


def test_memory_of_a_process_group_is_summed() -> None:
    assert group_rss_kib(os.getpgid(0)) > 0


def test_the_pgbench_transaction_writes_the_ballot_tables() -> None:
    script = pgbench_script()

    assert "FOR UPDATE" in script
    for table in ("budgets_ballot", "budgets_selection", "budgets_castlog"):
        assert table in script
    assert script.strip().endswith("COMMIT;")


def test_private_postgres_and_redis_start_and_stop() -> None:
    import shutil
    import tempfile

    if not shutil.which("redis-server") or not Path("/usr/lib/postgresql").exists():
        pytest.skip("PostgreSQL server binaries or redis-server not installed")
    # Not pytest's tmp_path: the postgres user must be able to reach the folder.
    root = Path(tempfile.mkdtemp(prefix="justcity-test-pg-"))
    root.chmod(0o755)
    (root / "logs").mkdir()
    postgres = PrivatePostgres(root, free_port())
    redis = PrivateRedis(root, free_port())
    try:
        postgres.init()
        postgres.start()
        assert postgres.psql("SELECT 40 + 2", database="postgres") == "42"
        redis.start()
        with socket.create_connection(("127.0.0.1", redis.port), timeout=2) as conn:
            conn.sendall(b"PING\r\n")
            assert conn.recv(16).startswith(b"+PONG")
    finally:
        redis.stop()
        postgres.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", postgres.port)) != 0
