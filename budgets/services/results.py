"""Counting and publishing results: the frozen ``TallyRun`` of every pot."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from budgets.models import TallyRun
from budgets.tally import decimal_from_fraction, tally_pot
from core.live import broadcast_on_commit
from core.models import PhaseKind, PhaseState, Process
from core.selectors import process_phase
from participation.services.audit_trail import audit_trail_write
from participation.staff_permissions import staff_require


class ResultsError(Exception):
    pass


def results_publish(*, process: Process, actor: Any) -> list[TallyRun]:
    """Count every pot under the process's rule, freeze the outcomes (TallyRun) and make
    them public. Only after the voting phase has closed (server clock), only once.
    Needs ``core.publish_results`` (None: the command line); audited."""
    staff_require(actor, "core.publish_results")
    with transaction.atomic():
        locked = Process.objects.select_for_update().get(pk=process.pk)
        if locked.results_published_at is not None:
            raise ResultsError("results are already published")
        now = timezone.now()
        voting = process_phase(locked, PhaseKind.VOTING)
        if voting is None or voting.state_at(now) != PhaseState.CLOSED:
            raise ResultsError("voting has not closed yet")
        runs = []
        for pot in locked.pots.order_by("pk"):
            outcome, projects, counted = tally_pot(locked, pot)
            runs.append(
                TallyRun.objects.create(
                    pot=pot,
                    rule=locked.rule,
                    computed_at=now,
                    ballots_counted=counted,
                    budget=pot.amount,
                    spent=decimal_from_fraction(outcome.spent),
                    selected=[projects[pid].pk for pid in outcome.selected],
                    outcome=outcome.to_json(),
                )
            )
        locked.results_published_at = now
        locked.save(update_fields=["results_published_at"])
        audit_trail_write(
            actor=actor,
            action="results.publish",
            object_type="process",
            object_id=locked.pk,
            data={"pots": [r.pot_id for r in runs], "rule": locked.rule},
            before={"results_published_at": None},
            after={"results_published_at": now.isoformat()},
        )
        process.results_published_at = now
        broadcast_on_commit(
            locked.pk, {"kind": "results", "data": {"published_at": now.isoformat()}}
        )
    return runs
