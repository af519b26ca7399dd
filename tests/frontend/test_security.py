"""XSS corpus inert, CSRF on every form, CSP with nonces on every HTML page, and bad
input answered with 4xx, never a 500."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from core.models import Process
from maps.models import Neighbourhood
from participation.models import Comment, Proposal, ProposalStatus, Resident
from tests.factories import ProjectFactory, square
from tests.frontend.conftest import sign_in
from tests.frontend.html import Page, parse

pytestmark = pytest.mark.django_db

CORPUS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "{{ 7*7 }}{% debug %}",
    "</script><script>alert(1)</script>",
    "\u202egnp.exe",
    "'; alert(1); '",
]
PAYLOAD = " ".join(CORPUS)


@pytest.fixture
def hostile(city: Process, area: Neighbourhood, voter: Resident) -> dict[str, Any]:
    """Every user- or staff-typed text on the pages carries the corpus."""
    city.title = "Budget " + PAYLOAD
    city.description = PAYLOAD
    city.save()
    evil_area = Neighbourhood.objects.create(
        name="Hood " + CORPUS[1], slug="evil-hood", boundary=square(-73.9, 4.7)
    )
    project = ProjectFactory(
        pot=city.pots.get(neighbourhood=None),
        process=city,
        short_code=50,
        title="Project " + PAYLOAD,
        description=PAYLOAD,
        implementation_note=PAYLOAD,
        implementation_status="in_progress",
        neighbourhood=evil_area,
        lat=4.705,
        lng=-73.895,
    )
    proposal = Proposal.objects.create(
        process=city,
        author=voter,
        title="Idea " + PAYLOAD[:150],
        body=PAYLOAD,
        address=CORPUS[1],
        status=ProposalStatus.APPROVED,
        neighbourhood=evil_area,
        lat=4.705,
        lng=-73.895,
    )
    parent = Comment.objects.create(proposal=proposal, author=voter, body=PAYLOAD)
    Comment.objects.create(proposal=proposal, author=voter, parent=parent, body=PAYLOAD)
    return {"project": project, "proposal": proposal, "area": evil_area}


def html_urls(city: Process, hostile: dict[str, Any]) -> list[str]:
    return [
        "/",
        "/neighbourhoods/",
        f"/neighbourhoods/{hostile['area'].slug}/",
        f"/processes/{city.slug}/",
        f"/processes/{city.slug}/map/",
        f"/processes/{city.slug}/ballot/",
        f"/processes/{city.slug}/propose/",
        f"/processes/{city.slug}/results/",
        f"/processes/{city.slug}/delivery/",
        f"/proposals/{hostile['proposal'].pk}/",
        f"/projects/{hostile['project'].pk}/",
        "/receipt/",
        "/receipt/?code=" + CORPUS[1][:30],
        "/sign-in/",
        "/sign-in/voter-code/",
        "/sign-out/",
        "/me/neighbourhood/",
        "/no/such/page/",
    ]


def assert_inert(page: Page, raw: str, url: str) -> None:
    assert "<script>alert(1)</script>" not in raw, url
    assert "<img src=x" not in raw, url
    for tag in page.tags:
        for name, value in tag.attrs.items():
            assert not name.startswith("on"), (url, tag)
            assert name != "style", (url, tag)
            if name in ("href", "src", "action"):
                assert not (value or "").strip().lower().startswith("javascript:"), (url, tag)
        if tag.name == "img":
            assert tag.attrs.get("src") != "x", url
    for script in page.named("script"):
        assert "alert(1)" not in script.text or script.attrs.get("type") == "application/json", url


def csp_nonce(response: Any) -> str:
    header = response["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in header
    assert "'unsafe-inline'" not in header
    match = re.search(r"'nonce-([^']+)'", header)
    assert match
    return match.group(1)


def test_xss_corpus_renders_inert_with_csp_on_every_page(
    voter_client: Client, city: Process, hostile: dict[str, Any]
) -> None:
    for url in html_urls(city, hostile):
        response = voter_client.get(url)
        assert response.status_code in (200, 404), url
        assert response["Content-Type"].startswith("text/html")
        raw = response.content.decode()
        page = parse(raw)
        assert_inert(page, raw, url)
        nonce = csp_nonce(response)
        for script in page.named("script"):
            kind = script.attrs.get("type")
            if kind == "application/json":
                continue  # data, never executed
            if "src" not in script.attrs:
                assert script.attrs.get("nonce") == nonce, (url, script.text[:80])
            else:
                assert script.attrs["src"].startswith("/static/"), url  # type: ignore[union-attr]
    # Typed text is shown as text, template syntax included.
    proposal_page = voter_client.get(f"/proposals/{hostile['proposal'].pk}/").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in proposal_page
    assert "{{ 7*7 }}{% debug %}" in proposal_page


def test_csp_with_nonce_on_every_html_page(
    voter_client: Client, city: Process, idea: Proposal
) -> None:
    urls = [
        "/",
        f"/processes/{city.slug}/",
        f"/processes/{city.slug}/map/",
        f"/processes/{city.slug}/ballot/",
        f"/processes/{city.slug}/propose/",
        f"/proposals/{idea.pk}/",
        "/sign-in/",
        "/receipt/?code=nope",
        "/no/such/page/",
    ]
    for url in urls:
        response = voter_client.get(url)
        nonce = csp_nonce(response)
        header = response["Content-Security-Policy"]
        assert "style-src 'self' 'nonce-" in header and "frame-ancestors 'none'" in header
        inline = [
            s
            for s in parse(response.content).named("script")
            if "src" not in s.attrs and s.attrs.get("type") != "application/json"
        ]
        assert all(s.attrs.get("nonce") == nonce for s in inline), url
    # Map pages have inline scripts (the Leaflet loader): they carry the nonce too.
    map_page = voter_client.get(f"/processes/{city.slug}/map/")
    scripts = parse(map_page.content).named("script")
    assert any("src" not in s.attrs and s.attrs.get("type") != "application/json" for s in scripts)


def test_json_data_cannot_close_its_script_tag(
    client: Client, city: Process, hostile: dict[str, Any]
) -> None:
    raw = client.get(f"/processes/{city.slug}/map/").content.decode()
    data_block = raw[raw.index('id="map-data"') :]
    data_block = data_block[: data_block.index("</script>")]
    assert "\\u003C/script\\u003E" in data_block


def test_rtl_override_is_isolated(client: Client, city: Process, idea: Proposal) -> None:
    idea.title = "Parks \u202etxet desrever"
    idea.save()
    raw = client.get(f"/processes/{city.slug}/").content.decode()
    # User titles sit in <bdi>: a right-to-left override cannot flip the text around them.
    assert "<bdi>Parks \u202etxet desrever</bdi>" in raw


def test_sms_sign_in_flow_keeps_csp_and_csrf(
    django_capture_on_commit_callbacks: Callable[..., Any], db: None
) -> None:
    browser = Client(enforce_csrf_checks=True)
    assert browser.post("/sign-in/", {"phone": "+14155550123"}).status_code == 403
    page = parse(browser.get("/sign-in/").content)
    token = next(
        t.attrs["value"]
        for t in page.named("input")
        if t.attrs.get("name") == "csrfmiddlewaretoken"
    )
    with django_capture_on_commit_callbacks(execute=True):
        ok = browser.post("/sign-in/", {"phone": "+14155550123", "csrfmiddlewaretoken": token})
    assert ok.status_code == 302


def test_every_post_endpoint_enforces_csrf(
    voter: Resident, city: Process, idea: Proposal, area: Neighbourhood
) -> None:
    browser = sign_in(Client(enforce_csrf_checks=True), voter)
    posts = {
        f"/processes/{city.slug}/ballot/": {"project": "1"},
        f"/processes/{city.slug}/propose/": {"title": "x", "neighbourhood": area.pk},
        f"/proposals/{idea.pk}/comments/": {"body": "x"},
        f"/proposals/{idea.pk}/support/": {"action": "add"},
        "/me/neighbourhood/": {"neighbourhood": area.pk},
        "/language/": {"language": "es"},
        "/sign-in/": {"phone": "+14155550123"},
        "/sign-in/code/": {"code": "123456"},
        "/sign-in/voter-code/": {"code": "AAAA"},
        "/sign-out/": {},
    }
    for url, data in posts.items():
        response = browser.post(url, data)
        assert response.status_code == 403, url
        assert "Form expired" in response.content.decode(), url
    # Every POST form on the pages carries a token.
    pages = [
        f"/processes/{city.slug}/ballot/",
        f"/proposals/{idea.pk}/",
        f"/processes/{city.slug}/propose/",
        "/sign-in/",
    ]
    for url in pages:
        page = parse(browser.get(url).content)
        post_forms = [
            f for f in page.named("form") if (f.attrs.get("method") or "").lower() == "post"
        ]
        tokens = [t for t in page.named("input") if t.attrs.get("name") == "csrfmiddlewaretoken"]
        assert post_forms and len(tokens) == len(post_forms), url


@pytest.mark.parametrize(
    ("method", "url", "data"),
    [
        ("get", "/receipt/?code=%00%ff", {}),
        ("get", "/receipt/%E2%80%AE", {}),
        ("get", "/processes/{slug}/map/?neighbourhood=%00&status=%ff", {}),
        ("post", "/sign-in/", {"phone": "\x00" * 100}),
        ("post", "/sign-in/voter-code/", {"code": "x" * 1000}),
        ("post", "/processes/{slug}/propose/", {"title": "t", "lat": "1e999", "lng": "0"}),
        ("post", "/processes/{slug}/propose/", {"title": "t", "lat": "91", "lng": "0"}),
        ("post", "/processes/{slug}/propose/", {"title": "t", "neighbourhood": "1 OR 1=1"}),
        ("post", "/proposals/{idea}/comments/", {"body": "x", "parent": "abc"}),
        ("post", "/proposals/{idea}/comments/", {"body": "x" * 3000}),
        ("post", "/proposals/{idea}/support/", {"action": "\x00"}),
        ("post", "/me/neighbourhood/", {"neighbourhood": "-1"}),
        ("post", "/language/", {"language": "../../etc"}),
        ("post", "/processes/{slug}/", {}),
    ],
)
def test_bad_input_is_never_a_500(
    voter_client: Client, city: Process, idea: Proposal, method: str, url: str, data: dict[str, str]
) -> None:
    target = url.format(slug=city.slug, idea=idea.pk)
    response = getattr(voter_client, method)(target, data)
    assert response.status_code < 500, (target, response.status_code)
