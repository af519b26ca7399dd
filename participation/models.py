from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.append_only import AppendOnlyModel
from core.models import Channel


class Resident(models.Model):
    """A person taking part. Identified by a keyed HMAC of their E.164 phone number
    (participation/identity.py) or of a printed voter code; never by a password.
    Web and SMS from the same verified phone are the same resident."""

    phone_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    # Readable only because replies and notices must be sent to it; masked in logs.
    phone_e164 = models.CharField(max_length=20, blank=True)
    voter_code_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    # The process a printed voter code was issued for: paper entry and its import accept
    # the code only there, so a letter from one vote cannot be entered in another.
    voter_code_process = models.ForeignKey(
        "core.Process",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="voter_code_residents",
    )
    # Keyed hash of an identity a poll worker checked (name + address, or an ID number)
    # for a resident who came without letter or phone; the identity itself is not kept.
    checked_identity_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    neighbourhood = models.ForeignKey(
        "maps.Neighbourhood", null=True, blank=True, on_delete=models.SET_NULL
    )
    language = models.CharField(max_length=8, default="en")
    # Opt-in self-report; {} unless consent was given. Never joined to ballots.
    demographics = models.JSONField(default=dict, blank=True)
    demographics_consent_at = models.DateTimeField(null=True, blank=True)
    first_channel = models.CharField(max_length=10, choices=Channel.choices)
    sms_opted_out_at = models.DateTimeField(null=True, blank=True)
    # Set by a moderator's "block" (participation.services.moderation): the resident's
    # ideas and comments are hidden and new ones refused; their ballots are untouched.
    blocked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(phone_hash__isnull=False)
                | Q(voter_code_hash__isnull=False)
                | Q(checked_identity_hash__isnull=False),
                name="resident_has_identity",
            ),
            models.CheckConstraint(
                condition=Q(demographics={}) | Q(demographics_consent_at__isnull=False),
                name="resident_demographics_need_consent",
            ),
        ]
        permissions = [
            ("issue_voter_codes", "Can issue printed voter codes"),
        ]

    def __str__(self) -> str:
        return f"Resident #{self.pk}"


class ProposalStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Awaiting review")
    CHANGES_REQUESTED = "changes", _("Changes requested")
    APPROVED = "approved", _("Published")
    REJECTED = "rejected", _("Rejected")
    MERGED = "merged", _("Merged")
    HIDDEN = "hidden", _("Hidden")


class QueueReason(models.TextChoices):
    """Why an item is in the moderation queue."""

    NEW = "new", _("New")
    REVISED = "revised", _("Revised by its author")
    FLAGGED = "flagged", _("Flagged by residents")


class Proposal(models.Model):
    process = models.ForeignKey("core.Process", on_delete=models.CASCADE, related_name="proposals")
    author = models.ForeignKey(
        Resident, null=True, blank=True, on_delete=models.SET_NULL, related_name="proposals"
    )
    title = models.CharField(max_length=200)
    body = models.TextField()
    lat = models.FloatField(null=True, blank=True)
    lng = models.FloatField(null=True, blank=True)
    address = models.CharField(max_length=300, blank=True)
    neighbourhood = models.ForeignKey(
        "maps.Neighbourhood", null=True, blank=True, on_delete=models.SET_NULL
    )
    status = models.CharField(
        max_length=16, choices=ProposalStatus.choices, default=ProposalStatus.SUBMITTED
    )
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.WEB)
    language = models.CharField(max_length=8, default="en")
    # In the moderation queue since (None: not in it) and why. Set when the idea is
    # sent, revised or flagged past the threshold; cleared by a moderator's decision.
    queued_at = models.DateTimeField(null=True, blank=True, db_index=True)
    queue_reason = models.CharField(max_length=8, choices=QueueReason.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(lat__isnull=True) | Q(lat__gte=-90, lat__lte=90),
                name="proposal_lat_range",
            ),
            models.CheckConstraint(
                condition=Q(lng__isnull=True) | Q(lng__gte=-180, lng__lte=180),
                name="proposal_lng_range",
            ),
            models.CheckConstraint(
                condition=Q(lat__isnull=True, lng__isnull=True)
                | Q(lat__isnull=False, lng__isnull=False),
                name="proposal_point_complete",
            ),
            models.CheckConstraint(
                condition=~Q(status="merged") | Q(merged_into__isnull=False),
                name="proposal_merged_has_target",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class CommentStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting review")
    VISIBLE = "visible", _("Visible")
    HIDDEN = "hidden", _("Hidden")


class Comment(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        Resident, null=True, blank=True, on_delete=models.SET_NULL, related_name="comments"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    body = models.TextField()
    status = models.CharField(
        max_length=10, choices=CommentStatus.choices, default=CommentStatus.VISIBLE
    )
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.WEB)
    queued_at = models.DateTimeField(null=True, blank=True, db_index=True)
    queue_reason = models.CharField(max_length=8, choices=QueueReason.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"Comment #{self.pk} on {self.proposal_id}"


class Support(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="supports")
    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="supports")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["proposal", "resident"], name="support_once"),
        ]

    def __str__(self) -> str:
        return f"Support {self.resident_id} → {self.proposal_id}"


