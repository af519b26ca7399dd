"""Issuing printed voter codes, and printing letters or code sheets from them.

The codes exist readable only in the one response that issues them (a CSV download):
only keyed hashes are stored, so nothing can show them again. Letters and sheets are
printed from that CSV, in any language, by uploading it to the print form."""

from __future__ import annotations

import csv
import io

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from accounts.voter_letters import LAYOUTS, voter_letters_html
from core.models import Process
from core.selectors import process_or_404
from maps.models import Neighbourhood
from participation.errors import ParticipationError
from participation.services.voter_codes import MAX_CODES, voter_codes_issue
from staff.access import staff_permission_required

PERMISSION = "participation.issue_voter_codes"
CODES_FILE_MAX = 4 * 1024 * 1024
LANGUAGE_CHOICES = [(code, name) for code, name in settings.LANGUAGES]
LAYOUT_CHOICES = [("letters", _("Letters, one per page")), ("sheet", _("A sheet of slips"))]


def _neighbourhoods(process: Process) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=_("Neighbourhood (optional): the holders vote in its budget"),
        queryset=Neighbourhood.objects.filter(pots__process=process).order_by("name"),
        required=False,
        empty_label=_("No neighbourhood"),
        to_field_name="slug",
    )


class IssueForm(forms.Form):
    count = forms.IntegerField(label=_("How many codes"), min_value=1, max_value=MAX_CODES)
    language = forms.ChoiceField(label=_("Language of the holders"), choices=LANGUAGE_CHOICES)

    def __init__(self, *args: object, process: Process, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["neighbourhood"] = _neighbourhoods(process)


class PrintForm(forms.Form):
    codes = forms.FileField(label=_("The CSV of codes (voter_code header)"))
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGE_CHOICES)
    layout = forms.ChoiceField(label=_("Layout"), choices=LAYOUT_CHOICES)

    def __init__(self, *args: object, process: Process, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["neighbourhood"] = _neighbourhoods(process)

    def clean_codes(self) -> list[str]:
        upload = self.cleaned_data["codes"]
        if upload.size > CODES_FILE_MAX:
            raise forms.ValidationError(_("The file is too big."))
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError(_("The file is not a CSV in UTF-8.")) from None
        rows = list(csv.reader(io.StringIO(text)))
        if not rows or [c.strip().lower() for c in rows[0]] != ["voter_code"]:
            raise forms.ValidationError(_("The first line must be the header voter_code."))
        codes = [row[0].strip() for row in rows[1:] if row and row[0].strip()]
        if not codes:
            raise forms.ValidationError(_("The file has no codes."))
        return codes


def _page(
    request: HttpRequest, process: Process, issue: IssueForm, printing: PrintForm, status: int = 200
) -> HttpResponse:
    response = render(
        request,
        "staff/voter_codes.html",
        {"process": process, "issue": issue, "printing": printing, "layouts": LAYOUTS},
        status=status,
    )
    add_never_cache_headers(response)
    return response


@staff_permission_required(PERMISSION)
@require_http_methods(["GET", "POST"])
def voter_codes(request: HttpRequest, slug: str) -> HttpResponse:
    """GET: the forms. POST: issue codes and download them as CSV, once."""
    process = process_or_404(slug)
    printing = PrintForm(process=process, auto_id="print-%s")
    if request.method == "GET":
        return _page(request, process, IssueForm(process=process, auto_id="issue-%s"), printing)
    issue = IssueForm(request.POST, process=process, auto_id="issue-%s")
    if not issue.is_valid():
        return _page(request, process, issue, printing, status=400)
    try:
        codes = voter_codes_issue(
            count=issue.cleaned_data["count"],
            process=process,
            neighbourhood=issue.cleaned_data["neighbourhood"],
            language=issue.cleaned_data["language"],
            actor=request.user,
        )
    except ParticipationError as exc:
        issue.add_error(None, str(exc.message))
        return _page(request, process, issue, printing, status=400)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    place = issue.cleaned_data["neighbourhood"]
    name = f"voter-codes-{process.slug}{'-' + place.slug if place else ''}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv.writer(response)
    writer.writerow(["voter_code"])
    writer.writerows([code] for code in codes)
    add_never_cache_headers(response)
    return response


@staff_permission_required(PERMISSION)
@require_http_methods(["POST"])
def voter_letters(request: HttpRequest, slug: str) -> HttpResponse:
    """Print-ready letters or a code sheet for the uploaded codes, in one language."""
    process = process_or_404(slug)
    printing = PrintForm(request.POST, request.FILES, process=process, auto_id="print-%s")
    if not printing.is_valid():
        return _page(
            request, process, IssueForm(process=process, auto_id="issue-%s"), printing, 400
        )
    html = voter_letters_html(
        process=process,
        codes=printing.cleaned_data["codes"],
        language=printing.cleaned_data["language"],
        layout=printing.cleaned_data["layout"],
        neighbourhood=printing.cleaned_data["neighbourhood"],
        inline_css=False,  # the page links the print style sheet (CSP allows no inline)
    )
    response = HttpResponse(html)
    add_never_cache_headers(response)
    return response
