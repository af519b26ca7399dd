"""URLs for tests/justcity/test_asgi_handler.py: views that record the thread they ran in."""

from __future__ import annotations

import threading
from collections.abc import Iterator

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

SEEN: list[tuple[str, str]] = []  # (what, thread name), in order


@csrf_exempt  # the form is posted without a token: the handler, not CSRF, is tested
def plain(request: HttpRequest) -> HttpResponse:
    SEEN.append(("view", threading.current_thread().name))
    response = HttpResponse(f"posted={request.POST.get('x', '')}")
    response.set_cookie("flavour", "oat")
    return response


def streamed(request: HttpRequest) -> StreamingHttpResponse:
    SEEN.append(("view", threading.current_thread().name))

    def chunks() -> Iterator[bytes]:
        for i in range(3):
            SEEN.append(("chunk", threading.current_thread().name))
            yield f"part{i};".encode()

    return StreamingHttpResponse(chunks(), content_type="text/plain")


def broken(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug in a view")


urlpatterns = [
    path("plain/", plain),
    path("streamed/", streamed),
    path("broken/", broken),
    path("", include("justcity.urls")),  # the error pages reverse the site's URLs
]
