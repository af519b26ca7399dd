"""The audit log for staff: every staff action, filtered by action, staff member,
object type and day, newest first, a bounded page at a time."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from participation.selectors import audit_entries, audit_vocabulary
from staff.access import staff_permission_required
from staff.forms import PAGE_SIZES, AuditFilterForm


@staff_permission_required("participation.view_auditlog")
def audit_log(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    status = 200
    if form.is_bound and not form.is_valid():
        entries = audit_entries().none()
        per_page = PAGE_SIZES[1]
        status = 400
    else:
        data = form.cleaned_data if form.is_bound else {}
        entries = audit_entries(
            action=data.get("action", ""),
            actor=data.get("actor", ""),
            object_type=data.get("object_type", ""),
            since=data.get("since"),
            until=data.get("until"),
        )
        per_page = data.get("per_page") or PAGE_SIZES[1]
    page = Paginator(entries, per_page).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    actions, object_types = audit_vocabulary()
    return render(
        request,
        "staff/audit.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "actions": actions,
            "object_types": object_types,
        },
        status=status,
    )
