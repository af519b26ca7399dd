"""The staff start page: the pages this account's role may open, and nothing for an
account that holds no staff permission (403)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.translation import gettext_lazy as _

from core.selectors import processes_current_and_past
from sms.backends import sms_is_demo_backend
from staff.access import ANY_ROLE, staff_role_required

# Titles of the staff pages by URL name; a page added later without one is listed
# under its URL name, so nothing a role may open is left off.
PAGE_TITLES = {
    "moderation": _("Moderation queue"),
    "review": _("Review and costing"),
    "pilots": _("Pilots: reports and API tokens"),
    "audit": _("Audit log"),
    "mfa": _("Your authenticator (second factor)"),
}


@dataclass(frozen=True)
class StaffLink:
    title: str
    url: str


def _staff_patterns() -> list[Any]:
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and entry.namespace == "staff":
            return list(entry.url_patterns)
    return []


def _may_open(user: Any, permissions: tuple[str, ...]) -> bool:
    return all(perm == ANY_ROLE or user.has_perm(perm) for perm in permissions)


def staff_links(user: Any) -> list[StaffLink]:
    """Every page under /staff/ (without URL arguments) whose permissions ``user``
    holds, then the admin, the SMS pages and the simulator where the role allows."""
    links = []
    for pattern in _staff_patterns():
        if not isinstance(pattern, URLPattern) or pattern.pattern.converters:
            continue
        perms = getattr(pattern.callback, "staff_permissions", None)
        if perms is None or pattern.name == "home" or not _may_open(user, perms):
            continue
        title = PAGE_TITLES.get(pattern.name or "", pattern.name or "")
        links.append(StaffLink(str(title), reverse(f"staff:{pattern.name}")))
    if user.is_staff and any(
        user.has_module_perms(app) for app in ("core", "budgets", "participation", "maps", "auth")
    ):
        links.append(StaffLink(str(_("Admin")), reverse("admin:index")))
    if user.has_perm("sms.send_broadcast"):
        links.append(StaffLink(str(_("Send an SMS broadcast")), reverse("sms:broadcast")))
    if user.has_perm("sms.view_outboundmessage"):
        links.append(StaffLink(str(_("Outbound SMS queue")), reverse("sms:queue")))
    if sms_is_demo_backend() or user.has_perm("sms.use_simulator"):
        links.append(StaffLink(str(_("SMS simulator")), reverse("sms:simulator")))
    return links


@staff_role_required
def staff_home(request: HttpRequest) -> HttpResponse:
    user = request.user
    current, past = processes_current_and_past()
    return render(
        request,
        "staff/home.html",
        {
            "links": staff_links(user),
            "processes": current + past,
            "can": {
                "codes": user.has_perm("participation.issue_voter_codes"),
                "enter": user.has_perm("budgets.enter_paper_ballots"),
                "void": user.has_perm("budgets.void_paper_ballots"),
                "delivery": user.has_perm("budgets.update_delivery"),
                "publish": user.has_perm("core.publish_results"),
            },
        },
    )
