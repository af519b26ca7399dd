"""'About you': the optional self-report a resident may give after voting (age band and
the groups the city asks about), decline, or withdraw. Withdrawing deletes the answers.
The answers describe who took part, never how anyone voted: nothing here touches a
ballot, and the figures built from them suppress small groups."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.session import resident_from_request, resident_required
from frontend.forms import DemographicsForm, error_summary
from participation.errors import ParticipationError
from participation.services.residents import (
    resident_record_demographics,
    resident_withdraw_demographics,
)


@require_http_methods(["GET", "POST"])
@resident_required
def about_you(request: HttpRequest) -> HttpResponse:
    resident = resident_from_request(request)
    assert resident is not None
    done = HttpResponseRedirect(reverse("frontend:my-activity"))
    if request.method == "POST":
        action = request.POST.get("action", "save")
        if action == "decline":
            messages.info(request, _("That is fine: we did not record anything."))
            return done
        if action == "withdraw":
            resident_withdraw_demographics(resident=resident)
            messages.success(request, _("Your answers are deleted."))
            return done
        form = DemographicsForm(request.POST)
        if form.is_valid():
            try:
                resident_record_demographics(resident=resident, answers=form.answers())
            except ParticipationError as exc:
                form.add_error(None, str(exc))
            else:
                if form.answers():
                    messages.success(request, _("Thank you. Your answers are saved."))
                else:
                    messages.info(request, _("That is fine: we did not record anything."))
                return done
    else:
        form = DemographicsForm(initial=dict(resident.demographics))
    response = render(
        request,
        "frontend/about_you.html",
        {
            "form": form,
            "errors": error_summary(form, form_id="about-you-form") if form.is_bound else [],
            "has_answers": bool(resident.demographics),
        },
    )
    add_never_cache_headers(response)
    return response
