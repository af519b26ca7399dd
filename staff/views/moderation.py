"""The moderation queue (/staff/moderation/) and item pages. Views parse, call
``sms.author_notices.proposal_moderate_and_tell`` (the decision and the author's notice
in one transaction) or ``moderation_note_add``, and render. Every form works without
JavaScript; ``staff/moderation.js`` adds the keyboard (j/k, a/r/c/h/x) and the live
refresh. Anything out of the moderator's scope, or any id that is no row, is 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from maps.models import Neighbourhood
from participation.access import (
    MAX_ID,
    moderation_item_for_staff,
    moderator_neighbourhood_ids,
)
from participation.errors import ParticipationError
from participation.models import Comment, ModerationAction, Proposal, Resident
from participation.moderation_queue import (
    QUEUE_KINDS,
    QUEUE_STATUSES,
    moderation_item_history,
    moderation_queue,
)
from participation.services.moderation import (
    COMMENT_ACTIONS,
    PROPOSAL_ACTIONS,
    RESIDENT_ACTIONS,
    latest_decision_id,
    moderation_note_add,
)
from sms.author_notices import proposal_moderate_and_tell
from staff.access import staff_permission_required
from staff.form_input import form_count, form_id, form_text

MODERATE = "participation.moderate_proposals"
ITEM_KINDS = ("proposal", "comment", "resident")
BULK_MAX = 200


def _filters(request: HttpRequest) -> dict[str, Any]:
    kind = form_text(request.GET.get("kind"))
    status = form_text(request.GET.get("status"))
    return {
        "kind": kind if kind in QUEUE_KINDS else "",
        "neighbourhood_id": form_id(request.GET.get("neighbourhood")),
        "status": status if status in dict(QUEUE_STATUSES) else "",
    }


def _queue_url(request: HttpRequest) -> str:
    """Where to go back after an action: the queue with its filters (``next``), if it
    is a page of this site."""
    target = form_text(request.POST.get("next"))
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("staff:moderation")


@staff_permission_required(MODERATE)
@require_GET
def moderation_queue_page(request: HttpRequest) -> HttpResponse:
    filters = _filters(request)
    items = moderation_queue(request.user, **filters)
    scope = moderator_neighbourhood_ids(request.user)
    neighbourhoods = Neighbourhood.objects.order_by("name")
    if scope is not None:
        neighbourhoods = neighbourhoods.filter(pk__in=scope)
    template = (
        "staff/_queue_rows.html"
        if request.GET.get("fragment") == "rows"
        else "staff/moderation_queue.html"
    )
    return render(
        request,
        template,
        {
            "items": items,
            "filters": filters,
            "kinds": QUEUE_KINDS,
            "statuses": QUEUE_STATUSES,
            "neighbourhoods": neighbourhoods,
            "scoped": scope is not None,
            "here": _here(request),
            "live": {
                "socket": "/ws/staff/moderation/",
                "rows": f"{request.path}?{_rows_query(request)}",
            },
        },
    )


def _here(request: HttpRequest) -> str:
    """The queue page with its filters, without the live refresh's ``fragment``."""
    query = request.GET.copy()
    query.pop("fragment", None)
    return f"{request.path}?{query.urlencode()}" if query else request.path


def _rows_query(request: HttpRequest) -> str:
    query = request.GET.copy()
    query["fragment"] = "rows"
    return query.urlencode()


def _item(request: HttpRequest, kind: str, pk: int | None) -> Proposal | Comment | Resident:
    if kind not in ITEM_KINDS or pk is None:
        raise Http404
    item = moderation_item_for_staff(request.user, kind, pk)
    if item is None:
        raise Http404
    return item


