"""Delivery updates of funded projects: status, % complete, dated milestones (planned
and done), a note per language and an optional photo. One service,
``sms.project_updates.project_delivery_update``, records it (with its checks) and tells
the project's followers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods

from budgets.models import ImplementationStatus, Project
from budgets.results import project_funded
from budgets.selectors import projects_on_ballot
from budgets.services.delivery import PHOTO_MAX_BYTES, UPDATE_PERMISSION, DeliveryError, Milestone
from core.selectors import process_or_404
from sms.project_updates import project_delivery_update
from staff.access import staff_permission_required

BLANK_MILESTONES = 2
MAX_MILESTONES = 30


class UpdateForm(forms.Form):
    status = forms.ChoiceField(label=_lazy("Status"), choices=ImplementationStatus.choices)
    percent = forms.IntegerField(label=_lazy("% complete"), min_value=0, max_value=100)
    photo = forms.FileField(
        label=_lazy("Photo (optional: JPEG, PNG or WebP, at most 2 MB)"), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for code, name in settings.LANGUAGES:
            self.fields[f"note_{code}"] = forms.CharField(
                label=_("Note in %(language)s") % {"language": name},
                widget=forms.Textarea(attrs={"rows": 3}),
                required=code == settings.LANGUAGE_CODE,
                max_length=2000,
            )


def _milestones(data: Any) -> tuple[list[Milestone], list[str]]:
    """Milestone rows of the form (``milestone-N-title``, ``-planned``, ``-done``);
    a row without a title is dropped, a row with one needs a planned date."""
    milestones: list[Milestone] = []
    errors: list[str] = []
    for n in range(MAX_MILESTONES):
        title = data.get(f"milestone-{n}-title", "").strip()
        if not title:
            continue
        try:
            planned = dt.date.fromisoformat(data.get(f"milestone-{n}-planned", ""))
            done_raw = data.get(f"milestone-{n}-done", "").strip()
            done = dt.date.fromisoformat(done_raw) if done_raw else None
        except ValueError:
            errors.append(
                _("Milestone “%(title)s”: give the planned date (and the done date) as dates.")
                % {"title": title[:60]}
            )
            continue
        milestones.append(Milestone(title=title[:200], planned_on=planned, done_on=done))
    return milestones, errors


@staff_permission_required(UPDATE_PERMISSION)
@require_http_methods(["GET"])
def delivery_projects(request: HttpRequest, slug: str) -> HttpResponse:
    """The funded projects of a published process, each with its delivery so far."""
    process = process_or_404(slug)
    projects = [p for p in projects_on_ballot(process) if project_funded(p)]
    return render(request, "staff/delivery_list.html", {"process": process, "projects": projects})


@staff_permission_required(UPDATE_PERMISSION)
@require_http_methods(["GET", "POST"])
def delivery_update(request: HttpRequest, pk: int) -> HttpResponse:
    project: Project = get_object_or_404(Project.objects.select_related("process"), pk=pk)
    initial = {
        "status": project.implementation_status,
        "percent": project.implementation_percent,
    }
    form = UpdateForm(request.POST or None, request.FILES or None, initial=initial)
    errors: list[str] = []
    done = False
    rows = [
        {
            "title": m.title,
            "planned": m.planned_on.isoformat(),
            "done": m.done_on.isoformat() if m.done_on else "",
        }
        for m in project.milestones.all()
    ]
    if request.method == "POST":
        milestones, errors = _milestones(request.POST)
        photo = form.files.get("photo")
        if photo is not None and (photo.size or 0) > PHOTO_MAX_BYTES:
            errors.append(
                _("The photo is too big: at most %(mb)d MB.") % {"mb": PHOTO_MAX_BYTES // 2**20}
            )
        if not form.is_valid():
            errors += [str(e) for errs in form.errors.values() for e in errs]
        if not errors:
            try:
                project_delivery_update(
                    project=project,
                    actor=request.user,
                    status=form.cleaned_data["status"],
                    percent=form.cleaned_data["percent"],
                    notes={
                        code: form.cleaned_data.get(f"note_{code}", "")
                        for code, _n in settings.LANGUAGES
                    },
                    milestones=milestones,
                    photo=photo.read() if photo is not None else None,
                )
            except DeliveryError as exc:
                errors = [str(exc.message)]
            else:
                done = True
        rows = [
            {
                "title": request.POST.get(f"milestone-{n}-title", ""),
                "planned": request.POST.get(f"milestone-{n}-planned", ""),
                "done": request.POST.get(f"milestone-{n}-done", ""),
            }
            for n in range(MAX_MILESTONES)
            if request.POST.get(f"milestone-{n}-title", "").strip()
        ]
    rows += [{"title": "", "planned": "", "done": ""}] * BLANK_MILESTONES
    return render(
        request,
        "staff/delivery_update.html",
        {
            "project": project,
            "form": form,
            "errors": errors,
            "done": done,
            "milestones": list(enumerate(rows[:MAX_MILESTONES])),
        },
        status=400 if errors else 200,
    )
