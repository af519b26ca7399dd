from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from justcity.append_only import AppendOnlyModel


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


class ProcessQuerySet(models.QuerySet["Process"]):
    def with_phase_at(self, kind: str, when: object | None = None) -> ProcessQuerySet:
        now = when or timezone.now()
        return self.filter(
            phases__kind=kind, phases__starts_at__lte=now, phases__ends_at__gt=now
        ).distinct()


class Process(models.Model):
    """A participatory budgeting round: phases, pots, projects on the ballot, the ballot
    rules and the tally rule. Ballot limits live here and are enforced once, in
    budgets.services.ballot_cast."""

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
    pot_formula = models.CharField(
        max_length=16, choices=PotFormula.choices, default=PotFormula.POPULATION
    )
    # Split across neighbourhood pots by pot_formula; a city-wide pot has its own amount.
    neighbourhood_budget = models.DecimalField(
        max_digits=16, decimal_places=2, default=Decimal("0")
    )
    currency = models.CharField(max_length=3, default="USD")
    results_published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ProcessQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "processes"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(max_projects__isnull=True)
                | Q(max_projects__gte=models.F("min_projects")),
                name="process_max_projects_gte_min",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class PhaseKind(models.TextChoices):
    IDEAS = "ideas", _("Ideas")
    REVIEW = "review", _("Review")
    VOTING = "voting", _("Voting")
    RESULTS = "results", _("Results")
    IMPLEMENTATION = "implementation", _("Implementation")


class Phase(models.Model):
    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="phases")
    kind = models.CharField(max_length=20, choices=PhaseKind.choices)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["process", "kind"], name="phase_one_per_kind"),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="phase_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.process} — {self.kind}"

    def is_open(self, when: object | None = None) -> bool:
        now = when or timezone.now()
        return bool(self.starts_at <= now < self.ends_at)  # type: ignore[operator]


class Pot(models.Model):
    """Money to spend: city-wide (no neighbourhood) or for one neighbourhood."""

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="pots")
    neighbourhood = models.ForeignKey(
        "maps.Neighbourhood", null=True, blank=True, on_delete=models.PROTECT, related_name="pots"
    )
    name = models.CharField(max_length=200)
    amount = models.DecimalField(max_digits=16, decimal_places=2)

    class Meta:
        ordering = ["process", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["process", "neighbourhood"],
                condition=Q(neighbourhood__isnull=False),
                name="pot_one_per_neighbourhood",
            ),
            models.UniqueConstraint(
                fields=["process"], condition=Q(neighbourhood__isnull=True), name="pot_one_citywide"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="pot_amount_nonnegative"),
        ]

    def __str__(self) -> str:
        return self.name


class ImplementationStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    PLANNING = "planning", _("Planning")
    IN_PROGRESS = "in_progress", _("In progress")
    DELIVERED = "delivered", _("Delivered")
    CANCELLED = "cancelled", _("Cancelled")


class ProjectQuerySet(models.QuerySet["Project"]):
    def on_ballot(self, process: Process) -> ProjectQuerySet:
        return self.filter(process=process, withdrawn=False).order_by("short_code")


class Project(models.Model):
    """A costed project on the ballot. ``short_code`` is what SMS voters type."""

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="projects")
    pot = models.ForeignKey(Pot, on_delete=models.PROTECT, related_name="projects")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    cost = models.DecimalField(max_digits=16, decimal_places=2)
    short_code = models.PositiveIntegerField()
    source_proposal = models.ForeignKey(
        "participation.Proposal",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="projects",
    )
    neighbourhood = models.ForeignKey(
        "maps.Neighbourhood", null=True, blank=True, on_delete=models.SET_NULL
    )
    lat = models.FloatField(null=True, blank=True)
    lng = models.FloatField(null=True, blank=True)
    # The id in an imported Pabulib file, kept verbatim so exports round-trip.
    external_id = models.CharField(max_length=100, blank=True)
    withdrawn = models.BooleanField(default=False)
    implementation_status = models.CharField(
        max_length=20,
        choices=ImplementationStatus.choices,
        default=ImplementationStatus.NOT_STARTED,
    )
    implementation_note = models.TextField(blank=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["process", "short_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["process", "short_code"], name="project_short_code_unique"
            ),
            models.UniqueConstraint(
                fields=["process", "external_id"],
                condition=~Q(external_id=""),
                name="project_external_id_unique",
            ),
            models.CheckConstraint(condition=Q(cost__gt=0), name="project_cost_positive"),
            models.CheckConstraint(
                condition=Q(lat__isnull=True) | Q(lat__gte=-90, lat__lte=90),
                name="project_lat_range",
            ),
            models.CheckConstraint(
                condition=Q(lng__isnull=True) | Q(lng__gte=-180, lng__lte=180),
                name="project_lng_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.short_code}. {self.title}"


class Channel(models.TextChoices):
    WEB = "web", _("Web")
    SMS = "sms", _("SMS")
    PAPER = "paper", _("Paper")
    IMPORT = "import", _("Imported")


class Ballot(models.Model):
    """The one counted ballot of one voter in one pot.

    ``voter`` is a keyed pseudonym (HMAC with BALLOT_KEY), never a foreign key to the
    resident: nothing joins identity to choices. Re-voting replaces the selections of
    this row in place (under a row lock in ballot_cast); the unique constraint makes a
    second counted ballot impossible even if the application lock were bypassed.
    """

    process = models.ForeignKey(Process, on_delete=models.PROTECT, related_name="ballots")
    pot = models.ForeignKey(Pot, on_delete=models.PROTECT, related_name="ballots")
    voter = models.CharField(max_length=64)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    receipt = models.CharField(max_length=16, unique=True)
    cast_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["pot", "voter"], name="ballot_one_per_voter_per_pot"),
        ]
        indexes = [models.Index(fields=["process", "pot"])]

    def __str__(self) -> str:
        return f"Ballot {self.receipt}"


class Selection(models.Model):
    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="selections")
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="selections")
    points = models.PositiveIntegerField(default=1)
    rank = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ballot", "project"], name="selection_project_once"),
            models.UniqueConstraint(
                fields=["ballot", "rank"],
                condition=Q(rank__isnull=False),
                name="selection_rank_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} ({self.points})"


class CastLog(AppendOnlyModel):
    """Append-only record of every cast and re-cast: when, how, which receipt — never
    the choices. A receipt is "counted" while it is its ballot's current receipt."""

    ballot = models.ForeignKey(Ballot, on_delete=models.PROTECT, related_name="casts")
    receipt = models.CharField(max_length=16, unique=True)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    cast_at = models.DateTimeField()

    class Meta:
        ordering = ["cast_at"]


class TallyRun(models.Model):
    """One computed result of one pot, frozen when results are published: the rule, the
    funded projects and every project's explanation (JSON from the rules engine), so a
    published result can be audited and re-counted later even if the code changes."""

    pot = models.ForeignKey(Pot, on_delete=models.PROTECT, related_name="tally_runs")
    rule = models.CharField(max_length=32)
    computed_at = models.DateTimeField()
    ballots_counted = models.PositiveIntegerField()
    budget = models.DecimalField(max_digits=16, decimal_places=2)
    spent = models.DecimalField(max_digits=16, decimal_places=2)
    selected = models.JSONField(default=list, help_text=_("Project ids, in funding order"))
    outcome = models.JSONField(default=dict)

    class Meta:
        ordering = ["-computed_at"]
        get_latest_by = "computed_at"

    def __str__(self) -> str:
        return f"{self.pot} — {self.rule} @ {self.computed_at:%Y-%m-%d %H:%M}"
