"""Enrolling a staff authenticator (TOTP): start, scan the QR code or type the
otpauth:// URI into an app, confirm with the first code. Shown once, on the page that
started it; nothing secret is kept in the session."""

from __future__ import annotations

import segno
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts.staff_mfa import MfaError, staff_totp_confirm, staff_totp_device, staff_totp_start
from staff.access import staff_role_required
from staff.forms import TotpConfirmForm


@never_cache
@staff_role_required
@require_http_methods(["GET", "POST"])
def mfa_enrol(request: HttpRequest) -> HttpResponse:
    enrolled = staff_totp_device(request.user) is not None
    context: dict[str, object] = {"enrolled": enrolled, "form": None}
    status = 200
    if request.method == "POST" and request.POST.get("step") == "start":
        device = staff_totp_start(user=request.user)
        uri = device.config_url
        context.update(
            form=TotpConfirmForm(initial={"device": device.pk}),
            otpauth_uri=uri,
            qr_svg=segno.make(uri, error="m").svg_data_uri(scale=4),
        )
    elif request.method == "POST":
        form = TotpConfirmForm(request.POST)
        if form.is_valid():
            try:
                staff_totp_confirm(
                    user=request.user,
                    device_id=form.cleaned_data["device"],
                    token=form.cleaned_data["token"],
                )
            except MfaError:
                form.add_error(
                    "token", _("That code is not right, or this setup expired: start again.")
                )
            else:
                messages.success(
                    request, _("Authenticator enrolled: sign-ins now ask for its code.")
                )
                return redirect("staff:mfa")
        context["form"] = form
        status = 400
    return render(request, "staff/mfa.html", context, status=status)
