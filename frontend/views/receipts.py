from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from budgets.receipts import receipt_display, receipt_normalise
from budgets.selectors import receipt_status
from frontend.forms import ReceiptForm, error_summary


def _page(request: HttpRequest, form: ReceiptForm, code: str | None) -> HttpResponse:
    """Counted or replaced, and when; never the choices. Unknown codes answer 404 with
    the form, so a typo is easy to fix."""
    status = None
    looked_up = False
    http_status = 200
    if code is not None:
        looked_up = True
        status = receipt_status(code)
        if status is None:
            http_status = 404
    errors = error_summary(form, form_id="receipt-form") if form.is_bound and form.errors else []
    if errors:
        http_status = 400
    normalised = receipt_normalise(code or "")
    return render(
        request,
        "frontend/receipt.html",
        {
            "form": form,
            "errors": errors,
            "looked_up": looked_up,
            "status": status,
            "code_display": receipt_display(normalised) if normalised else "",
        },
        status=http_status,
    )


def receipt_check(request: HttpRequest) -> HttpResponse:
    """GET /receipt/ shows the form; GET /receipt/?code=… answers it."""
    if "code" not in request.GET:
        return _page(request, ReceiptForm(auto_id="receipt-%s"), None)
    form = ReceiptForm(request.GET, auto_id="receipt-%s")
    if not form.is_valid():
        return _page(request, form, None)
    return _page(request, form, form.cleaned_data["code"])


def receipt_detail(request: HttpRequest, code: str) -> HttpResponse:
    form = ReceiptForm(initial={"code": code[:40]}, auto_id="receipt-%s")
    return _page(request, form, code[:40])
