from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.session import resident_from_request, resident_required, sign_in_url
from core.models import Channel, PhaseKind
from core.selectors import process_or_404, process_phase_open
from frontend.forms import CommentForm, FlagForm, ProposalForm, SummaryError, error_summary
from frontend.live import live_config
from frontend.selectors import (
    comment_nodes,
    comment_tree,
    visible_comment_count,
)
from frontend.views.errors import gone_page, not_found_page
from maps.selectors import neighbourhoods_feature_collection
from participation.access import (
    comment_for_reply,
    comment_visible_to,
    proposal_for_resident,
    proposal_gone_for_visitor,
)
from participation.errors import ParticipationError
from participation.models import (
    Comment,
    CommentStatus,
    ModerationDecision,
    Proposal,
    ProposalStatus,
    Support,
)
from participation.services.flags import flag_raise
from participation.services.ideas import (
    BODY_MAX,
    COMMENT_MAX,
    TITLE_MAX,
    Point,
    comment_post,
    proposal_revise,
    proposal_submit,
    support_add,
    support_remove,
)

PROPOSAL_FORM_ID = "propose-form"
COMMENT_FORM_ID = "comment-form"

# Which field a refused idea is about, for the error summary's link.
_PROPOSAL_ERROR_FIELDS = {
    "title_required": "title",
    "title_too_long": "title",
    "body_too_long": "body",
    "neighbourhood_required": "neighbourhood",
    "outside_city": "neighbourhood",
    "bad_point": "neighbourhood",
}


@require_http_methods(["GET", "POST"])
@resident_required
def propose(request: HttpRequest, slug: str) -> HttpResponse:
    """Propose an idea: a pin on the map (JavaScript fills lat/lng) or, without
    JavaScript, a neighbourhood and an address. proposal_submit locates the pin."""
    process = process_or_404(slug)
    resident = resident_from_request(request)
    assert resident is not None
    ideas_open = process_phase_open(process, PhaseKind.IDEAS)
    form = ProposalForm(request.POST or None, auto_id="%s")
    errors: list[SummaryError] = []
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            point = Point(lat=data["lat"], lng=data["lng"]) if data.get("lat") is not None else None
            try:
                proposal = proposal_submit(
                    author=resident,
                    process=process,
                    title=data["title"],
                    body=data["body"],
                    channel=Channel.WEB,
                    point=point,
                    neighbourhood=data.get("neighbourhood"),
                    address=data.get("address", ""),
                    language=get_language(),
                )
            except ParticipationError as exc:
                form.add_error(_PROPOSAL_ERROR_FIELDS.get(exc.code), str(exc.message))
                status = _status(exc)
            else:
                messages.success(
                    request,
                    _("Thank you. Your idea is saved and will be published after review."),
                )
                return HttpResponseRedirect(reverse("frontend:proposal", args=[proposal.pk]))
        errors = error_summary(form, form_id=PROPOSAL_FORM_ID)
    return render(
        request,
        "frontend/propose.html",
        {
            "process": process,
            "form": form,
            "errors": errors,
            "ideas_open": ideas_open,
            "title_max": TITLE_MAX,
            "body_max": BODY_MAX,
            "map_data": {"neighbourhoods": neighbourhoods_feature_collection()},
        },
        status=status,
    )


def _status(exc: ParticipationError) -> int:
    """429 when the resident hit the posting limit (a matter of pace), else 400."""
    return 429 if exc.code == "rate_limited" else 400


def _proposal_for(request: HttpRequest, pk: int) -> Proposal:
    """The idea if this visitor may see it, else 404 (not 403: an idea under review
    must not be confirmed to exist)."""
    proposal = proposal_for_resident(pk=pk, resident=resident_from_request(request))
    if proposal is None:
        raise Http404
    return proposal


