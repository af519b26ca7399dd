"""``manage.py db_worker``: django-tasks-db's worker, made to survive database outages.

The package's worker exits on the first OperationalError it does not recognise as a
locked SQLite file (a PostgreSQL restart, a failover, a dropped connection), and nothing
restarts it: outbound SMS, sign-in codes included, then stop silently. This command is
the package's (same options, same worker), with its loop wrapped: a database outage
(``core.db_outage``) closes the broken connections, waits with capped, jittered backoff
and polls again, for as long as it lasts. Anything else still ends the worker.

It replaces the package's command because ``core`` is listed before
``django_tasks_db`` in INSTALLED_APPS (the first app with a command name wins).
"""

from __future__ import annotations

import logging
import os
import time
from typing import Any

from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker as upstream

from core.db_outage import Backoff, database_unavailable, drop_connections

logger = logging.getLogger("django_tasks_db")

# The longest wait between two tries while the database is away.
RETRY_CAP_S = 30.0


class SurvivingWorker(upstream.Worker):
    def __init__(self, *args: Any, retry_cap: float = RETRY_CAP_S, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.backoff = Backoff(base=0.5, cap=retry_cap)
        self.outages = 0

    def run(self) -> None:
        while True:
            try:
                super().run()
                return
            except Exception as exc:
                if not database_unavailable(exc) or not self.running:
                    raise
                self.outages += 1
                wait = self.backoff.next_wait()
                logger.warning(
                    "database unavailable (%s: %s); worker %s retries in %.1f s",
                    type(exc).__name__,
                    str(exc).strip().splitlines()[0] if str(exc).strip() else "",
                    self.worker_id,
                    wait,
                )
                drop_connections()
                time.sleep(wait)
                self.startup_delay = False

    def run_task(self, db_task_result: Any) -> None:
        super().run_task(db_task_result)
        # A task that ran means the database answers again.
        self.backoff.reset()


class Command(upstream.Command):
    help = upstream.Command.help + " (retrying database outages with backoff)"

    def handle(
        self,
        *,
        verbosity: int,
        queue_name: str,
        interval: float,
        batch: bool,
        backend_name: str,
        startup_delay: bool,
        reload: bool,
        max_tasks: int | None,
        worker_id: str,
        exclude_queues: str,
        **options: Any,
    ) -> None:
        self.configure_logging(verbosity)
        if reload and batch:
            reload = False
        queue_names = queue_name.split(",")
        excluded = exclude_queues.split(",") if exclude_queues else []
        if excluded and "*" not in queue_names:
            raise upstream.CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = SurvivingWorker(
            queue_names=queue_names,
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay,
            max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=excluded,
        )
        if reload:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
