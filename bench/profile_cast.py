"""Where a cast's time goes, measured in the bench process (not over HTTP): web casts
and SMS ``VOTE`` webhooks through Django's test client, with the production settings and
the private database of the run. For each path: SQL queries per cast, CPU milliseconds
per cast (``time.process_time``: what the machine's other load does not inflate much),
database wall time per cast, and the functions with the most cumulative time.

Called by ``bench.load --profile N`` after the levels; prints one JSON line.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import secrets
import time
from typing import Any

from bench.seed import City

TOP = 12


def _top(profile: cProfile.Profile) -> list[str]:
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    stats.sort_stats("cumulative")
    rows = []
    for func, (_cc, _nc, _tt, ct, _callers) in sorted(
        stats.stats.items(),  # type: ignore[attr-defined]
        key=lambda item: item[1][3],
        reverse=True,
    ):
        filename, line, name = func
        if "site-packages" in filename and not any(
            part in filename for part in ("django/db", "psycopg", "django/template")
        ):
            continue
        rows.append(f"{ct * 1000:.0f} ms {name} ({filename.rsplit('/', 2)[-1]}:{line})")
        if len(rows) >= TOP:
            break
    return rows


def profile_casts(city: City, *, n: int, public_url: str, auth_token: str) -> dict[str, Any]:
    from django.db import close_old_connections, connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.traffic import SMS_PATH, receipts_in
    from sms.backends.twilio import compute_signature

    close_old_connections()
    host = public_url.split("://", 1)[1]
    client = Client(HTTP_HOST=host, HTTP_X_FORWARDED_PROTO="https")
    citywide, local = list(city.pots.values())[:2]
    result: dict[str, Any] = {"bench": "profile", "casts_each": n}
    residents = city.residents[-2 * n :]

    def web(i: int) -> bool:
        r = residents[i]
        client.cookies["sessionid"] = r.session_key
        response = client.post(
            f"/processes/{city.slug}/ballot/",
            {"project": [citywide[i % len(citywide)].id, local[i % len(local)].id]},
        )
        return response.status_code == 200 and len(receipts_in(response.content.decode())) == 2

    def sms(i: int) -> bool:
        r = residents[i]
        sid = "SM" + secrets.token_hex(16)
        form = {
            "MessageSid": sid,
            "SmsMessageSid": sid,
            "AccountSid": "AC" + "0" * 32,
            "From": r.phone,
            "To": "+15005550006",
            "Body": f"VOTE {citywide[i % len(citywide)].code} {local[i % len(local)].code}",
            "NumMedia": "0",
            "NumSegments": "1",
            "ApiVersion": "2010-04-01",
        }
        signature = compute_signature(auth_token=auth_token, url=public_url + SMS_PATH, params=form)
        response = client.post(SMS_PATH, form, HTTP_X_TWILIO_SIGNATURE=signature)
        return response.status_code == 200 and len(receipts_in(response.content.decode())) == 2

    for name, one in (("web", web), ("sms", sms)):
        one(0)  # warm: imports, templates, first connection
        # Pass 1, plain: queries, CPU and wall time per cast. Pass 2 (other residents),
        # under cProfile (which slows everything): where the time goes.
        ok = queries = 0
        db_ms = 0.0
        cpu0, wall0 = time.process_time(), time.perf_counter()
        for i in range(1, n):
            with CaptureQueriesContext(connection) as captured:
                ok += one(i)
            queries += len(captured.captured_queries)
            db_ms += sum(float(q["time"]) for q in captured.captured_queries) * 1000
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        profile = cProfile.Profile()
        for i in range(n, 2 * n):
            profile.enable()
            one(i)
            profile.disable()
        casts = max(1, n - 1)
        result[name] = {
            "ok": ok,
            "queries_per_cast": round(queries / casts, 1),
            "cpu_ms_per_cast": round(cpu * 1000 / casts, 1),
            "wall_ms_per_cast": round(wall * 1000 / casts, 1),
            "db_ms_per_cast": round(db_ms / casts, 1),
            "top_cumulative": _top(profile),
        }
    close_old_connections()
    return result