def _proposal_or_error_page(request: HttpRequest, pk: int) -> Proposal | HttpResponse:
    """The idea, or the site's own page saying why not: 410 for an idea moderators
    hid after it was published, 404 for anything else (never confirmed to exist)."""
    resident = resident_from_request(request)
    proposal = proposal_for_resident(pk=pk, resident=resident)
    if proposal is not None:
        return proposal
    if proposal_gone_for_visitor(pk=pk, resident=resident):
        return gone_page(request)
    return not_found_page(request)


def _proposal_page(
    request: HttpRequest,
    proposal: Proposal,
    *,
    comment_form: CommentForm | None = None,
    reply_errors: dict[int, str] | None = None,
    reply_text: dict[int, str] | None = None,
    errors: list[SummaryError] | None = None,
    revise_form: ProposalForm | None = None,
    status: int = 200,
) -> HttpResponse:
    resident = resident_from_request(request)
    is_author = resident is not None and proposal.author_id == resident.pk
    supported = (
        resident is not None
        and Support.objects.filter(proposal=proposal, resident=resident).exists()
    )
    comments = comment_tree(proposal, viewer=resident)
    for node in comment_nodes(comments):
        if node.comment.pk in (reply_errors or {}):
            node.reply_error = (reply_errors or {})[node.comment.pk]
            node.reply_text = (reply_text or {}).get(node.comment.pk, "")
    context: dict[str, Any] = {
        "proposal": proposal,
        "process": proposal.process,
        "published": proposal.status == ProposalStatus.APPROVED,
        "comments": comments,
        "comment_count": visible_comment_count(proposal),
        "support_count": proposal.supports.count(),
        "supported": supported,
        "comment_form": comment_form or CommentForm(auto_id="comment-%s"),
        "comment_max": COMMENT_MAX,
        "errors": errors or [],
        "sign_in_url": sign_in_url(reverse("frontend:proposal", args=[proposal.pk])),
        "live": live_config(proposal.process),
        "is_author": is_author,
        "can_comment": resident is not None and proposal.status == ProposalStatus.APPROVED,
        "can_flag": proposal.status == ProposalStatus.APPROVED and not is_author,
        "flag_form": FlagForm(auto_id="flag-%s"),
        # The author sees why moderators rejected their idea or sent it back.
        "decision": (
            ModerationDecision.objects.filter(proposal=proposal)
            .order_by("-created_at", "-pk")
            .first()
            if is_author
            else None
        ),
        "can_revise": is_author and proposal.status == ProposalStatus.CHANGES_REQUESTED,
        "revise_form": revise_form
        or ProposalForm(
            initial={"title": proposal.title, "body": proposal.body}, auto_id="revise-%s"
        ),
    }
    return render(request, "frontend/proposal_detail.html", context, status=status)


def proposal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    found = _proposal_or_error_page(request, pk)
    if isinstance(found, HttpResponse):
        return found
    return _proposal_page(request, found)


@require_POST
def proposal_flag(request: HttpRequest, pk: int) -> HttpResponse:
    """Report the idea, or one of its comments (``comment``), to the moderators."""
    found = _proposal_or_error_page(request, pk)
    if isinstance(found, HttpResponse):
        return found
    proposal = found
    resident = resident_from_request(request)
    page = reverse("frontend:proposal", args=[proposal.pk])
    if resident is None:
        return HttpResponseRedirect(sign_in_url(page))
    form = FlagForm(request.POST, auto_id="flag-%s")
    if not form.is_valid():
        messages.error(request, _("That report could not be read. Try again."))
        return HttpResponseRedirect(page, status=303)
    comment = None
    comment_id = form.cleaned_data.get("comment")
    if comment_id:
        comment = Comment.objects.filter(pk=comment_id, proposal=proposal).first()
        if comment is None or not comment_visible_to(comment, None):
            messages.error(request, _("That comment is not on this idea."))
            return HttpResponseRedirect(page, status=303)
    try:
        result = flag_raise(
            resident=resident,
            proposal=None if comment else proposal,
            comment=comment,
            reason=form.cleaned_data.get("reason", ""),
            channel=Channel.WEB,
        )
    except ParticipationError as exc:
        messages.error(request, str(exc.message))
        return HttpResponseRedirect(page, status=429 if exc.code == "rate_limited" else 303)
    if result.new:
        messages.success(request, _("Thank you. The moderators will look at it."))
    else:
        messages.info(request, _("You have already reported this. The moderators will look at it."))
    anchor = f"#comment-{comment.pk}" if comment else "#flag"
    return HttpResponseRedirect(f"{page}{anchor}", status=303)


