"""Production mode refuses insecure settings; with good ones `check --deploy` is clean."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from tests.conftest import REPO_ROOT

GOOD = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": "s" + "k3Jq9vLx2Wm8Rt5Yp0Zb7Nc4Hd6Fg1Ae" * 2,
    "BALLOT_KEY": "b" + "Q8wE3rT6yU1iO4pA7sD0fG2hJ5kL9zXc" * 2,
    "PHONE_KEY": "p" + "M2nB5vC8xZ1aS4dF7gH0jK3lQ6wE9rTy" * 2,
    "ALLOWED_HOSTS": "vote.example.org",
    "DATABASE_URL": "postgres://justcity@127.0.0.1:5432/justcity",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "PUBLIC_BASE_URL": "https://vote.example.org",
    "SMS_BACKEND": "sms.backends.twilio.SmsBackend",
    "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
    "TWILIO_AUTH_TOKEN": "t" * 32,
    "TWILIO_FROM_NUMBER": "+15005550006",
}


def _manage(*args: str, **env_overrides: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in GOOD and k != "DEBUG"}
    env.update(GOOD)
    for key, value in env_overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_with_good_settings_passes_check_deploy() -> None:
    result = _manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_missing_secret_key_by_name() -> None:
    result = _manage("check", SECRET_KEY=None)
    assert result.returncode != 0
    assert "SECRET_KEY is missing" in result.stderr


def test_production_refuses_weak_and_shared_keys() -> None:
    result = _manage("check", BALLOT_KEY="short", PHONE_KEY=GOOD["SECRET_KEY"])
    assert result.returncode != 0
    assert "BALLOT_KEY is too weak" in result.stderr
    assert "must all differ" in result.stderr


def test_production_refuses_debug_sqlite_http_and_console_sms() -> None:
    result = _manage(
        "check",
        DEBUG="1",
        DATABASE_URL="sqlite:///prod.db",
        PUBLIC_BASE_URL="http://vote.example.org",
        SMS_BACKEND="sms.backends.console.SmsBackend",
        ALLOWED_HOSTS="*",
    )
    assert result.returncode != 0
    for name in ("DEBUG", "DATABASE_URL", "PUBLIC_BASE_URL", "SMS_BACKEND", "ALLOWED_HOSTS"):
        assert name in result.stderr


def test_production_refuses_missing_twilio_credentials() -> None:
    result = _manage("check", TWILIO_AUTH_TOKEN=None)
    assert result.returncode != 0
    assert "TWILIO_AUTH_TOKEN is missing" in result.stderr


def test_bad_typed_value_names_the_variable() -> None:
    result = _manage("check", DJANGO_ENV="development", DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr


def test_web_threads_default_to_two_and_never_outnumber_the_pool() -> None:
    result = _manage("shell", "-c", "from django.conf import settings; print(settings.WEB_THREADS)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == "2"  # after the shell's own notice
    result = _manage("check", WEB_THREADS="6", DB_POOL_MAX_SIZE="4")
    assert result.returncode != 0
    assert "WEB_THREADS (6) must not exceed DB_POOL_MAX_SIZE (4)" in result.stderr
    # Without a pool (PgBouncer), each thread holds its own connection: any number.
    no_pool = _manage("check", WEB_THREADS="6", DB_POOL_MAX_SIZE="0", DB_POOL_MIN_SIZE="0")
    assert no_pool.returncode == 0, no_pool.stderr


def test_csp_header_with_nonce_on_html(client, db) -> None:  # type: ignore[no-untyped-def]
    from demo.riverbend import PROCESS_SLUG, demo_city_load

    demo_city_load()
    response = client.get(f"/processes/{PROCESS_SLUG}/")
    csp = response["Content-Security-Policy"]
    nonce = csp.split("'nonce-")[1].split("'")[0]
    assert "object-src 'none'" in csp
    html = response.content.decode()
    # Inline scripts run only with this response's nonce; external ones are same-origin.
    tags = re.findall(r"<script[^>]*>", html)
    inline = [t for t in tags if "src=" not in t and "application/json" not in t]
    assert inline, "the map is initialised by an inline script"
    assert all(f'nonce="{nonce}"' in t for t in inline), inline
    external = [t for t in tags if "src=" in t]
    assert all('src="/static/' in t for t in external), external


def test_every_setting_the_code_reads_is_declared() -> None:
    """A setting read with a getattr default hides a knob nobody can find: every
    ``settings.NAME`` in the apps is declared in justcity/settings.py or by Django."""
    from django.conf import global_settings

    import justcity.settings as ours

    pattern = re.compile(r"\bsettings\.([A-Z][A-Z0-9_]+)\b")
    apps = ["core", "maps", "participation", "budgets", "sms", "accounts", "frontend", "demo"]
    read: dict[str, str] = {}
    for app in [*apps, "justcity"]:
        for path in (REPO_ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            text = path.read_text()
            assert not re.search(r"getattr\(\s*settings\s*,", text), (
                f"getattr(settings, ...) in {path}"
            )
            for name in pattern.findall(text):
                read.setdefault(name, str(path.relative_to(REPO_ROOT)))
    undeclared = {
        name: where
        for name, where in read.items()
        if not hasattr(ours, name) and not hasattr(global_settings, name)
    }
    assert not undeclared
    assert {"SMS_INBOUND_PER_MINUTE", "SMS_HTTP_TIMEOUT"} <= set(read)


_PRINT_TILES = "from django.conf import settings; print(repr(settings.MAP_TILES_URL))"


def test_production_uses_no_third_party_tiles_unless_set() -> None:
    result = _manage("shell", "-c", _PRINT_TILES)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "''"
    result = _manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr


def test_production_uses_the_tile_server_it_is_given() -> None:
    tiles = "https://tiles.city.example/{z}/{x}/{y}.png"
    result = _manage("shell", "-c", _PRINT_TILES, MAP_TILES_URL=tiles)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == repr(tiles)


def test_development_defaults_to_openstreetmap() -> None:
    result = _manage("shell", "-c", _PRINT_TILES, DJANGO_ENV="development", MAP_TILES_URL=None)
    assert result.returncode == 0, result.stderr
    assert "tile.openstreetmap.org" in result.stdout


_PRINT_LOADERS = (
    "from django.template import engines; "
    "print([type(loader).__module__ for loader in engines['django'].engine.template_loaders])"
)


def test_production_keeps_parsed_templates() -> None:
    """DEBUG off, templates are parsed once per process (Django's cached loader, which
    it uses while TEMPLATES names no loaders): a page never parses its templates again,
    and what ``{% language_static %}`` keeps lives on those parsed templates."""
    result = _manage("shell", "-c", _PRINT_LOADERS)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "['django.template.loaders.cached']"


def test_api_rate_limits_count_in_redis_for_every_worker() -> None:
    """With REDIS_URL (production requires it) the API's limits are one count for all
    worker processes; a bad bound on a Redis call is refused by name."""
    show = (
        "from django.conf import settings; t = settings.CACHES['throttle']; "
        "print(t['BACKEND'], t['LOCATION'], t['OPTIONS'])"
    )
    result = _manage("shell", "-c", show)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == (
        "core.failover_cache.FailoverCache redis://127.0.0.1:6379/0 {'timeout': 0.25, 'retry': 5.0}"
    )
    refused = _manage("check", THROTTLE_REDIS_TIMEOUT="0")
    assert refused.returncode != 0
    assert "THROTTLE_REDIS_TIMEOUT must be above 0" in refused.stderr
