"""Every staff URL and every admin page, requested by every kind of outsider: an
anonymous visitor, a signed-in resident, a staff account holding no permission, and a
moderator guessing ids of pages its role does not open. Each gets a 403, a 404 or a
redirect to the staff sign-in, never data.

Generic on purpose: the staff URL patterns are walked from the resolver and the admin
pages from ``admin.site._registry``, so a page added later is covered without a change
here. Ids guessed: an existing object's, one that does not exist, and one that
overflows a 64-bit integer.

A plain moderator is refused every page its role does not open; a moderator scoped to
one neighbourhood who guesses the ids of another neighbourhood's items on the pages its
role does open gets 404s, and its bulk and decision forms change nothing there.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

import justcity.urls  # noqa: F401  (registers the admin modules)
from participation import roles
from tests.factories import ResidentFactory, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"
OVERFLOW = str(2**64)
# The SMS staff pages live in the sms app (/sms/staff/); they are walked too, and so
# is the simulator, which with a real gateway is a staff page.
EXTRA_NAMESPACES = {"sms": ("queue", "broadcast", "simulator")}


def _patterns(namespace: str) -> list[URLPattern]:
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and entry.namespace == namespace:
            return [p for p in entry.url_patterns if isinstance(p, URLPattern)]
    raise AssertionError(f"no {namespace} namespace")


# Words guessed for string parts of staff URLs (kinds of moderated items, and junk).
WORD_GUESSES = ("proposal", "comment", "resident", "x")


def _guesses(pattern: URLPattern) -> Iterator[dict[str, str]]:
    converters = pattern.pattern.converters
    if not converters:
        yield {}
        return
    for guess in ("1", "987654", OVERFLOW):
        for word in WORD_GUESSES:
            yield {
                name: guess if type(conv).__name__ == "IntConverter" else word
                for name, conv in converters.items()
            }


def staff_urls() -> list[tuple[str, tuple[str, ...]]]:
    """(url, permissions the view needs) for every staff page and guessed id."""
    urls = []
    for pattern in _patterns("staff"):
        perms = getattr(pattern.callback, "staff_permissions", None)
        assert perms, f"staff:{pattern.name} is not wrapped by staff.access"
        for kwargs in _guesses(pattern):
            try:
                url = reverse(f"staff:{pattern.name}", kwargs=kwargs)
            except NoReverseMatch:  # an id some converter refuses: not routable
                continue
            urls.append((url, tuple(perms)))
    for namespace, names in EXTRA_NAMESPACES.items():
        for pattern in _patterns(namespace):
            if pattern.name in names:
                perms = getattr(pattern.callback, "staff_permissions", None)
                assert perms, f"{namespace}:{pattern.name} names no permission"
                urls.append((reverse(f"{namespace}:{pattern.name}"), tuple(perms)))
    return urls


def admin_urls() -> list[tuple[str, Any]]:
    """(url, model admin) for every registered model's changelist, add, change,
    delete and history pages, with an existing id (if any) and guessed ones."""
    urls = []
    for model, model_admin in admin.site._registry.items():
        info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        urls.append((reverse(f"{info}_changelist"), model_admin))
        urls.append((reverse(f"{info}_add"), model_admin))
        first = model._default_manager.order_by("pk").values_list("pk", flat=True).first()
        for guess in {str(first) if first is not None else "1", "987654", OVERFLOW}:
            for view in ("change", "delete", "history"):
                urls.append((reverse(f"{info}_{view}", args=[guess]), model_admin))
    return urls


# Every method is tried: a view that answered a method it does not take (405) before
# its permission check would tell an outsider that the URL exists.
METHODS = ("get", "post", "put", "delete")


def assert_refused(response: Any, url: str, who: str) -> None:
    status = response.status_code
    if status == 302:
        assert response["Location"].startswith(LOGIN), (who, url, response["Location"])
        return
    # Never 405: the permission check runs before the method check, on every method.
    assert status in (403, 404), (who, url, response.request["REQUEST_METHOD"], status)


def assert_refused_every_method(client: Client, url: str, who: str) -> None:
    for method in METHODS:
        assert_refused(getattr(client, method)(url), url, who)


@pytest.fixture
def seeded(settings: Any) -> None:
    """Some rows in every table the admin shows, so the existing-id guesses hit."""
    from django.core.management import call_command

    call_command("load_demo", verbosity=0)
    # A real gateway: the simulator is a staff page, not the demo's open phone.
    settings.SMS_BACKEND = "sms.backends.locmem.SmsBackend"


def outsiders() -> dict[str, Client]:
    anonymous = Client()
    resident = Client()
    session = resident.session
    session["resident_id"] = ResidentFactory().pk
    session.save()
    bare = Client()
    bare.force_login(UserFactory(username="bare-staff"))  # is_staff, no permission
    return {"anonymous": anonymous, "resident": resident, "staff without permissions": bare}


def moderator() -> tuple[Any, Client]:
    user = UserFactory(username="guessing-moderator")
    user.groups.add(Group.objects.get(name=roles.MODERATOR))
    client = Client()
    client.force_login(user)
    return user, client


def test_every_staff_url_refuses_outsiders(seeded: None) -> None:
    urls = staff_urls()
    assert any(url.rstrip("/").endswith("/staff") for url, _perms in urls)
    # The SMS staff pages keep their URLs under /sms/staff/ (scripts use them).
    walked = {url for url, _perms in urls}
    assert {"/sms/staff/queue/", "/sms/staff/broadcast/", "/sms/simulator/"} <= walked
    for who, client in outsiders().items():
        for url, _perms in urls:
            assert_refused_every_method(client, url, who)


def test_every_admin_page_refuses_outsiders(seeded: None) -> None:
    urls = admin_urls()
    assert len(urls) > 50
    for who, client in outsiders().items():
        for url, _model_admin in urls:
            assert_refused(client.get(url), url, who)


def test_a_moderator_guessing_ids_gets_nothing_its_role_does_not_open(seeded: None) -> None:
    user, client = moderator()
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = user
    checked = 0
    for url, perms in staff_urls():
        if user.has_perms([p for p in perms if "." in p]) and all("." in p for p in perms):
            continue  # the role opens it: the scoped case is for the merge (see above)
        if "any staff role" in perms and user.get_all_permissions():
            continue
        assert_refused_every_method(client, url, "moderator")
        checked += 1
    for url, model_admin in admin_urls():
        if model_admin.has_view_or_change_permission(request) or model_admin.has_add_permission(
            request
        ):
            continue
        assert_refused(client.get(url), url, "moderator")
        checked += 1
    assert checked > 50


def test_staff_home_lists_only_what_the_role_opens(seeded: None) -> None:
    user = UserFactory(username="comms")
    user.groups.add(Group.objects.get(name=roles.COMMUNICATIONS))
    client = Client()
    client.force_login(user)
    html = client.get("/staff/").content.decode()
    assert reverse("sms:broadcast") in html
    assert reverse("staff:audit") not in html
    admin_user = UserFactory(username="city-admin")
    admin_user.groups.add(Group.objects.get(name=roles.ADMIN))
    client.force_login(admin_user)
    html = client.get("/staff/").content.decode()
    assert reverse("staff:audit") in html and reverse("admin:index") in html


def test_a_scoped_moderator_guessing_ids_of_another_neighbourhood_gets_nothing() -> None:
    from participation.models import ModeratorScope, ProposalStatus
    from tests.factories import CommentFactory, NeighbourhoodFactory, ProposalFactory

    mine, theirs = NeighbourhoodFactory(), NeighbourhoodFactory()
    user, client = moderator()
    ModeratorScope.objects.create(user=user, neighbourhood=mine)
    idea = ProposalFactory(neighbourhood=theirs, title="Their secret idea")
    comment = CommentFactory(proposal=idea, body="Their secret comment")
    for kind, pk in (("proposal", idea.pk), ("comment", comment.pk)):
        for name in ("moderation-item",):
            url = reverse(f"staff:{name}", args=[kind, pk])
            assert client.get(url).status_code == 404, url
        url = reverse("staff:moderation-note", args=[kind, pk])
        assert client.post(url, {"body": "guess"}).status_code == 404
        decide = client.post(
            reverse("staff:moderation-decide"), {"kind": kind, "pk": pk, "action": "hide"}
        )
        assert decide.status_code == 404
    client.post(
        reverse("staff:moderation-bulk"),
        {"action": "approve", "items": [f"proposal:{idea.pk}", f"comment:{comment.pk}"]},
    )
    idea.refresh_from_db()
    comment.refresh_from_db()
    assert idea.status == ProposalStatus.SUBMITTED and comment.status == "visible"
    page = client.get(reverse("staff:moderation")).content.decode()
    assert "Their secret idea" not in page and "Their secret comment" not in page
