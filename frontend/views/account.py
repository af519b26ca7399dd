"""Sign-in without passwords (SMS code or printed voter code), sign-out, language."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import Resolver404, resolve, reverse
from django.utils.http import urlencode
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django.views.i18n import set_language

from accounts.services import sign_in_code_send, sign_in_code_verify, sign_in_voter_code_verify
from accounts.session import (
    SESSION_PENDING_PHONE,
    client_ip,
    language_cookie,
    resident_from_request,
    resident_sign_in,
    resident_sign_out,
    safe_next,
)
from frontend.forms import CodeForm, PhoneForm, VoterCodeForm, error_summary
from participation.errors import ParticipationError
from participation.models import Resident
from participation.services.residents import LANGUAGES, resident_set_language
from sms.phone_display import mask_phone

# Refusals that are about pace, not about what was typed.
_RATE_LIMITED = {"rate_limited_number", "rate_limited_ip"}


# Why a page sent the resident here, by the name of the page they were going to: told
# on the sign-in page, so being asked for a phone number is never a surprise.
_WHY = {
    "ballot": gettext_lazy("Sign in to vote. After signing in you go straight to your ballot."),
    "propose": gettext_lazy(
        "Sign in to propose an idea. After signing in you go straight back to the form."
    ),
    "proposal": gettext_lazy(
        "Sign in to comment on or support this idea. After signing in you go back to it."
    ),
    "neighbourhood-claim": gettext_lazy(
        "Sign in to tell us your neighbourhood. After signing in you go back to where you were."
    ),
    "my-activity": gettext_lazy("Sign in to see your activity: your ideas, comments and votes."),
}


def sign_in_reason(next_url: str) -> str | None:
    """Why the resident is asked to sign in, from the page ``next_url`` leads to."""
    try:
        match = resolve(next_url.split("?", 1)[0])
    except Resolver404:
        return None
    reason = _WHY.get(match.url_name or "") if match.namespace == "frontend" else None
    return str(reason) if reason is not None else None


def _next(request: HttpRequest) -> str:
    return safe_next(
        request, request.POST.get("next") or request.GET.get("next"), reverse("frontend:home")
    )


def _status(exc: ParticipationError) -> int:
    return 429 if exc.code in _RATE_LIMITED else 400


def _signed_in(request: HttpRequest, resident: Resident, next_url: str) -> HttpResponse:
    resident_sign_in(request, resident)
    response = HttpResponseRedirect(next_url)
    # The resident's stored language is theirs on every device (and for their SMS).
    if resident.language in LANGUAGES:
        language_cookie(response, resident.language)
    messages.success(request, _("You are signed in."))
    return response


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    """Step 1: a phone number; we text a code (or link to the voter-code page)."""
    next_url = _next(request)
    form = PhoneForm(request.POST or None, auto_id="%s")
    status = 200
    if request.method == "POST":
        if form.is_valid():
            e164 = form.cleaned_data["phone"]
            try:
                sign_in_code_send(e164=e164, ip=client_ip(request), language=get_language())
            except ParticipationError as exc:
                form.add_error("phone", str(exc.message))
                status = _status(exc)
            else:
                request.session[SESSION_PENDING_PHONE] = e164
                return HttpResponseRedirect(
                    f"{reverse('frontend:sign-in-code')}?{urlencode({'next': next_url})}"
                )
        else:
            status = 400
    return render(
        request,
        "frontend/sign_in.html",
        {
            "form": form,
            "errors": error_summary(form, form_id="sign-in-form") if form.errors else [],
            "next": next_url,
            "why": sign_in_reason(next_url),
            "resident": resident_from_request(request),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def sign_in_code(request: HttpRequest) -> HttpResponse:
    """Step 2: the 6-digit code from the text message."""
    next_url = _next(request)
    e164 = request.session.get(SESSION_PENDING_PHONE)
    if not isinstance(e164, str):
        return HttpResponseRedirect(
            f"{reverse('frontend:sign-in')}?{urlencode({'next': next_url})}"
        )
    if request.method == "POST" and request.POST.get("resend"):
        # "Send a new code" for the number waiting in the session (never in the page).
        try:
            sign_in_code_send(e164=e164, ip=client_ip(request), language=get_language())
        except ParticipationError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("We sent you a new code."))
        return HttpResponseRedirect(
            f"{reverse('frontend:sign-in-code')}?{urlencode({'next': next_url})}"
        )
    form = CodeForm(request.POST or None, auto_id="%s")
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                resident = sign_in_code_verify(
                    e164=e164,
                    code=form.cleaned_data["code"],
                    ip=client_ip(request),
                    language=get_language(),
                )
            except ParticipationError as exc:
                form.add_error("code", str(exc.message))
                status = _status(exc)
            else:
                return _signed_in(request, resident, next_url)
        else:
            status = 400
    context: dict[str, Any] = {
        "form": form,
        "errors": error_summary(form, form_id="code-form") if form.errors else [],
        "next": next_url,
        "why": sign_in_reason(next_url),
        "masked_phone": mask_phone(e164),
    }
    return render(request, "frontend/sign_in_code.html", context, status=status)


@require_http_methods(["GET", "POST"])
def sign_in_voter_code(request: HttpRequest) -> HttpResponse:
    """Sign in with the code printed on a voter letter (no phone needed)."""
    next_url = _next(request)
    form = VoterCodeForm(request.POST or None, auto_id="%s")
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                resident = sign_in_voter_code_verify(
                    code=form.cleaned_data["code"], ip=client_ip(request)
                )
            except ParticipationError as exc:
                form.add_error("code", str(exc.message))
                status = _status(exc)
            else:
                return _signed_in(request, resident, next_url)
        else:
            status = 400
    return render(
        request,
        "frontend/sign_in_voter_code.html",
        {
            "form": form,
            "errors": error_summary(form, form_id="voter-code-form") if form.errors else [],
            "next": next_url,
            "why": sign_in_reason(next_url),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def sign_out(request: HttpRequest) -> HttpResponse:
    """GET asks to confirm (a link must not sign anyone out); POST signs out."""
    if request.method == "POST":
        resident_sign_out(request)
        messages.success(request, _("You are signed out."))
        return HttpResponseRedirect(reverse("frontend:home"))
    return render(request, "frontend/sign_out.html", {})


@require_POST
def language(request: HttpRequest) -> HttpResponse:
    """The language chooser: Django's ``set_language`` (cookie, safe ``next``), plus the
    signed-in resident's stored language, which their SMS use too."""
    response = set_language(request)
    chosen = request.POST.get("language", "")
    resident = resident_from_request(request)
    if resident is not None and chosen in LANGUAGES and chosen != resident.language:
        resident_set_language(resident=resident, language=chosen)
    return response
