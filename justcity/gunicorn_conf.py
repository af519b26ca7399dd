"""gunicorn settings of the production web server (the Procfile's ``web`` line):
several uvicorn worker processes, each serving HTTP and websockets.

Every value comes from the environment (docs/deploy.md lists them):

- ``WEB_CONCURRENCY``: worker processes. Default ``cores + 1``: Python runs one
  thread at a time per process, and a worker waiting on PostgreSQL leaves its core
  idle, so one more process than cores keeps them busy; with the connections spread
  evenly (below), five workers on the 2-core reference machine did worse than three
  (``python -m bench.load``: see docs/deploy.md).
- ``WEB_REUSE_PORT``: on by default. Each worker listens on a socket of its own
  (SO_REUSEPORT) and the kernel spreads new connections over them. On one shared
  socket, the first worker awake accepts a whole burst: a load test's 32 connections
  all sat on one worker of five (one core busy, the other idle) and the ratio to
  pgbench fell from 0.10-0.14 to 0.077. Set ``net.ipv4.tcp_migrate_req = 1`` so a
  worker that stops hands its not yet accepted connections to the others.
- ``PORT`` / ``WEB_BIND``: where to listen (``127.0.0.1:8000``; behind the proxy).
- ``WEB_TIMEOUT``: seconds before a stuck worker is killed and replaced.
- ``WEB_MAX_REQUESTS``: recycle a worker after this many requests (0: never).
"""

from __future__ import annotations

import os

from justcity.env import env_bool, env_int

wsgi_app = "justcity.asgi:application"
worker_class = "uvicorn_worker.UvicornWorker"
workers = env_int("WEB_CONCURRENCY", (os.cpu_count() or 1) + 1)
bind = os.environ.get("WEB_BIND") or f"127.0.0.1:{env_int('PORT', 8000)}"
timeout = env_int("WEB_TIMEOUT", 30)
graceful_timeout = env_int("WEB_GRACEFUL_TIMEOUT", 20)
keepalive = 5
reuse_port = env_bool("WEB_REUSE_PORT", True)
max_requests = env_int("WEB_MAX_REQUESTS", 0)
max_requests_jitter = max_requests // 10
# Our access log is the proxy's; gunicorn logs errors and worker restarts.
accesslog = os.environ.get("WEB_ACCESS_LOG") or None
errorlog = "-"
# X-Forwarded-Proto and X-Forwarded-For are trusted from the proxy on loopback only
# (uvicorn's proxy headers); set FORWARDED_ALLOW_IPS to the proxy's address otherwise.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# gunicorn's control socket sits at one fixed path per user; two stacks on one machine
# (a load test beside a deployment) would fight over it, and we do not use it.
control_socket_disable = True


def post_worker_init(worker: object) -> None:
    """Warm the worker before it takes traffic: import every view (the URLconf), load
    each language's catalogue and read the migrations on disk. A cold worker's first
    requests otherwise pay for seconds of imports, and under load one took longer than
    Twilio's 15 s webhook limit (``python -m bench.drills``). The channel layer (redis'
    client library, imported by a worker's first websocket: 7% of the web workers' CPU
    in a 20 s ``bench.load`` level) and psycopg's pool are built here too."""
    from channels.layers import get_channel_layer
    from django.conf import settings
    from django.urls import get_resolver
    from django.utils import translation
    from django.utils.module_loading import import_string

    from justcity.health import migrations_on_disk

    get_resolver().url_patterns  # noqa: B018 - the import is the point
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("Vote")
    import_string(settings.SMS_BACKEND)  # the gateway's client library (twilio)
    get_channel_layer()  # no connection yet: channels_redis connects on first use
    if settings.DATABASES["default"].get("OPTIONS", {}).get("pool"):
        import psycopg_pool  # noqa: F401 - Django imports it on the first connection
    migrations_on_disk()
