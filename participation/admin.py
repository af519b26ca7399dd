"""Admin of residents, ideas, comments, moderation, the audit log and pilots, and of
neighbourhoods (``maps`` stands beside ``core`` on the ground floor and cannot import
the safe base class, so its admin is declared here, one floor up)."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from modeltranslation.admin import TranslationAdmin

from maps.models import Neighbourhood
from participation.access import proposals_for_staff
from participation.admin_base import SafeModelAdmin
from participation.models import (
    AuditLog,
    Comment,
    Flag,
    ModerationDecision,
    ModerationNote,
    ModeratorScope,
    Pilot,
    PilotReport,
    Proposal,
    Resident,
)


@admin.register(Resident)
class ResidentAdmin(SafeModelAdmin):
    # Hashes and the phone number stay out of the list; only what staff need.
    list_display = ["id", "neighbourhood", "language", "first_channel", "created_at"]
    list_filter = ["first_channel", "language", "neighbourhood"]
    # Hashes and the phone number are never shown (SafeModelAdmin.never_shown adds the
    # rest): a moderator has no need to tell residents apart by number.
    never_shown = ("demographics", "demographics_consent_at")


@admin.register(Proposal)
class ProposalAdmin(SafeModelAdmin, TranslationAdmin):  # a field per language, no original
    list_display = ["title", "process", "neighbourhood", "status", "channel", "created_at"]
    list_filter = ["status", "process", "channel"]
    search_fields = ["title", "body"]
    # Moderation state is written by proposal_moderate only (the staff queue): the
    # admin shows it and never changes it.
    readonly_fields = ["status", "merged_into", "queued_at", "queue_reason"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Proposal]:
        # The same fetch-and-authorise as every other entry point.
        return proposals_for_staff(request.user)


@admin.register(Comment)
class CommentAdmin(SafeModelAdmin):
    list_display = ["id", "proposal", "status", "created_at"]
    list_filter = ["status"]
    readonly_fields = ["status", "queued_at", "queue_reason"]


class _ReadOnlyAdmin(SafeModelAdmin):
    """Rows written by the moderation services only: listed here, never edited."""

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(ModerationDecision)
class ModerationDecisionAdmin(_ReadOnlyAdmin):
    list_display = ["action", "proposal", "comment", "resident", "moderator", "created_at"]
    list_filter = ["action"]


@admin.register(Flag)
class FlagAdmin(_ReadOnlyAdmin):
    list_display = ["id", "proposal", "comment", "channel", "created_at", "resolved_at"]
    list_filter = ["channel"]
    exclude = ["resident"]


@admin.register(ModerationNote)
class ModerationNoteAdmin(_ReadOnlyAdmin):
    list_display = ["id", "proposal", "comment", "resident", "author", "created_at"]


@admin.register(ModeratorScope)
class ModeratorScopeAdmin(SafeModelAdmin):
    # Which neighbourhoods a moderator is limited to (no row: the whole city).
    list_display = ["user", "neighbourhood"]
    list_filter = ["neighbourhood"]


@admin.register(AuditLog)
class AuditLogAdmin(SafeModelAdmin):
    list_display = ["created_at", "actor", "action", "object_type", "object_id"]
    list_filter = ["action", "object_type"]

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Pilot)
class PilotAdmin(SafeModelAdmin):
    list_display = ["name", "process", "neighbourhood", "active"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(PilotReport)
class PilotReportAdmin(SafeModelAdmin):
    list_display = ["pilot", "period_start", "period_end", "participants"]


@admin.register(Neighbourhood)
class NeighbourhoodAdmin(SafeModelAdmin):
    list_display = ["name", "population", "need_index"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
