"""HTTP entry points of the SMS app. Each parses, calls one service, renders.

- Twilio webhooks (``csrf_exempt``; authenticated by ``X-Twilio-Signature`` instead):
  the signature is checked against ``PUBLIC_BASE_URL`` + the path and query Twilio
  called, so it holds behind a reverse proxy; a bad or missing one is a 403 before
  anything is read or stored. A malformed request is a 400, never a 500.
- Staff pages (queue, broadcast) and the simulator: server-rendered forms with CSRF,
  working without JavaScript.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import User
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseForbidden,
    HttpResponseRedirect,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from participation.identity import phone_hash
from sms.backends import sms_is_demo_backend
from sms.backends.twilio import error_code_is_opt_out, signature_valid, twiml
from sms.forms import BroadcastForm, SimulatorForm, simulator_sid
from sms.models import OutboundMessage, OutboundStatus
from sms.outbound import outbound_status_record
from sms.phone_display import mask_phone
from sms.selectors import inbound_thread, outbound_queue, outbound_status_counts
from sms.sending import REQUEUE_PERMISSION, outbound_send_due_by_staff
from sms.services import (
    BroadcastError,
    SmsInputError,
    broadcast_recipients,
    sms_broadcast,
    sms_receive,
    split_replies,
)

logger = logging.getLogger(__name__)

SIMULATOR_SESSION_KEY = "sms_simulator_sender"


def _twilio_signed(request: HttpRequest) -> bool:
    url = settings.PUBLIC_BASE_URL + request.get_full_path()
    ok = signature_valid(
        auth_token=settings.TWILIO_AUTH_TOKEN,
        url=url,
        params=request.POST,
        signature=request.headers.get("X-Twilio-Signature", ""),
    )
    if not ok:
        logger.warning("twilio webhook %s refused: bad or missing signature", request.path)
    return ok


@csrf_exempt
@require_POST
def twilio_inbound(request: HttpRequest) -> HttpResponse:
    """Twilio's "A message comes in" webhook (and its fallback URL): answer with TwiML."""
    if not _twilio_signed(request):
        return HttpResponseForbidden("invalid signature")
    try:
        received = sms_receive(
            provider="twilio",
            message_sid=request.POST.get("MessageSid") or request.POST.get("SmsMessageSid", ""),
            sender=request.POST.get("From", ""),
            to=request.POST.get("To", ""),
            body=request.POST.get("Body", ""),
        )
    except SmsInputError as exc:
        return HttpResponseBadRequest(str(exc))
    return HttpResponse(twiml(received.replies), content_type="application/xml; charset=utf-8")


@csrf_exempt
@require_POST
def twilio_status(request: HttpRequest) -> HttpResponse:
    """Twilio's StatusCallback for messages we sent (``?m=<our id>`` in the URL)."""
    if not _twilio_signed(request):
        return HttpResponseForbidden("invalid signature")
    raw_id = request.GET.get("m", "")
    if raw_id and not (raw_id.isascii() and raw_id.isdigit() and len(raw_id) <= 18):
        return HttpResponseBadRequest("bad message id")
    provider_id = request.POST.get("MessageSid", "")[:64]
    provider_status = request.POST.get("MessageStatus") or request.POST.get("SmsStatus", "")
    if not provider_status or not (raw_id or provider_id):
        return HttpResponseBadRequest("MessageStatus and MessageSid are required")
    error_code = request.POST.get("ErrorCode", "")[:16]
    outbound_status_record(
        message_id=int(raw_id) if raw_id else None,
        provider_id=provider_id,
        provider_status=provider_status[:20],
        error_code=error_code,
        opted_out=error_code_is_opt_out(error_code),
    )
    # Twilio only needs a 2xx; an unknown message is not an error worth a retry.
    return HttpResponse(status=204)


# --- simulator -----------------------------------------------------------------------------


def simulator_open_to_all() -> bool:
    """The demo: with the console backend (never in production) anyone may try SMS
    voting in the browser, as any number. With a real gateway only staff holding
    ``sms.use_simulator`` may, and only as a reserved test number, whose ballots never
    count (``SMS_TEST_NUMBER_PREFIX``, ``Ballot.test``)."""
    return sms_is_demo_backend()


def _staff_permission(permission: str) -> Callable[..., Any]:
    """The staff pages of this app check a named permission, never ``is_staff``.
    (``staff.access`` stands above this floor; this is its twin for the SMS pages.)"""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not (request.user.is_active and request.user.has_perm(permission)):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.staff_permissions = (permission,)  # type: ignore[attr-defined]
        return wrapped

    return decorate


