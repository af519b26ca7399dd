"""The one base class of every ModelAdmin in the project (``SafeModelAdmin``).

What it guarantees, for every model registered in the admin (a test loops over the
registry and checks each):

- **Only declared lookups.** Django's default ``lookup_allowed`` accepts any lookup on a
  local field and across one relation (``?selections=<id>``, ``?phone_e164=``,
  ``?phone_hash__startswith=``). Here a query-string lookup is allowed only on a field
  named in ``list_filter`` or ``search_fields``, with the few lookup suffixes Django's
  own filters use; anything else is a 400 (``DisallowedModelAdminLookup``).
- **Bad input is a 400.** A NUL byte in a filter, search or object id never reaches the
  database (PostgreSQL refuses NUL in text: that was a 500).
- **Hidden fields stay hidden.** ``never_shown`` fields (hashes, phone numbers, code
  and message bodies) are excluded from every form and list, whatever a subclass says.
- **Every change is audited** (``audit_trail_write``): additions, changes (the changed
  fields, before and after, secrets left out) and deletions, by the signed-in staff.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import QuerySet
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest

from participation.services.audit_trail import audit_trail_write

# Lookup suffixes the admin's own list filters send (field, choice, boolean, related,
# date and all-values filters). Nothing that reaches across a relation.
FILTER_SUFFIXES = ("", "__exact", "__isnull", "__in", "__gte", "__gt", "__lte", "__lt")
RELATION_SUFFIXES = ("__id__exact", "__pk__exact", "__id__in")

# Never shown or recorded in any admin, on any model that has them.
NEVER_SHOWN = frozenset(
    {
        "phone_hash",
        "phone_e164",
        "voter_code_hash",
        "checked_identity_hash",
        "from_hash",
        "to_hash",
        "to_e164",
        "code_hash",
        "ip_hash",
        "token_hash",
        "voter",
        "key",
    }
)
# Changed values of these are audited as "changed", never as their values.
AUDIT_REDACTED = frozenset(
    {"password", "password1", "password2", "key", "body", "reply", "pending_text"}
)


def _declared_fields(specs: Iterable[Any]) -> set[str]:
    names: set[str] = set()
    for spec in specs:
        if isinstance(spec, str):
            names.add(spec.lstrip("^=@"))
        elif isinstance(spec, list | tuple) and spec and isinstance(spec[0], str):
            names.add(spec[0])
        # A SimpleListFilter class reads its own parameter, never lookup_allowed.
    return names


def _has_nul(request: HttpRequest, *values: object) -> bool:
    for key, items in request.GET.lists():
        if "\x00" in key or any("\x00" in item for item in items):
            return True
    return any(isinstance(value, str) and "\x00" in value for value in values)


def _audit_value(name: str, value: Any) -> Any:
    if name in AUDIT_REDACTED:
        return "(changed)"
    if isinstance(value, QuerySet) or (
        isinstance(value, list | tuple | set) and not isinstance(value, str)
    ):
        return sorted(str(item) for item in value)
    if isinstance(value, models.Model):
        return f"{value._meta.label}:{value.pk}"
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _model_values(obj: models.Model) -> dict[str, Any]:
    hidden = NEVER_SHOWN | AUDIT_REDACTED
    return {
        f.attname: getattr(obj, f.attname)
        for f in obj._meta.concrete_fields
        if f.name not in hidden and not f.primary_key
    }


class SafeModelAdmin(admin.ModelAdmin):
    """Subclass this (first, before any other admin mix-in) for every ModelAdmin."""

    # Extra fields a subclass hides beyond ``NEVER_SHOWN``.
    never_shown: Sequence[str] = ()

    # --- lookups --------------------------------------------------------------------
    def allowed_lookups(self, request: HttpRequest) -> set[str]:
        allowed: set[str] = set()
        filters = _declared_fields(self.get_list_filter(request))
        searched = _declared_fields(self.get_search_fields(request))
        hidden = self._hidden_fields()
        for name in (filters | searched) - hidden:
            allowed.update(name + suffix for suffix in FILTER_SUFFIXES)
            if name in filters:
                allowed.update(name + suffix for suffix in RELATION_SUFFIXES)
        return allowed

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest) -> bool:
        return lookup in self.allowed_lookups(request)

    # --- hidden fields ------------------------------------------------------------------
    def _hidden_fields(self) -> set[str]:
        own = {f.name for f in self.model._meta.get_fields()}
        return (set(NEVER_SHOWN) | set(self.never_shown)) & own

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> list[str]:
        exclude = list(super().get_exclude(request, obj) or [])
        return exclude + sorted(self._hidden_fields() - set(exclude))

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        hidden = self._hidden_fields()
        return [f for f in super().get_fields(request, obj) if f not in hidden]

    def get_list_display(self, request: HttpRequest) -> Any:
        hidden = self._hidden_fields()
        return [f for f in super().get_list_display(request) if f not in hidden]

    # --- bad input --------------------------------------------------------------------
    def _refuse(self, request: HttpRequest, object_id: str | None = None) -> HttpResponse | None:
        if _has_nul(request, object_id):
            return HttpResponseBadRequest("A NUL character is not allowed here.")
        if object_id is not None and len(object_id) > 64:
            return HttpResponseBadRequest("That id is too long.")
        return None

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        return self._refuse(request) or super().changelist_view(request, extra_context)

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: Any = None,
    ) -> HttpResponse:
        return self._refuse(request, object_id) or super().changeform_view(
            request, object_id, form_url, extra_context
        )

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: Any = None
    ) -> HttpResponse:
        return self._refuse(request, object_id) or super().delete_view(
            request, object_id, extra_context
        )

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: Any = None
    ) -> HttpResponse:
        refused = self._refuse(request, object_id)
        if refused is not None:
            return refused
        # Django looks the object up first and redirects "does not exist": that tells an
        # account without the permission which ids exist. Refuse before looking.
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        return super().history_view(request, object_id, extra_context)

    # --- audit --------------------------------------------------------------------------
    def audit_object_type(self) -> str:
        return self.model._meta.label_lower

    def audit_changes(self, form: BaseForm) -> tuple[dict[str, Any], dict[str, Any]]:
        hidden = self._hidden_fields()
        before: dict[str, Any] = {}
        after: dict[str, Any] = {}
        for name in form.changed_data:
            if name in hidden:
                continue
            # A relation's initial value is its pk (or a list of related objects).
            before[name] = _audit_value(name, form.initial.get(name))
            after[name] = _audit_value(name, form.cleaned_data.get(name))
        return before, after

    def audit_action(self, change: bool, form: BaseForm) -> str:
        return "admin.change" if change else "admin.add"

    def audit_reason(self, request: HttpRequest, form: BaseForm) -> str:
        return ""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        before, after = self.audit_changes(form)
        super().save_model(request, obj, form, change)
        audit_trail_write(
            actor=request.user,
            action=self.audit_action(change, form),
            object_type=self.audit_object_type(),
            object_id=obj.pk,
            data={"via": "admin", "object": str(obj)[:200]},
            before=before if change else {},
            after=after,
            reason=self.audit_reason(request, form),
        )

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        """Inline rows (a process's phases and pots, ...) are audited one entry each,
        with the reason the parent form gave, if any."""
        changes = {
            f.instance.pk: self.audit_changes(f)
            for f in formset.forms
            if f.instance.pk is not None and f.has_changed()
        }
        super().save_formset(request, form, formset, change)
        reason = self.audit_reason(request, form)
        label = formset.model._meta.label_lower
        for obj in formset.new_objects:
            audit_trail_write(
                actor=request.user,
                action="admin.add",
                object_type=label,
                object_id=obj.pk,
                data={"via": "admin", "object": str(obj)[:200]},
                after={k: _audit_value(k, v) for k, v in _model_values(obj).items()},
                reason=reason,
            )
        for obj, _fields in formset.changed_objects:
            before, after = changes.get(obj.pk, ({}, {}))
            audit_trail_write(
                actor=request.user,
                action="admin.change",
                object_type=label,
                object_id=obj.pk,
                data={"via": "admin", "object": str(obj)[:200]},
                before=before,
                after=after,
                reason=reason,
            )
        for obj in formset.deleted_objects:
            audit_trail_write(
                actor=request.user,
                action="admin.delete",
                object_type=label,
                object_id=obj.pk if obj.pk is not None else "",
                data={"via": "admin", "object": str(obj)[:200]},
                reason=reason,
            )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        pk, label = obj.pk, str(obj)[:200]
        super().delete_model(request, obj)
        audit_trail_write(
            actor=request.user,
            action="admin.delete",
            object_type=self.audit_object_type(),
            object_id=pk,
            data={"via": "admin", "object": label},
        )

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        gone = [(obj.pk, str(obj)[:200]) for obj in queryset]
        super().delete_queryset(request, queryset)
        for pk, label in gone:
            audit_trail_write(
                actor=request.user,
                action="admin.delete",
                object_type=self.audit_object_type(),
                object_id=pk,
                data={"via": "admin", "object": label},
            )