@require_POST
@resident_required
def proposal_revise_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The author rewrites an idea moderators sent back for changes."""
    proposal = _proposal_for(request, pk)
    resident = resident_from_request(request)
    assert resident is not None
    form = ProposalForm(request.POST, auto_id="revise-%s")
    if form.is_valid():
        try:
            proposal_revise(
                author=resident,
                proposal=proposal,
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
            )
        except ParticipationError as exc:
            form.add_error(_PROPOSAL_ERROR_FIELDS.get(exc.code), str(exc.message))
        else:
            messages.success(request, _("Thank you. Your changes are sent to the moderators."))
            return HttpResponseRedirect(
                reverse("frontend:proposal", args=[proposal.pk]), status=303
            )
    return _proposal_page(
        request,
        proposal,
        revise_form=form,
        errors=error_summary(form, form_id="revise-form"),
        status=400,
    )


@require_POST
def comment_create(request: HttpRequest, pk: int) -> HttpResponse:
    """A comment, or a reply when ``parent`` is set. Errors re-render the idea page with
    the text kept and a summary linking to the form that needs fixing."""
    proposal = _proposal_for(request, pk)
    resident = resident_from_request(request)
    page = reverse("frontend:proposal", args=[proposal.pk])
    if resident is None:
        return HttpResponseRedirect(sign_in_url(page))
    form = CommentForm(request.POST, auto_id="comment-%s")
    parent: Comment | None = None
    parent_id = request.POST.get("parent", "").strip()
    status = 400
    if form.is_valid():
        if form.cleaned_data.get("parent"):
            parent = comment_for_reply(proposal=proposal, pk=form.cleaned_data["parent"])
            if parent is None:
                form.add_error(None, _("The comment you replied to is not on this idea."))
        if form.is_valid():
            try:
                comment = comment_post(
                    author=resident,
                    proposal=proposal,
                    body=form.cleaned_data["body"],
                    channel=Channel.WEB,
                    parent=parent,
                )
            except ParticipationError as exc:
                form.add_error("body", str(exc.message))
                status = _status(exc)
            else:
                if comment.status == CommentStatus.PENDING:
                    messages.success(
                        request, _("Thank you. Your comment is shown once a moderator reviews it.")
                    )
                else:
                    messages.success(request, _("Your comment is posted."))
                return HttpResponseRedirect(f"{page}#comment-{comment.pk}")
    if parent_id.isdigit():
        # A reply: show the error inside that comment's reply form, text kept.
        reply_pk = int(parent_id)
        message = " ".join(str(m) for errs in form.errors.values() for m in errs)
        return _proposal_page(
            request,
            proposal,
            reply_errors={reply_pk: message},
            reply_text={reply_pk: request.POST.get("body", "")},
            errors=[{"target": f"reply-{reply_pk}-body", "message": message}],
            status=status,
        )
    return _proposal_page(
        request,
        proposal,
        comment_form=form,
        errors=error_summary(form, form_id=COMMENT_FORM_ID),
        status=status,
    )


@require_POST
def support_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = _proposal_for(request, pk)
    resident = resident_from_request(request)
    page = reverse("frontend:proposal", args=[proposal.pk])
    if resident is None:
        return HttpResponseRedirect(sign_in_url(page))
    try:
        if request.POST.get("action") == "remove":
            support_remove(resident=resident, proposal=proposal)
            messages.success(request, _("You no longer support this idea."))
        else:
            support_add(resident=resident, proposal=proposal)
            messages.success(request, _("You support this idea."))
    except ParticipationError as exc:
        messages.error(request, str(exc.message))
    return HttpResponseRedirect(f"{page}#support")
