"""ASGI entry point: HTTP through Django, websockets through Channels. Served by gunicorn
with uvicorn workers in production (the Procfile's ``web``), by daphne for ``make run``."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "justcity.settings")
# Django must be set up before anything imports models (the routing does).
django.setup(set_prefix=False)

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402

from justcity.asgi_handler import OneThreadASGIHandler  # noqa: E402
from justcity.request_limit import ConcurrencyLimit  # noqa: E402
from justcity.routing import websocket_urlpatterns  # noqa: E402

django_asgi_app = OneThreadASGIHandler(threads=settings.WEB_THREADS)

application = ProtocolTypeRouter(
    {
        "http": ConcurrencyLimit(
            django_asgi_app,
            max_concurrent=settings.WEB_MAX_CONCURRENT,
            queue_timeout=settings.WEB_QUEUE_TIMEOUT,
            retry_after=settings.RETRY_AFTER_SECONDS,
        ),
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)