def _simulator_gate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Open to all with the demo backend; with a real gateway a staff page needing
    ``sms.use_simulator``, checked before anything else (a wrong method included)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not simulator_open_to_all():
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not (request.user.is_active and request.user.has_perm("sms.use_simulator")):
                return HttpResponseForbidden()
        return view(request, *args, **kwargs)

    wrapped.staff_permissions = ("sms.use_simulator",)  # type: ignore[attr-defined]
    return wrapped


@_simulator_gate
@require_http_methods(["GET", "POST"])
def simulator(request: HttpRequest) -> HttpResponse:
    """A phone in the browser: text as any number, read the replies. Calls the same
    ``sms_receive`` as the Twilio webhook (provider ``simulator``, synthetic SIDs)."""
    open_to_all = simulator_open_to_all()
    sender = request.session.get(SIMULATOR_SESSION_KEY, "")
    if request.method == "POST":
        form = SimulatorForm(request.POST, test_numbers_only=not open_to_all)
        if form.is_valid():
            sms_receive(
                provider="simulator",
                message_sid=form.cleaned_data["message_sid"],
                sender=form.cleaned_data["sender"],
                to="simulator",
                body=form.cleaned_data["body"],
            )
            request.session[SIMULATOR_SESSION_KEY] = form.cleaned_data["sender"]
            # The fragment brings the newest message into view, even without JavaScript.
            return HttpResponseRedirect(reverse("sms:simulator") + "#sms-latest")
        status = 400  # shown again with its errors
    else:
        default_sender = "+14155550100" if open_to_all else settings.SMS_TEST_NUMBER_PREFIX + "0"
        form = SimulatorForm(
            initial={"sender": sender or default_sender}, test_numbers_only=not open_to_all
        )
        status = 200
    thread = []
    older_than = None
    notices: list[OutboundMessage] = []
    before = request.GET.get("before", "")
    if sender:
        digest = phone_hash(sender)
        page = inbound_thread(digest, before=int(before) if before.isdecimal() else None)
        thread = [(m, split_replies(m.reply)) for m in page.messages]
        older_than = page.older_than
        notices = list(OutboundMessage.objects.filter(to_hash=digest).order_by("-created_at")[:10])
    return render(
        request,
        "sms/simulator.html",
        {
            "form": form,
            # A fresh id for every send; a resubmitted page reuses its id (a replay).
            "message_sid": simulator_sid(),
            "sender": sender,
            "sender_masked": mask_phone(sender) if sender else "",
            "thread": thread,
            "older_than": older_than,
            "paged": bool(before.isdecimal()),
            "notices": notices,
        },
        status=status,
    )


# --- staff: queue and broadcast --------------------------------------------------------------


@_staff_permission("sms.view_outboundmessage")
@require_http_methods(["GET", "POST"])
def queue(request: HttpRequest) -> HttpResponse:
    """The outbound queue for staff: counts by status, the latest rows (numbers
    masked), and a button that sends whatever is due now (the sweeper)."""
    if request.method == "POST":
        if not request.user.has_perm(REQUEUE_PERMISSION):
            raise PermissionDenied
        sent = outbound_send_due_by_staff(actor=request.user)
        messages.success(request, _("Sent %(n)d due message(s).") % {"n": sent})
        return redirect("sms:queue")
    status = request.GET.get("status", "")
    if status not in OutboundStatus.values:
        status = ""
    page = Paginator(outbound_queue(status or None), 50).get_page(request.GET.get("page"))
    rows = [(m, mask_phone(m.to_e164)) for m in page.object_list]
    counts = outbound_status_counts()
    return render(
        request,
        "sms/queue.html",
        {
            "page": page,
            "rows": rows,
            "status": status,
            "statuses": [
                (value, label, counts.get(value, 0)) for value, label in OutboundStatus.choices
            ],
        },
    )


@_staff_permission("sms.send_broadcast")
@require_http_methods(["GET", "POST"])
def broadcast(request: HttpRequest) -> HttpResponse:
    """Staff send a notice to the opted-in residents of chosen neighbourhoods."""
    form = BroadcastForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            sent = sms_broadcast(
                author=cast(User, request.user),  # signed in: checked above
                neighbourhood_ids=[n.pk for n in form.cleaned_data["neighbourhoods"]],
                texts=form.texts(),
            )
        except BroadcastError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("Broadcast queued to %(n)d resident(s).") % {"n": sent.recipients},
            )
            return redirect("sms:queue")
    reach = None
    if form.is_bound and form.is_valid():
        reach = broadcast_recipients([n.pk for n in form.cleaned_data["neighbourhoods"]]).count()
    return render(
        request,
        "sms/broadcast.html",
        {"form": form, "reach": reach},
        status=400 if form.is_bound else 200,
    )
