from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.append_only import AppendOnlyModel
from core.models import Channel, Process


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
    # The reviewer's note on feasibility when the idea was costed (staff only).
    feasibility_note = models.TextField(blank=True)
    # The id in an imported Pabulib file, kept verbatim so exports round-trip.
    external_id = models.CharField(max_length=100, blank=True)
    withdrawn = models.BooleanField(default=False)
    implementation_status = models.CharField(
        max_length=20,
        choices=ImplementationStatus.choices,
        default=ImplementationStatus.NOT_STARTED,
    )
    implementation_note = models.TextField(blank=True)
    implementation_percent = models.PositiveSmallIntegerField(default=0)
    implementation_updated_at = models.DateTimeField(null=True, blank=True)
    # The pilot that delivers this project once funded: the ballot decides which pilots
    # run. Kept here, not on Pilot, because participation stands below budgets.
    pilot = models.OneToOneField(
        "participation.Pilot",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="project",
    )

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
            models.CheckConstraint(
                condition=Q(implementation_percent__lte=100), name="project_percent_at_most_100"
            ),
        ]
        permissions = [
            ("update_delivery", "Can post delivery updates of funded projects"),
        ]

    def __str__(self) -> str:
        return f"{self.short_code}. {self.title}"


class BallotQuerySet(models.QuerySet["Ballot"]):
    def counted(self) -> BallotQuerySet:
        """Ballots that count: every tally, export and turnout figure reads these.
        Not voided, and not cast from a test number (``Ballot.test``)."""
        return self.filter(voided_at__isnull=True, test=False)


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
    # Set when a supervisor voided a paper entry. A voided ballot has no selections and
    # counts nowhere (``BallotQuerySet.counted``); its row stays so the receipts that
    # pointed at it keep their history, and the re-entry reuses it.
    voided_at = models.DateTimeField(null=True, blank=True)
    # Cast from a reserved test number (SMS_TEST_NUMBER_PREFIX, e.g. the simulator on
    # the real gateway): kept so the path can be tried end to end, never counted.
    test = models.BooleanField(default=False)

    objects = BallotQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["pot", "voter"], name="ballot_one_per_voter_per_pot"),
        ]
        indexes = [models.Index(fields=["process", "pot"])]
        permissions = [
            ("enter_paper_ballots", "Can enter paper ballots (poll worker)"),
            ("void_paper_ballots", "Can void a paper ballot entry (supervisor)"),
        ]

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


class BallotVoid(AppendOnlyModel):
    """Append-only: a receipt whose paper entry a supervisor voided. Receipt checks read
    it ("voided on ..."); it holds neither the choices, who voted, nor the reason staff
    gave (that is in the audit log)."""

    ballot = models.ForeignKey(Ballot, on_delete=models.PROTECT, related_name="voids")
    receipt = models.CharField(max_length=16, unique=True)
    voided_at = models.DateTimeField()

    class Meta:
        ordering = ["voided_at"]


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


class OverrideKind(models.TextChoices):
    ADD = "add", _("Fund a project the count did not fund")
    REMOVE = "remove", _("Do not fund a project the count funded")
    BUDGET = "budget", _("Raise the budget and count again")


class OutcomeOverride(AppendOnlyModel):
    """Staff adjusted one counted outcome (``run``), with a written reason that is shown
    publicly beside the computed outcome. Applied in the order made, on top of the
    run's ``selected``: ``budget`` replaces the funded list with the recount under the
    raised budget (frozen here in ``selected``), ``add``/``remove`` add or drop one
    project. Counting again makes a new run, so old overrides stop applying."""

    run = models.ForeignKey(TallyRun, on_delete=models.PROTECT, related_name="overrides")
    kind = models.CharField(max_length=10, choices=OverrideKind.choices)
    project = models.ForeignKey(
        "Project", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    budget = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    selected = models.JSONField(default=list, blank=True)
    reason = models.TextField()
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="override_has_reason"),
            models.CheckConstraint(
                condition=Q(kind="budget", budget__isnull=False, project__isnull=True)
                | Q(kind__in=["add", "remove"], project__isnull=False, budget__isnull=True),
                name="override_kind_fields",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} on run {self.run_id}"


# --- delivery of funded projects -------------------------------------------------------


class ProjectMilestone(models.Model):
    """A dated step of a funded project's delivery: planned, and done when it is."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(max_length=200)
    planned_on = models.DateField()
    done_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["project", "planned_on", "pk"]

    def __str__(self) -> str:
        return f"{self.project_id}: {self.title}"


class ProjectUpdate(AppendOnlyModel):
    """One published delivery update (what followers are told): the status and progress
    it set, the note per language, an optional photo. Append-only: the history of a
    project's delivery. The photo is kept in the database (small, checked), so app
    servers stay stateless."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="updates")
    created_at = models.DateTimeField(db_index=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT
    )
    status = models.CharField(max_length=20, choices=ImplementationStatus.choices)
    percent = models.PositiveSmallIntegerField()
    # {"en": "...", "es": "..."}: the note as staff wrote it, per language.
    notes = models.JSONField(default=dict, blank=True)
    photo = models.BinaryField(null=True, blank=True, editable=False)
    photo_type = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(percent__lte=100), name="update_percent_at_most_100"
            ),
        ]

    def __str__(self) -> str:
        return f"Update of {self.project_id} @ {self.created_at:%Y-%m-%d}"


class ProjectFollow(models.Model):
    """A resident asked to hear about a project's delivery, on one channel (the web
    button: notices on the web; ``FOLLOW n`` by SMS: texts). Only those who asked:
    never "people who voted for it", which the secret ballot does not know."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="follows")
    resident = models.ForeignKey(
        "participation.Resident", on_delete=models.CASCADE, related_name="project_follows"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    # Web notices: updates after this moment are "new" on the resident's updates page.
    seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["project", "resident", "channel"], name="follow_once_per_channel"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resident_id} follows {self.project_id} ({self.channel})"


class PabulibSource(models.Model):
    """The META of the Pabulib file a process was imported from, kept verbatim so an
    export of it says the same country, unit, instance and dates as the original."""

    process = models.OneToOneField(Process, on_delete=models.CASCADE, related_name="pabulib_source")
    meta = models.JSONField(default=dict)

    def __str__(self) -> str:
        return f"Pabulib source of {self.process_id}"
