from django.contrib import admin
from django.http import HttpRequest

from budgets.models import Ballot, CastLog, Phase, Pot, Process, Project


class PhaseInline(admin.TabularInline):
    model = Phase
    extra = 0


class PotInline(admin.TabularInline):
    model = Pot
    extra = 0


@admin.register(Process)
class ProcessAdmin(admin.ModelAdmin):
    list_display = ["title", "ballot_type", "rule", "results_published_at"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [PhaseInline, PotInline]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
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
