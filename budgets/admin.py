from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from modeltranslation.admin import TranslationAdmin

from budgets.models import Ballot, CastLog, Pot, Project
from budgets.services.pots import pots_allocate
from budgets.services.results import ResultsError, results_publish
from core.models import Phase, Process


class PhaseInline(admin.TabularInline):
    model = Phase
    extra = 0


class PotInline(admin.TabularInline):
    model = Pot
    extra = 0


@admin.register(Process)
class ProcessAdmin(TranslationAdmin):  # a field per language, no original
    list_display = ["title", "ballot_type", "rule", "results_published_at"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["results_published_at"]
    inlines = [PhaseInline, PotInline]
    actions = ["publish_results", "allocate_pots"]

    @admin.action(description="Count and publish results (after voting closes)")
    def publish_results(self, request: HttpRequest, queryset: QuerySet[Process]) -> None:
        # The service checks the same named permission; refusing here first keeps the
        # admin from half-running an action.
        if not request.user.has_perm("core.publish_results"):
            raise PermissionDenied
        for process in queryset:
            try:
                runs = results_publish(process=process, actor=request.user)
            except ResultsError as exc:
                self.message_user(request, f"{process}: {exc}", messages.ERROR)
            else:
                self.message_user(request, f"{process}: published {len(runs)} pot result(s)")

    @admin.action(description="Allocate neighbourhood pots by the process formula")
    def allocate_pots(self, request: HttpRequest, queryset: QuerySet[Process]) -> None:
        if not request.user.has_perm("budgets.change_pot"):
            raise PermissionDenied
        for process in queryset:
            try:
                pots = pots_allocate(process=process)
            except ValueError as exc:
                self.message_user(request, f"{process}: {exc}", messages.ERROR)
            else:
                self.message_user(request, f"{process}: {len(pots)} neighbourhood pots allocated")


@admin.register(Project)
class ProjectAdmin(TranslationAdmin):  # a field per language, no original
    list_display = ["short_code", "title", "process", "pot", "cost", "implementation_status"]
    list_filter = ["process", "implementation_status"]
    search_fields = ["title"]


@admin.register(Ballot)
class BallotAdmin(admin.ModelAdmin):
    """Staff see that ballots exist (receipt, channel, time), never choices or counts:
    no inline of selections, and nothing here is editable."""

    list_display = ["receipt", "process", "pot", "channel", "cast_at"]
    list_filter = ["process", "channel"]
    fields = ["receipt", "process", "pot", "channel", "cast_at"]
    readonly_fields = ["receipt", "process", "pot", "channel", "cast_at"]

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(CastLog)
class CastLogAdmin(BallotAdmin):
    list_display = ["receipt", "channel", "cast_at"]
    list_filter = ["channel"]
    fields = ["receipt", "channel", "cast_at"]
    readonly_fields = ["receipt", "channel", "cast_at"]
