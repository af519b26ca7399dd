"""The recount rule of the load benchmark and the drills (bench/recount.py)."""

from __future__ import annotations

from bench.recount import Cast, StoredBallot, recount

CITY, LOCAL = 1, 2


def cast(resident: int, city: set[int], local: set[int] | None = None, *receipts: str) -> Cast:
    choices = {CITY: frozenset(city)}
    if local is not None:
        choices[LOCAL] = frozenset(local)
    return Cast(resident_id=resident, choices=choices, receipts=receipts or None)


def test_latest_acknowledged_cast_is_the_stored_one() -> None:
    casts = [cast(7, {1}, None, "AAAAAAAAAA"), cast(7, {2, 3}, None, "BBBBBBBBBB")]
    stored = {(7, CITY): StoredBallot("BBBBBBBBBB", frozenset({2, 3}))}
    log = {"AAAAAAAAAA": (7, CITY), "BBBBBBBBBB": (7, CITY)}

    result = recount(casts, stored, log)

    assert result.ok
    assert (result.acknowledged, result.pots_checked, result.residents) == (2, 1, 1)


def test_an_earlier_ballot_left_standing_is_wrong() -> None:
    casts = [cast(7, {1}, None, "AAAAAAAAAA"), cast(7, {2}, None, "BBBBBBBBBB")]
    stored = {(7, CITY): StoredBallot("AAAAAAAAAA", frozenset({1}))}
    log = {"AAAAAAAAAA": (7, CITY), "BBBBBBBBBB": (7, CITY)}

    result = recount(casts, stored, log)

    assert not result.ok
    assert result.wrong == 1


def test_an_acknowledged_receipt_missing_from_the_log_is_lost() -> None:
    casts = [cast(7, {1}, None, "AAAAAAAAAA")]
    stored: dict[tuple[int, int], StoredBallot] = {}

    result = recount(casts, stored, {})

    assert not result.ok
    assert result.lost == 1
    assert result.wrong == 1  # and no ballot stands for it


def test_an_unanswered_later_cast_may_be_the_stored_one() -> None:
    casts = [cast(7, {1}, None, "AAAAAAAAAA"), cast(7, {4})]  # the second timed out
    stored = {(7, CITY): StoredBallot("CCCCCCCCCC", frozenset({4}))}
    log = {"AAAAAAAAAA": (7, CITY), "CCCCCCCCCC": (7, CITY)}

    result = recount(casts, stored, log)

    assert result.ok
    assert result.unanswered_recorded == 1


def test_projects_must_match_the_cast_whose_receipt_is_stored() -> None:
    casts = [cast(7, {1}, None, "AAAAAAAAAA")]
    stored = {(7, CITY): StoredBallot("AAAAAAAAAA", frozenset({1, 2}))}

    result = recount(casts, stored, {"AAAAAAAAAA": (7, CITY)})

    assert not result.ok
    assert result.wrong == 1


def test_a_ballot_nobody_cast_is_extra() -> None:
    casts = [cast(7, {1}, None, "AAAAAAAAAA")]
    stored = {
        (7, CITY): StoredBallot("AAAAAAAAAA", frozenset({1})),
        (8, CITY): StoredBallot("ZZZZZZZZZZ", frozenset({1})),
    }

    result = recount(casts, stored, {"AAAAAAAAAA": (7, CITY), "ZZZZZZZZZZ": (8, CITY)})

    assert not result.ok
    assert result.extra == 1


def test_one_cast_recorded_twice_is_counted_twice() -> None:
    # A retried SMS (same MessageSid) that the server recorded twice: two log entries.
    casts = [cast(7, {1}, None, "BBBBBBBBBB")]
    stored = {(7, CITY): StoredBallot("BBBBBBBBBB", frozenset({1}))}
    log = {"AAAAAAAAAA": (7, CITY), "BBBBBBBBBB": (7, CITY)}

    result = recount(casts, stored, log)

    assert not result.ok
    assert result.counted_twice == 1


def test_pots_not_cast_again_keep_their_earlier_ballot() -> None:
    # Re-casting only the city-wide pot leaves the neighbourhood ballot as it was.
    casts = [
        cast(7, {1}, {9}, "AAAAAAAAAA", "LLLLLLLLLL"),
        cast(7, {2}, None, "BBBBBBBBBB"),
    ]
    stored = {
        (7, CITY): StoredBallot("BBBBBBBBBB", frozenset({2})),
        (7, LOCAL): StoredBallot("LLLLLLLLLL", frozenset({9})),
    }
    log = {"AAAAAAAAAA": (7, CITY), "LLLLLLLLLL": (7, LOCAL), "BBBBBBBBBB": (7, CITY)}

    result = recount(casts, stored, log)

    assert result.ok, result.examples
    assert result.pots_checked == 2
