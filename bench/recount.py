"""The recount after a load run or a drill: is the latest acknowledged ballot of every
resident and pot the stored one, and nothing else?

Plain Python (no Django), so the rule is tested on its own (tests/bench/test_recount.py);
``bench.seed.stored_ballots`` reads the database side.

What the client knows: for each resident, its casts in order (one resident never has two
casts in flight), each with the projects chosen per pot and, when the server answered
with receipts, those receipts ("acknowledged"). A cast without an answer (a timeout, a
503, a dropped connection) may or may not have been recorded.

What must hold, per (resident, pot):
* every acknowledged receipt was recorded (is in the cast log of that resident and pot):
  nothing acknowledged was lost;
* the stored ballot is the last acknowledged cast of that pot, with its projects, unless
  a later unanswered cast exists, in which case it may be that one (its projects);
* the cast log has no more entries than acknowledged plus unanswered casts: a retried
  SMS (the same MessageSid) or a replayed request never counts twice;
and there is no stored ballot for a resident and pot that was never cast.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

Key = tuple[int, int]  # (resident id, pot id)


@dataclass
class Cast:
    """One cast by one resident, as the client saw it."""

    resident_id: int
    choices: dict[int, frozenset[int]]  # pot id -> project ids chosen
    receipts: tuple[str, ...] | None = None  # None: no answer (may or may not count)
    channel: str = "web"
    message_sid: str = ""  # SMS: the MessageSid every retry of this cast carried
    retries: int = 0  # requests after the first (SMS retries of the same MessageSid)

    @property
    def acknowledged(self) -> bool:
        return self.receipts is not None


@dataclass(frozen=True)
class StoredBallot:
    receipt: str
    projects: frozenset[int]


@dataclass
class Recount:
    ok: bool
    residents: int = 0
    pots_checked: int = 0
    acknowledged: int = 0
    unanswered: int = 0
    unanswered_recorded: int = 0  # stored ballots that came from an unanswered cast
    lost: int = 0  # acknowledged receipts missing from the cast log
    wrong: int = 0  # stored ballot is not the latest acknowledged (or later) cast
    extra: int = 0  # stored ballots nobody cast
    counted_twice: int = 0  # more cast-log entries than casts
    examples: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "recount_ok": self.ok,
            "recount_residents": self.residents,
            "recount_pots": self.pots_checked,
            "acknowledged_casts": self.acknowledged,
            "unanswered_casts": self.unanswered,
            "unanswered_recorded": self.unanswered_recorded,
            "lost": self.lost,
            "wrong": self.wrong,
            "extra": self.extra,
            "counted_twice": self.counted_twice,
            **({"examples": self.examples[:5]} if self.examples else {}),
        }


def recount(
    casts: Iterable[Cast],
    stored: Mapping[Key, StoredBallot],
    cast_log: Mapping[str, Key],
) -> Recount:
    """Check ``stored`` (the counted ballots: (resident, pot) -> receipt and projects) and
    ``cast_log`` (every receipt ever recorded -> its resident and pot) against the casts."""
    result = Recount(ok=True)
    per_key: dict[Key, list[Cast]] = {}
    residents: set[int] = set()
    for cast in casts:
        residents.add(cast.resident_id)
        if cast.acknowledged:
            result.acknowledged += 1
        else:
            result.unanswered += 1
        for pot_id in cast.choices:
            per_key.setdefault((cast.resident_id, pot_id), []).append(cast)
        if cast.receipts:
            for receipt in cast.receipts:
                if receipt not in cast_log:
                    result.lost += 1
                    result.examples.append(f"lost: resident {cast.resident_id} {receipt}")
    result.residents = len(residents)
    logged_per_key: dict[Key, int] = {}
    for key in cast_log.values():
        logged_per_key[key] = logged_per_key.get(key, 0) + 1

    for key, history in per_key.items():
        result.pots_checked += 1
        ballot = stored.get(key)
        last_ack = max((i for i, c in enumerate(history) if c.acknowledged), default=None)
        # Casts that could be the stored one: the last acknowledged, and any later
        # unanswered ones.
        start = last_ack if last_ack is not None else 0
        candidates = history[start:]
        if ballot is None:
            if last_ack is not None:
                result.wrong += 1
                result.examples.append(f"missing ballot: resident {key[0]} pot {key[1]}")
            continue
        matched = False
        for cast in candidates:
            if ballot.projects != cast.choices.get(key[1]):
                continue
            # An acknowledged cast is the stored one only under one of its receipts.
            if cast.receipts is not None and ballot.receipt not in cast.receipts:
                continue
            matched = True
            if not cast.acknowledged:
                result.unanswered_recorded += 1
            break
        if not matched:
            result.wrong += 1
            result.examples.append(f"wrong ballot: resident {key[0]} pot {key[1]}")
        if logged_per_key.get(key, 0) > len(history):
            result.counted_twice += 1
            result.examples.append(
                f"counted twice: resident {key[0]} pot {key[1]}: "
                f"{logged_per_key[key]} recorded for {len(history)} casts"
            )
    for key in stored:
        if key not in per_key:
            result.extra += 1
            result.examples.append(f"extra ballot: resident {key[0]} pot {key[1]}")
    result.ok = not (result.lost or result.wrong or result.extra or result.counted_twice)
    return result