class ModerationAction(models.TextChoices):
    APPROVE = "approve", _("Approve")
    REJECT = "reject", _("Reject")
    REQUEST_CHANGES = "changes", _("Request changes")
    MERGE = "merge", _("Merge")
    HIDE = "hide", _("Hide")
    RESTORE = "restore", _("Restore")
    BLOCK = "block", _("Block the author")
    UNBLOCK = "unblock", _("Unblock")


class ModerationDecision(models.Model):
    """One moderator decision on a proposal, a comment or a resident (exactly one).
    Written only by ``participation.services.moderation.proposal_moderate``."""

    proposal = models.ForeignKey(
        Proposal, null=True, blank=True, on_delete=models.CASCADE, related_name="decisions"
    )
    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="decisions"
    )
    resident = models.ForeignKey(
        Resident, null=True, blank=True, on_delete=models.CASCADE, related_name="decisions"
    )
    # A merge: the idea the proposal was merged into.
    merged_into = models.ForeignKey(
        Proposal, null=True, blank=True, on_delete=models.SET_NULL, related_name="merges_in"
    )
    # None: the command line (``manage.py``), trusted and audited as such.
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT
    )
    action = models.CharField(max_length=10, choices=ModerationAction.choices)
    reason = models.TextField(blank=True)
    note = models.TextField(blank=True, help_text=_("Internal, staff only"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        permissions = [
            ("moderate_proposals", "Can moderate ideas, comments and residents' posts"),
            ("review_proposals", "Can cost approved ideas into ballot projects"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(proposal__isnull=False, comment__isnull=True, resident__isnull=True)
                | Q(proposal__isnull=True, comment__isnull=False, resident__isnull=True)
                | Q(proposal__isnull=True, comment__isnull=True, resident__isnull=False),
                name="moderation_one_target",
            ),
            models.CheckConstraint(
                condition=~Q(action="reject") | ~Q(reason=""),
                name="moderation_reject_needs_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action} by {self.moderator_id}"


class Flag(models.Model):
    """A resident reports an idea or a comment (exactly one) to the moderators. Open
    until a moderator decides on the item; ``MODERATION_FLAG_THRESHOLD`` open flags put
    the item back in the queue."""

    proposal = models.ForeignKey(
        Proposal, null=True, blank=True, on_delete=models.CASCADE, related_name="flags"
    )
    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="flags"
    )
    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="flags")
    reason = models.CharField(max_length=500, blank=True)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.WEB)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(proposal__isnull=False, comment__isnull=True)
                | Q(proposal__isnull=True, comment__isnull=False),
                name="flag_one_target",
            ),
            # One open flag per resident and item: flagging twice counts once.
            models.UniqueConstraint(
                fields=["resident", "proposal"],
                condition=Q(resolved_at__isnull=True, proposal__isnull=False),
                name="flag_open_once_per_proposal",
            ),
            models.UniqueConstraint(
                fields=["resident", "comment"],
                condition=Q(resolved_at__isnull=True, comment__isnull=False),
                name="flag_open_once_per_comment",
            ),
        ]

    def __str__(self) -> str:
        return f"Flag {self.pk}"


