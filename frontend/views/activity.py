"""'My activity': a signed-in resident's own ideas (status and moderation reason),
comments and ballot receipts."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET

from accounts.session import resident_from_request, resident_required
from budgets.receipts import receipt_display
from budgets.selectors import resident_receipts
from participation.selectors import resident_comments, resident_ideas


@require_GET
@resident_required
def my_activity(request: HttpRequest) -> HttpResponse:
    """Only the signed-in resident's own activity. The receipts are found on the fly
    from the resident's ballot pseudonyms (``resident_receipts``): never stored in the
    session, never with the choices; the page is not cached anywhere."""
    resident = resident_from_request(request)
    assert resident is not None
    ballots = [
        {
            "ballot": ballot,
            "receipts": [(line, receipt_display(line.receipt)) for line in ballot.receipts],
        }
        for ballot in resident_receipts(resident.pk)
    ]
    response = render(
        request,
        "frontend/my_activity.html",
        {
            "ideas": resident_ideas(resident),
            "comments": resident_comments(resident),
            "ballots": ballots,
            # Following projects is issue 10's: once a follow model exists, its
            # selector fills this list and the page shows the section (None: no section).
            "followed_projects": None,
        },
    )
    add_never_cache_headers(response)
    return response
