"""Closing a vote and publishing its results: the staff walk-through's services.

The steps, each audited, each needing ``core.publish_results`` (actor None: the
command line):

1. ``voting_close``: end the voting phase now (or leave it to end when scheduled).
2. ``results_count``: count every pot under the process's rule and freeze the outcome
   (``TallyRun``) for review; nothing is public yet.
3. ``outcome_override``: staff adjust a counted outcome, only with a written reason
   (fund or drop a project, or raise the budget a little and count again); the reason
   is public beside the computed outcome.
4. ``results_publish``: make the reviewed count public (counting first if no count was
   made, as the admin action does). Refused if the ballots changed since the count.
5. ``results_unpublish``: take results down again, only with a reason.

Whether anything is public is ``Process.results_published_at``; every reader goes
through ``budgets.results`` (pages, API, open data, delivery).
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from budgets.models import OutcomeOverride, OverrideKind, Pot, Project, TallyRun
from budgets.results import pot_latest_run, run_outcome
from budgets.rules import run_rule
from budgets.tally import decimal_from_fraction, election_for_pot, tally_pot
from core.l10n import money
from core.live import broadcast_on_commit
from core.models import Phase, PhaseKind, PhaseState, Process, TallyRule
from core.selectors import process_phase
from participation.services.audit_trail import audit_trail_write
from participation.staff_permissions import staff_require

PUBLISH_PERMISSION = "core.publish_results"
REASON_MAX = 2000


class ResultsError(Exception):
    """A refused step of the walk-through; the message is fit to show staff."""


def _reason(text: str | None) -> str:
    reason = " ".join((text or "").split())
    if not reason:
        raise ResultsError(_("Write the reason: it is shown to the public."))
    if len(reason) > REASON_MAX:
        raise ResultsError(_("Keep the reason under %(n)d characters.") % {"n": REASON_MAX})
    return reason


def _voting_closed(process: Process, now: Any) -> Phase:
    voting = process_phase(process, PhaseKind.VOTING)
    if voting is None or voting.state_at(now) != PhaseState.CLOSED:
        raise ResultsError(_("Voting has not closed yet."))
    return voting


def _unpublished(process: Process) -> None:
    if process.results_published_at is not None:
        raise ResultsError(_("Results are already published."))


def voting_close(*, process: Process, actor: Any) -> Phase:
    """End the voting phase now (its ``ends_at`` becomes the server's now), so no
    ballot is taken from this instant on. Refused before voting has started or once
    it has closed. Returns the phase."""
    staff_require(actor, PUBLISH_PERMISSION)
    with transaction.atomic():
        locked = Process.objects.select_for_update().get(pk=process.pk)
        voting = process_phase(locked, PhaseKind.VOTING)
        now = timezone.now()
        if voting is None:
            raise ResultsError(_("This process has no voting phase."))
        state = voting.state_at(now)
        if state == PhaseState.UPCOMING:
            raise ResultsError(_("Voting has not started yet."))
        if state == PhaseState.CLOSED:
            raise ResultsError(_("Voting is already closed."))
        scheduled = voting.ends_at
        voting.ends_at = now
        voting.save(update_fields=["ends_at"])
        audit_trail_write(
            actor=actor,
            action="voting.close",
            object_type="process",
            object_id=locked.pk,
            data={"scheduled_end": scheduled.isoformat(), "closed_at": now.isoformat()},
        )
    return voting


def _run_create(process: Process, pot: Pot, now: Any) -> TallyRun:
    outcome, projects, counted = tally_pot(process, pot)
    return TallyRun.objects.create(
        pot=pot,
        rule=process.rule,
        computed_at=now,
        ballots_counted=counted,
        budget=pot.amount,
        spent=decimal_from_fraction(outcome.spent),
        selected=[projects[pid].pk for pid in outcome.selected],
        outcome=outcome.to_json(),
    )


def results_count(*, process: Process, actor: Any) -> list[TallyRun]:
    """Count every pot under the process's rule and freeze the outcomes for review
    (a new count replaces an earlier one, and its overrides with it). Only after
    voting closed and while results are not public."""
    staff_require(actor, PUBLISH_PERMISSION)
    with transaction.atomic():
        locked = Process.objects.select_for_update().get(pk=process.pk)
        _unpublished(locked)
        now = timezone.now()
        _voting_closed(locked, now)
        runs = [_run_create(locked, pot, now) for pot in locked.pots.order_by("pk")]
        audit_trail_write(
            actor=actor,
            action="results.count",
            object_type="process",
            object_id=locked.pk,
            data={"runs": [r.pk for r in runs], "rule": locked.rule},
        )
    return runs


def _same_count(run: TallyRun, process: Process, pot: Pot) -> bool:
    outcome, projects, counted = tally_pot(process, pot)
    return (
        run.rule == process.rule
        and run.ballots_counted == counted
        and run.budget == pot.amount
        and list(run.selected) == [projects[pid].pk for pid in outcome.selected]
    )


def results_publish(*, process: Process, actor: Any) -> list[TallyRun]:
    """Make the results public: the reviewed count of every pot (with its overrides),
    or, for a pot not counted since voting closed, a count made now. Refused before
    voting closed, when already published, and when the ballots changed since the
    reviewed count (a paper entry voided after it): count again and review. Audited;
    only from here on do pages, the API and the open-data files show counts."""
    staff_require(actor, PUBLISH_PERMISSION)
    with transaction.atomic():
        locked = Process.objects.select_for_update().get(pk=process.pk)
        _unpublished(locked)
        now = timezone.now()
        voting = _voting_closed(locked, now)
        runs = []
        for pot in locked.pots.order_by("pk"):
            latest = pot_latest_run(pot)
            if latest is not None and latest.computed_at >= voting.ends_at:
                if not _same_count(latest, locked, pot):
                    raise ResultsError(
                        _(
                            "The ballots changed since the count (%(pot)s). "
                            "Count again and review before publishing."
                        )
                        % {"pot": pot.name}
                    )
                runs.append(latest)
            else:
                runs.append(_run_create(locked, pot, now))
        locked.results_published_at = now
        locked.save(update_fields=["results_published_at"])
        audit_trail_write(
            actor=actor,
            action="results.publish",
            object_type="process",
            object_id=locked.pk,
            data={
                "pots": [r.pot_id for r in runs],
                "runs": [r.pk for r in runs],
                "rule": locked.rule,
            },
            before={"results_published_at": None},
            after={"results_published_at": now.isoformat()},
        )
        process.results_published_at = now
        broadcast_on_commit(
            locked.pk, {"kind": "results", "data": {"published_at": now.isoformat()}}
        )
    return runs


def results_unpublish(*, process: Process, actor: Any, reason: str) -> None:
    """Take published results down (pages, API and exports stop showing counts). Only
    with a written reason, kept in the audit log. The counts stay stored: publishing
    again shows the same count unless staff count again."""
    staff_require(actor, PUBLISH_PERMISSION)
    text = _reason(reason)
    with transaction.atomic():
        locked = Process.objects.select_for_update().get(pk=process.pk)
        if locked.results_published_at is None:
            raise ResultsError(_("Results are not published."))
        published_at = locked.results_published_at
        locked.results_published_at = None
        locked.save(update_fields=["results_published_at"])
        audit_trail_write(
            actor=actor,
            action="results.unpublish",
            object_type="process",
            object_id=locked.pk,
            data={"published_at": published_at.isoformat(), "reason": text},
        )
    process.results_published_at = None


def outcome_override(
    *,
    process: Process,
    pot: Pot,
    actor: Any,
    kind: str,
    reason: str,
    project: Project | None = None,
    budget: Decimal | None = None,
) -> OutcomeOverride:
    """Adjust the counted outcome of ``pot`` before publication, with a public reason.

    - ``add``: fund ``project`` (of this pot) that the count did not fund;
    - ``remove``: do not fund ``project`` that the outcome funds;
    - ``budget``: raise the pot's budget to ``budget`` and count again under the same
      rule (the recount's funded list is frozen in the override).
    Refused while results are public (un-publish first, with a reason) and before a
    count. Audited with the reason."""
    staff_require(actor, PUBLISH_PERMISSION)
    text = _reason(reason)
    if kind not in OverrideKind.values:
        raise ResultsError(_("Choose what to change."))
    with transaction.atomic():
        locked = Process.objects.select_for_update().get(pk=process.pk)
        if locked.results_published_at is not None:
            raise ResultsError(_("Results are published: un-publish them first, with a reason."))
        if pot.process_id != locked.pk:
            raise ResultsError(_("That budget is not part of this process."))
        run = pot_latest_run(pot)
        if run is None:
            raise ResultsError(_("Count the votes first."))
        final = run_outcome(run)
        selected: list[int] = []
        if kind == OverrideKind.BUDGET:
            if budget is None or budget <= final.budget:
                raise ResultsError(
                    _("The new budget must be more than %(amount)s.")
                    % {"amount": money(final.budget, locked.currency)}
                )
            project = None
            election, projects = election_for_pot(locked, pot)
            outcome = run_rule(
                TallyRule(locked.rule).value,
                dataclasses.replace(election, budget=Fraction(budget)),
            )
            selected = [projects[pid].pk for pid in outcome.selected]
        else:
            budget = None
            if project is None or project.pot_id != pot.pk or project.withdrawn:
                raise ResultsError(_("Choose a project of this budget."))
            if kind == OverrideKind.ADD and project.pk in final.selected:
                raise ResultsError(_("That project is already funded."))
            if kind == OverrideKind.REMOVE and project.pk not in final.selected:
                raise ResultsError(_("That project is not funded."))
        override = OutcomeOverride.objects.create(
            run=run,
            kind=kind,
            project=project,
            budget=budget,
            selected=selected,
            reason=text,
            created_at=timezone.now(),
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        audit_trail_write(
            actor=actor,
            action="results.override",
            object_type="process",
            object_id=locked.pk,
            data={
                "pot": pot.pk,
                "run": run.pk,
                "kind": kind,
                "project": project.pk if project else None,
                "budget": str(budget) if budget is not None else None,
                "reason": text,
            },
        )
    return override