class ModerationNote(AppendOnlyModel):
    """An internal note by staff on an idea, a comment or a resident (exactly one);
    never shown to residents. Append-only: a correction is a new note."""

    proposal = models.ForeignKey(
        Proposal, null=True, blank=True, on_delete=models.CASCADE, related_name="notes"
    )
    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="notes"
    )
    resident = models.ForeignKey(
        Resident, null=True, blank=True, on_delete=models.CASCADE, related_name="notes"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT
    )
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(proposal__isnull=False, comment__isnull=True, resident__isnull=True)
                | Q(proposal__isnull=True, comment__isnull=False, resident__isnull=True)
                | Q(proposal__isnull=True, comment__isnull=True, resident__isnull=False),
                name="moderation_note_one_target",
            ),
        ]

    def __str__(self) -> str:
        return f"Note {self.pk}"


class ModeratorScope(models.Model):
    """A moderator limited to some neighbourhoods: one row per neighbourhood. A
    moderator without rows is unscoped (sees the whole city). The rule that reads it
    is ``participation.access``."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="moderation_scopes"
    )
    neighbourhood = models.ForeignKey("maps.Neighbourhood", on_delete=models.CASCADE)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "neighbourhood"], name="moderator_scope_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.neighbourhood_id}"


class NoticeKind(models.TextChoices):
    APPROVED = "approved", _("Idea published")
    REJECTED = "rejected", _("Idea rejected")
    CHANGES = "changes", _("Changes requested")
    MERGED = "merged", _("Idea merged")
    MERGED_IN = "merged_in", _("Another idea merged into yours")
    ON_BALLOT = "on_ballot", _("Idea on the ballot")


class ResidentNotice(models.Model):
    """What happened to a resident's idea, for a resident who uses the web (an SMS
    resident gets a text instead): shown on their updates page, in the language they
    read it in. ``reason`` is the moderator's public reason; ``data`` the numbers the
    sentence needs (the idea merged into, the ballot number)."""

    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="notices")
    proposal = models.ForeignKey(
        Proposal, null=True, blank=True, on_delete=models.SET_NULL, related_name="notices"
    )
    kind = models.CharField(max_length=10, choices=NoticeKind.choices)
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.kind} for {self.resident_id}"


class AuditLog(AppendOnlyModel):
    """Who did what to which object, when, what it was before and after, and why: for
    staff actions. Append-only. Written only by
    ``participation.services.audit_trail.audit_trail_write``."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT
    )
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    data = models.JSONField(default=dict, blank=True)
    # The changed values (field -> value) before and after the act, and the reason staff
    # gave; empty where the act has none.
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            models.Index(fields=["action", "created_at"], name="auditlog_action_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.object_type}:{self.object_id}"


class Pilot(models.Model):
    """A smart-city pilot whose team reports participation through the API.

    The ballot decides which pilots run: the funded project a pilot delivers points at it
    (``budgets.Project.pilot``, one floor up), so this model knows nothing of budgets."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    process = models.ForeignKey(
        "core.Process", null=True, blank=True, on_delete=models.SET_NULL, related_name="pilots"
    )
    neighbourhood = models.ForeignKey(
        "maps.Neighbourhood", null=True, blank=True, on_delete=models.SET_NULL
    )
    # Keyed hash of the team's API token; the token itself is shown once, when issued
    # (``manage.py pilot_token`` or the staff page), and a new one replaces it.
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    token_issued_at = models.DateTimeField(null=True, blank=True)
    # The staff accounts of the pilot's team (role "pilot reporter"): they see and manage
    # this pilot only (participation.access.pilots_for_reporter).
    reporters = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="reported_pilots"
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        permissions = [
            ("report_pilot", "Can see a pilot's reports and rotate its API token"),
        ]

    def __str__(self) -> str:
        return self.name


class PilotChannel(models.TextChoices):
    """How a pilot reached the people it counts; wider than ``core.Channel`` because a
    pilot meets people in person and elsewhere."""

    WEB = "web", _("Web")
    SMS = "sms", _("SMS")
    PAPER = "paper", _("Paper")
    IN_PERSON = "in_person", _("In person")
    OTHER = "other", _("Other")


class PilotReport(models.Model):
    """One pilot's participation for one period, neighbourhood (or the whole pilot) and
    channel. Written only by ``participation.services.pilots.pilot_report_submit``:
    a second report for the same key replaces this row (idempotent when unchanged)."""

    pilot = models.ForeignKey(Pilot, on_delete=models.CASCADE, related_name="reports")
    period_start = models.DateField()
    period_end = models.DateField()
    neighbourhood = models.ForeignKey(
        "maps.Neighbourhood",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="pilot_reports",
    )
    channel = models.CharField(
        max_length=16, choices=PilotChannel.choices, default=PilotChannel.OTHER
    )
    participants = models.PositiveIntegerField()
    # Counts by the city's group keys, e.g. {"women": 40, "age_65_plus": 12}.
    participants_by_group = models.JSONField(default=dict, blank=True)
    # Free metrics: {"sessions": {"value": 9, "unit": "sessions"}}.
    metrics = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-period_end", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="pilot_report_period_ordered",
            ),
            # One report per (pilot, period, neighbourhood, channel); two partial
            # constraints because NULL neighbourhoods are never equal in a plain one.
            models.UniqueConstraint(
                fields=["pilot", "period_start", "period_end", "neighbourhood", "channel"],
                condition=Q(neighbourhood__isnull=False),
                name="pilot_report_one_per_key",
            ),
            models.UniqueConstraint(
                fields=["pilot", "period_start", "period_end", "channel"],
                condition=Q(neighbourhood__isnull=True),
                name="pilot_report_one_per_key_citywide",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pilot_id}: {self.period_start} to {self.period_end} ({self.channel})"


class ParticipationKind(models.TextChoices):
    """What a resident did. The funnel's steps group them: reached; engaged (text, idea,
    comment, support); verified; voted."""

    REACHED = "reached", _("Reached by outreach")
    TEXT = "text", _("Texted")
    IDEA = "idea", _("Proposed an idea")
    COMMENT = "comment", _("Commented")
    SUPPORT = "support", _("Supported an idea")
    VERIFIED = "verified", _("Verified their identity")
    VOTE = "vote", _("Cast a ballot")


class ParticipationFact(models.Model):
    """That a resident took part in a process on a day, by a kind of act and a channel.

    Kept apart from ballots so turnout counts residents (not pots) and the equity
    figures cover every channel, and built so it cannot be joined to a ballot row:
    a random UUID key (no id or sequence shared with ballots), the day but never the
    time, and one row per (process, resident, kind, day) whatever the number of acts.
    Row order on disk follows first writes; ``manage.py participation_shuffle``
    rewrites the table in key order (random) so it does not line up with ballots.
    Written only by ``participation.services.participation_record``."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # No index of its own: every index below starts with the process.
    process = models.ForeignKey(
        "core.Process", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=ParticipationKind.choices)
    # The channel of that day's latest act of this kind: a resident who voted on the
    # web and then on paper the same day is a paper voter, as the counted ballot is.
    channel = models.CharField(max_length=10, choices=Channel.choices)
    day = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["process", "kind", "resident", "day"], name="participation_fact_once"
            ),
        ]
        indexes = [
            # The equity figures read every column they need from these two, in the
            # order they group by (index-only on PostgreSQL): no sort, no hash of the
            # whole record, no visit to the heap, whose order the nightly shuffle
            # makes random. By resident: the funnel (each one's furthest step).
            models.Index(
                fields=["process", "resident", "kind", "day", "channel"],
                name="participation_fact_resident",
            ),
            # The unique key plus the channel: the voters, each one's latest voting day.
            models.Index(
                fields=["process", "kind", "resident", "day", "channel"],
                name="participation_fact_voters",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} via {self.channel} on {self.day}"
