from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation

from core.selectors import process_or_404
from frontend.print_sheets import paper_ballot_context
from maps.models import Neighbourhood

LANGUAGES = {code for code, _name in settings.LANGUAGES}


def paper_ballot(request: HttpRequest, slug: str) -> HttpResponse:
    """The printable paper ballot of a process, in the language chosen (``?lang=``, else
    the page's), for all budgets or one neighbourhood's (``?neighbourhood=``)."""
    process = process_or_404(slug)
    neighbourhood = None
    if request.GET.get("neighbourhood"):
        neighbourhood = get_object_or_404(Neighbourhood, slug=request.GET["neighbourhood"])
    language = request.GET.get("lang", "")
    if language not in LANGUAGES:
        language = translation.get_language() or settings.LANGUAGE_CODE
    with translation.override(language):
        context = paper_ballot_context(process, language, neighbourhood)
        return render(request, "frontend/print/ballot.html", {**context, "web": True})


def voter_code_short(request: HttpRequest) -> HttpResponse:
    """The short address printed on voter letters: straight to typing the code."""
    return redirect(reverse("frontend:sign-in-voter-code"))