def _decide(request: HttpRequest, kind: str, item: Any, *, action: str, seen: int | None) -> bool:
    """One decision from a form; the outcome as a message. True when it was taken."""
    merge_into = None
    if action == ModerationAction.MERGE:
        into = form_id(request.POST.get("into"))
        merge_into = moderation_item_for_staff(request.user, "proposal", into) if into else None
        if merge_into is None:
            messages.error(request, _("There is no such idea to merge into."))
            return False
    try:
        proposal_moderate_and_tell(
            actor=request.user,
            action=action,
            reason=form_text(request.POST.get("reason")),
            merge_into=merge_into,
            seen_decision=seen,
            **{kind: item},
        )
    except ParticipationError as exc:
        messages.error(request, f"#{item.pk}: {exc.message}")
        return False
    except PermissionDenied:
        raise
    messages.success(
        request,
        _("#%(id)d: %(action)s done.") % {"id": item.pk, "action": ModerationAction(action).label},
    )
    return True


def _allowed_actions(kind: str) -> tuple[str, ...]:
    return {"proposal": PROPOSAL_ACTIONS, "comment": COMMENT_ACTIONS, "resident": RESIDENT_ACTIONS}[
        kind
    ]


@staff_permission_required(MODERATE)
@require_POST
def moderation_decide(request: HttpRequest) -> HttpResponse:
    """One action on one item (a queue row's buttons, the item page's form). A stale
    form (someone decided first), a bad action or reason comes back as a message."""
    # Enumerated values are compared as sent: "approve\x00" is no action.
    kind = request.POST.get("kind", "")
    item = _item(request, kind, form_id(request.POST.get("pk")))
    action = request.POST.get("action", "")
    if action not in _allowed_actions(kind):
        messages.error(request, _("Choose one of the actions offered."))
        return HttpResponseRedirect(_queue_url(request), status=303)
    seen_raw = form_text(request.POST.get("seen")).strip()
    seen = form_count(seen_raw)
    if seen_raw and seen is None:
        messages.error(request, _("That form is out of date. Reload the page."))
        return HttpResponseRedirect(_queue_url(request), status=303)
    _decide(request, kind, item, action=action, seen=seen)
    return HttpResponseRedirect(_queue_url(request), status=303)


@staff_permission_required(MODERATE)
@require_POST
def moderation_bulk(request: HttpRequest) -> HttpResponse:
    """One action on every checked queue row ("proposal:12", "comment:5"); each item is
    decided on its own (one refused item does not stop the others) and the form's
    ``seen`` values make a row decided meanwhile come back as stale."""
    action = request.POST.get("action", "")
    keys = request.POST.getlist("items")[:BULK_MAX]
    if not keys:
        messages.error(request, _("Tick at least one item first."))
        return HttpResponseRedirect(_queue_url(request), status=303)
    done = 0
    for key in keys:
        kind, _sep, raw_pk = key.partition(":")
        pk = form_id(raw_pk)
        item = (
            moderation_item_for_staff(request.user, kind, pk) if kind in ITEM_KINDS and pk else None
        )
        if item is None:
            messages.error(request, _("%(item)s: no such item.") % {"item": form_text(key)[:40]})
            continue
        if action not in _allowed_actions(kind):
            messages.error(request, _("#%(id)d: that action does not apply.") % {"id": item.pk})
            continue
        seen = form_count(request.POST.get(f"seen-{kind}-{item.pk}"))
        done += _decide(request, kind, item, action=action, seen=seen)
    return HttpResponseRedirect(_queue_url(request), status=303)


@staff_permission_required(MODERATE)
@require_GET
def moderation_item(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    item = _item(request, kind, pk if 0 < pk <= MAX_ID else None)
    target: dict[str, Any] = {kind: item}
    history = moderation_item_history(**target)
    context: dict[str, Any] = {
        "kind": kind,
        "item": item,
        "history": history,
        "actions": [(a, ModerationAction(a).label) for a in _allowed_actions(kind)],
        "seen": latest_decision_id(**target),
        "here": request.get_full_path(),
    }
    context["author"] = getattr(item, "author", None)
    return render(request, "staff/moderation_item.html", context)


@staff_permission_required(MODERATE)
@require_POST
def moderation_note(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    item = _item(request, kind, pk if 0 < pk <= MAX_ID else None)
    target: dict[str, Any] = {kind: item}
    try:
        moderation_note_add(actor=request.user, body=form_text(request.POST.get("body")), **target)
    except ParticipationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Note added."))
    return HttpResponseRedirect(reverse("staff:moderation-item", args=[kind, item.pk]), status=303)
