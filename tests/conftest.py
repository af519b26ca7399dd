from __future__ import annotations

import multiprocessing
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_factoryboy import register

from tests import factories

# Channels' live server forks a child that can hang on the database once threads exist.
multiprocessing.set_start_method("spawn", force=True)

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED = REPO_ROOT.parent / "shared"

register(factories.UserFactory, "staff_user")
register(factories.NeighbourhoodFactory)
register(factories.ProcessFactory)
register(factories.PhaseFactory)
register(factories.PotFactory)
register(factories.ProjectFactory)
register(factories.ResidentFactory)
register(factories.BallotFactory)
register(factories.ProposalFactory)
register(factories.CommentFactory)
register(factories.PilotFactory)
register(factories.PilotReportFactory)


@pytest.fixture(autouse=True, scope="session")
def _compiled_catalogues() -> None:
    """The .mo files are not in git: compile every catalogue once for the whole suite
    (so any test, in any order or subset, renders es and fr), then drop any catalogue
    Django loaded before they existed."""
    from django.core.management import call_command
    from django.utils.translation import trans_real

    call_command("compile_translations", verbosity=0)
    trans_real._translations = {}  # type: ignore[attr-defined]
    trans_real._default = None  # type: ignore[attr-defined]


def shared_path(*parts: str) -> Path:
    """A file under ../shared, or a clean skip when the folder is absent (fresh clone)."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent (../shared is not beside this checkout)")
    return path


@pytest.fixture
def shared() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared is not beside this checkout")
    return SHARED


def _on_postgres() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # CI sets JUSTCITY_REQUIRE_SERVICES: there a missing service is a failure, not a skip.
    if os.environ.get("JUSTCITY_REQUIRE_SERVICES"):
        if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
            raise pytest.UsageError(
                "JUSTCITY_REQUIRE_SERVICES is set but DATABASE_URL is not PostgreSQL"
            )
        if not os.environ.get("REDIS_URL"):
            raise pytest.UsageError("JUSTCITY_REQUIRE_SERVICES is set but REDIS_URL is empty")
    for item in items:
        if item.get_closest_marker("postgres") and not os.environ.get(
            "DATABASE_URL", ""
        ).startswith(("postgres://", "postgresql://")):
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL (CI does)"))
        if item.get_closest_marker("redis") and not os.environ.get("REDIS_URL"):
            item.add_marker(pytest.mark.skip(reason="needs Redis: set REDIS_URL (CI does)"))


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Each test starts in the default language. A request in another language leaves
    that language active in the thread (LocaleMiddleware activates it per request and
    the next request activates its own), and texts written then would be filed under it
    by django-modeltranslation: a test must not inherit that from the one before."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _own_rate_limits() -> Iterator[None]:
    """Each test counts the API's rate limits afresh. With REDIS_URL (CI) the counters
    are in Redis, shared by every test and every run: a key prefix of the test's own
    keeps one test's requests off another's limit."""
    from django.core.cache import caches

    throttle = caches["throttle"]
    prefix = throttle.key_prefix
    throttle.key_prefix = f"test-{uuid.uuid4().hex}"
    throttle.clear()
    yield
    throttle.clear()
    throttle.key_prefix = prefix


@pytest.fixture(autouse=True)
def _sms_to_locmem(settings: pytest.FixtureRequest) -> Iterator[None]:
    """Every test sends SMS into sms.outbox, never to the console or a gateway."""
    from sms import outbox

    settings.SMS_BACKEND = "sms.backends.locmem.SmsBackend"  # type: ignore[attr-defined]
    outbox.messages.clear()
    yield
    outbox.messages.clear()


@pytest.fixture
def redis_layer_down(settings: Any) -> Iterator[None]:
    """The production channel layer (channels_redis), pointed at a closed port: Redis
    down. Layers built before or during the test are forgotten on both sides."""
    from channels.layers import channel_layers

    from core.live import live_events_wait

    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]},
        }
    }
    channel_layers.backends.clear()
    yield
    live_events_wait()
    channel_layers.backends.clear()


@pytest.fixture
def on_postgres() -> bool:
    return _on_postgres()


@pytest.fixture
async def close_db_connections_after() -> AsyncIterator[None]:
    """Async tests open connections in sync_to_async's worker thread; close them so
    PostgreSQL can drop the test database at the end of the run."""
    yield
    from asgiref.sync import sync_to_async
    from django.db import connections

    await sync_to_async(connections.close_all)()


@pytest.fixture
def staff_with(db: None) -> Any:
    """``staff_with("app.codename", ...)``: a fresh staff account holding exactly those
    named permissions (nothing else: staff pages check permissions, never is_staff)."""
    from django.contrib.auth.models import Permission

    def make(*perms: str) -> Any:
        user = factories.UserFactory()
        for perm in perms:
            app_label, codename = perm.split(".")
            user.user_permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        return type(user).objects.get(pk=user.pk)  # a fresh object: no stale perm cache

    return make


@pytest.fixture
def publisher(staff_with: Any) -> Any:
    return staff_with("core.publish_results")
