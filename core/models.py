"""Processes and their phases: the vocabulary every app shares.

A Process lives here, not in ``budgets``, because ideas (participation), ballots
(budgets) and texts (sms) all belong to one; the apps above point at it. The tables
keep the names they had when these models lived in ``budgets`` (``budgets_process``,
``budgets_phase``): the move was a state-only migration, no data was copied.

The phase window is defined here once: a phase is open on ``[starts_at, ends_at)`` by
the server clock, the closing instant itself closed. ``Phase.state_at`` says it in
Python and ``PhaseQuerySet.open_at`` in SQL; every channel asks one of them.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    """How a resident took part. Every figure counts every channel."""

    WEB = "web", _("Web")
    SMS = "sms", _("SMS")
    PAPER = "paper", _("Paper")
    # A partner's client or a kiosk app calling the platform's API on a resident's behalf.
    API = "api", _("API")
    IMPORT = "import", _("Imported")


class BallotType(models.TextChoices):
    APPROVAL = "approval", _("Approval within the budget")
    K_OF_N = "k_of_n", _("Choose up to k projects")
    CUMULATIVE = "cumulative", _("Distribute points")
    RANKED = "ranked", _("Rank projects")


class TallyRule(models.TextChoices):
    GREEDY = "greedy_cost", _("Greedy by votes (city practice)")
    GREEDY_SCORE = "greedy_score", _("Greedy by score (points or ranks)")
    GREEDY_THRESHOLD = "greedy_threshold", _("Greedy with a minimum-votes threshold")
    MES = "mes_cost", _("Method of Equal Shares")
    MES_COMPLETED = "mes_cost_completed", _("Method of Equal Shares with completion")
    MES_ADD1 = "mes_cost_add1_esnet", _("Method of Equal Shares, Add1 (as equalshares.net)")


class PotFormula(models.TextChoices):
    EQUAL = "equal", _("Equal amount per neighbourhood")
    POPULATION = "population", _("Proportional to population")
    NEED = "need", _("Population times need index")


class PhaseKind(models.TextChoices):
    IDEAS = "ideas", _("Ideas")
    REVIEW = "review", _("Review")
    VOTING = "voting", _("Voting")
    RESULTS = "results", _("Results")
    IMPLEMENTATION = "implementation", _("Implementation")


class PhaseState(models.TextChoices):
    UPCOMING = "upcoming", _("Not started")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


def _now(when: datetime | None) -> datetime:
    return when if when is not None else timezone.now()


class PhaseQuerySet(models.QuerySet["Phase"]):
    def open_at(self, when: datetime | None = None) -> PhaseQuerySet:
        """Phases open at ``when`` (now): ``starts_at <= when < ends_at``. The SQL twin
        of ``Phase.state_at``; tested to agree at both edges."""
        now = _now(when)
        return self.filter(starts_at__lte=now, ends_at__gt=now)


def phase_open_sql(alias: str) -> str:
    """``open_at`` as SQL text, for a hand-written statement (``core.sql_rows``) on the
    phase table under ``alias``; its two parameters are ``phase_open_params``. Tested to
    agree with ``open_at``."""
    return f"{alias}.starts_at <= %s AND {alias}.ends_at > %s"


def phase_open_params(connection: BaseDatabaseWrapper, when: datetime | None = None) -> list[Any]:
    now = connection.ops.adapt_datetimefield_value(_now(when))
    return [now, now]


class ProcessQuerySet(models.QuerySet["Process"]):
    def with_phase_at(self, kind: str, when: datetime | None = None) -> ProcessQuerySet:
        """Processes whose ``kind`` phase is open at ``when`` (now)."""
        open_phases = Phase.objects.filter(kind=kind).open_at(when)
        return self.filter(pk__in=open_phases.values("process_id"))


class CommentModeration(models.TextChoices):
    """When a process's comments are shown: at once (moderators review them after, in
    the queue), or only once a moderator approved each one."""

    POST = "post", _("Post-moderated: shown at once, reviewed after")
    PRE = "pre", _("Pre-moderated: shown after review")


class Process(models.Model):
    """A participatory budgeting round: phases, pots, projects on the ballot, the ballot
    rules and the tally rule. Ballot limits live here and are read by one function,
    ``budgets.ballot_limits.ballot_limits``, that every channel uses."""

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    languages = models.JSONField(default=list, help_text=_("Language codes offered, e.g. en, es"))
    ballot_type = models.CharField(
        max_length=20, choices=BallotType.choices, default=BallotType.APPROVAL
    )
    min_projects = models.PositiveSmallIntegerField(default=1)
    max_projects = models.PositiveSmallIntegerField(null=True, blank=True)
    # Approval: the spending cap of one ballot; None means the pot's amount (knapsack).
    max_total_cost = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    min_total_cost = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    max_points_per_project = models.PositiveSmallIntegerField(null=True, blank=True)
    max_total_points = models.PositiveSmallIntegerField(null=True, blank=True)
    rule = models.CharField(max_length=32, choices=TallyRule.choices, default=TallyRule.GREEDY)
    min_votes_threshold = models.PositiveIntegerField(null=True, blank=True)
    # Every rule (greedy, Equal Shares and its completion) leaves a project with fewer
    # supporters than this unfunded, whatever money is left: at least 1, so a project
    # nobody chose is never bought (budgets/rules/min_supporters.py).
    min_supporters = models.PositiveSmallIntegerField(
        default=1,
        help_text=_("A project needs at least this many supporters to be funded (1 or more)."),
    )
    pot_formula = models.CharField(
        max_length=16, choices=PotFormula.choices, default=PotFormula.POPULATION
    )
    # Split across neighbourhood pots by pot_formula; a city-wide pot has its own amount.
    neighbourhood_budget = models.DecimalField(
        max_digits=16, decimal_places=2, default=Decimal("0")
    )
    currency = models.CharField(max_length=3, default="USD")
    results_published_at = models.DateTimeField(null=True, blank=True)
    comment_moderation = models.CharField(
        max_length=4, choices=CommentModeration.choices, default=CommentModeration.POST
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ProcessQuerySet.as_manager()

    class Meta:
        db_table = "budgets_process"
        verbose_name_plural = "processes"
        ordering = ["-created_at"]
        permissions = [
            ("publish_results", "Can close voting, count, review, publish and override results"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(max_projects__isnull=True)
                | Q(max_projects__gte=models.F("min_projects")),
                name="process_max_projects_gte_min",
            ),
            models.CheckConstraint(
                condition=Q(min_supporters__gte=1), name="process_min_supporters_at_least_one"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Phase(models.Model):
    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="phases")
    kind = models.CharField(max_length=20, choices=PhaseKind.choices)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()

    objects = PhaseQuerySet.as_manager()

    class Meta:
        db_table = "budgets_phase"
        ordering = ["starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["process", "kind"], name="phase_one_per_kind"),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="phase_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.process} — {self.kind}"

    def state_at(self, when: datetime | None = None) -> PhaseState:
        """Upcoming before ``starts_at``, open on ``[starts_at, ends_at)``, closed from
        ``ends_at`` on (the closing instant is closed)."""
        now = _now(when)
        if now < self.starts_at:
            return PhaseState.UPCOMING
        if now >= self.ends_at:
            return PhaseState.CLOSED
        return PhaseState.OPEN

    def is_open(self, when: datetime | None = None) -> bool:
        return self.state_at(when) == PhaseState.OPEN
