"""Admin of processes, pots, projects and ballots. Every class is a ``SafeModelAdmin``
(declared lookups only, nothing hidden shown, every change audited). Nothing here shows
a selection, a per-project count or a ballot's choices before or after publication:
counts exist only in published results."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin

from budgets.models import Ballot, CastLog, Pot, Project
from budgets.services.pots import pots_allocate
from budgets.services.process_edits import process_edit_problems
from budgets.services.results import ResultsError, results_publish
from core.models import Phase, Process
from participation.admin_base import SafeModelAdmin
from participation.services.audit_trail import audit_trail_write


class _ProcessPartFormSet(BaseInlineFormSet):
    """Phases or pots of a process: refused or reason-bound once voting opened
    (``budgets.services.process_edits``)."""

    part = ""

    def clean(self) -> None:
        super().clean()
        changed = bool(self.deleted_forms) or any(
            f.has_changed() for f in self.forms if f not in self.deleted_forms
        )
        if not changed:
            return
        problems = process_edit_problems(
            process=self.instance if self.instance.pk else None,
            phases_changed=self.part == "phases",
            pots_changed=self.part == "pots",
            reason=str(self.data.get("change_reason", "")),
        )
        if problems:
            raise forms.ValidationError(problems)


class PhaseFormSet(_ProcessPartFormSet):
    part = "phases"


class PotFormSet(_ProcessPartFormSet):
    part = "pots"


class PhaseInline(admin.TabularInline):
    model = Phase
    formset = PhaseFormSet
    extra = 0


class PotInline(admin.TabularInline):
    model = Pot
    formset = PotFormSet
    extra = 0


class ProcessForm(forms.ModelForm):
    change_reason = forms.CharField(
        label=_("Reason for this change"),
        required=False,
        max_length=500,
        help_text=_("Needed to change the phases once voting has opened; kept in the audit log."),
    )

    class Meta:
        model = Process
        fields = "__all__"  # noqa: DJ007 - the admin chooses the fields (its fieldsets)


@admin.register(Process)
class ProcessAdmin(SafeModelAdmin, TranslationAdmin):  # a field per language, no original
    form = ProcessForm
    list_display = ["title", "ballot_type", "rule", "results_published_at"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["results_published_at"]
    inlines = [PhaseInline, PotInline]
    actions = ["publish_results", "allocate_pots"]

    def audit_reason(self, request: HttpRequest, form: Any) -> str:
        return str(getattr(form, "cleaned_data", {}).get("change_reason", "") or "")

    @admin.action(description=_("Count and publish results (after voting closes)"))
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

    @admin.action(description=_("Allocate neighbourhood pots by the process formula"))
    def allocate_pots(self, request: HttpRequest, queryset: QuerySet[Process]) -> None:
        if not request.user.has_perm("budgets.change_pot"):
            raise PermissionDenied
        for process in queryset:
            problems = process_edit_problems(
                process=process, phases_changed=False, pots_changed=True, reason=""
            )
            if problems:
                self.message_user(request, f"{process}: {problems[0]}", messages.ERROR)
                continue
            try:
                pots = pots_allocate(process=process)
            except ValueError as exc:
                self.message_user(request, f"{process}: {exc}", messages.ERROR)
            else:
                audit_trail_write(
                    actor=request.user,
                    action="pots.allocate",
                    object_type="process",
                    object_id=process.pk,
                    data={"via": "admin"},
                    after={p.name: str(p.amount) for p in pots},
                )
                self.message_user(request, f"{process}: {len(pots)} neighbourhood pots allocated")


@admin.register(Project)
class ProjectAdmin(SafeModelAdmin, TranslationAdmin):  # a field per language, no original
    list_display = ["short_code", "title", "process", "pot", "cost", "implementation_status"]
    list_filter = ["process", "implementation_status"]
    search_fields = ["title"]


@admin.register(Ballot)
class BallotAdmin(SafeModelAdmin):
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
