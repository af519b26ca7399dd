"""Printed voter codes: issued in batches, stored only as keyed hashes, signed in with."""

from __future__ import annotations

import re
from typing import Any

import pytest

from maps.models import Neighbourhood
from participation.errors import ParticipationError
from participation.identity import voter_code_hash
from participation.models import Resident
from participation.selectors import resident_for_voter_code
from participation.services.voter_codes import VOTER_CODE_ALPHABET, voter_codes_issue

pytestmark = pytest.mark.django_db

CODE_FORMAT = re.compile(
    rf"^[{VOTER_CODE_ALPHABET}]{{4}}-[{VOTER_CODE_ALPHABET}]{{4}}-[{VOTER_CODE_ALPHABET}]{{4}}$"
)


@pytest.mark.parametrize("count", [0, -1, 100_001])
def test_a_count_outside_one_to_a_hundred_thousand_is_refused(count: int) -> None:
    with pytest.raises(ParticipationError) as excinfo:
        voter_codes_issue(count=count)
    assert excinfo.value.code == "bad_count"
    assert not Resident.objects.exists()


@pytest.mark.parametrize("count", [1, 25])
def test_each_code_is_a_new_paper_resident(count: int) -> None:
    codes = voter_codes_issue(count=count)
    assert len(codes) == count
    assert Resident.objects.count() == count
    assert set(Resident.objects.values_list("first_channel", flat=True)) == {"paper"}


def test_codes_in_a_batch_are_unique() -> None:
    codes = voter_codes_issue(count=500)
    assert len(set(codes)) == 500
    assert Resident.objects.values("voter_code_hash").distinct().count() == 500


def test_codes_are_printed_in_three_groups_of_four_from_the_unambiguous_alphabet() -> None:
    for code in voter_codes_issue(count=200):
        assert CODE_FORMAT.match(code), code
    # No characters that read alike on paper.
    assert not set("01ILOU") & set(VOTER_CODE_ALPHABET)


def test_only_keyed_hashes_of_the_codes_are_stored() -> None:
    codes = voter_codes_issue(count=20)
    rows = list(Resident.objects.values())
    stored = " ".join(str(value) for row in rows for value in row.values())
    for code in codes:
        assert code not in stored
        assert code.replace("-", "") not in stored
    assert {row["voter_code_hash"] for row in rows} == {voter_code_hash(c) for c in codes}
    assert {(row["phone_hash"], row["phone_e164"]) for row in rows} == {(None, "")}


def test_issued_residents_keep_the_neighbourhood_and_language(
    neighbourhood: Neighbourhood,
) -> None:
    voter_codes_issue(count=3, neighbourhood=neighbourhood, language="es")
    assert set(Resident.objects.values_list("neighbourhood_id", "language")) == {
        (neighbourhood.pk, "es")
    }


def test_codes_without_a_neighbourhood_leave_it_to_the_resident() -> None:
    voter_codes_issue(count=2)
    assert set(Resident.objects.values_list("neighbourhood_id", "language")) == {(None, "en")}


def test_a_printed_code_signs_in_its_resident() -> None:
    codes = voter_codes_issue(count=3)
    residents = {resident_for_voter_code(code=code) for code in codes}
    assert None not in residents
    assert {r.pk for r in residents if r is not None} == set(
        Resident.objects.values_list("pk", flat=True)
    )


@pytest.mark.parametrize(
    "typed",
    [
        lambda c: c.lower(),
        lambda c: c.replace("-", " "),
        lambda c: c.replace("-", ""),
        lambda c: f"  {c.lower().replace('-', ' - ')}  ",
    ],
    ids=["lower case", "spaces", "no separators", "spaced dashes"],
)
def test_a_code_signs_in_however_it_is_typed(typed: Any) -> None:
    [code] = voter_codes_issue(count=1)
    resident = resident_for_voter_code(code=typed(code))
    assert resident is not None
    assert resident.pk == Resident.objects.get().pk


@pytest.mark.parametrize("code", ["", "   ", None, "2222-3333-4444", "----"])
def test_unknown_or_empty_codes_sign_in_nobody(code: str | None) -> None:
    voter_codes_issue(count=5)
    assert resident_for_voter_code(code=code) is None  # type: ignore[arg-type]


def test_a_code_stops_working_when_phone_key_changes(settings: Any) -> None:
    # The stored hash is keyed: a copy of the table is useless without PHONE_KEY.
    [code] = voter_codes_issue(count=1)
    settings.PHONE_KEY = "another-phone-key-for-this-test-0123456789abcdefghij"
    assert resident_for_voter_code(code=code) is None


def test_codes_are_tied_to_their_process_and_the_batch_is_audited(process: Any) -> None:
    from participation.models import AuditLog

    voter_codes_issue(count=3, process=process, language="fr")
    assert set(Resident.objects.values_list("voter_code_process_id", flat=True)) == {process.pk}
    entry = AuditLog.objects.get(action="voter_codes.issue")
    assert entry.data["count"] == 3 and entry.object_id == str(process.pk)


def test_a_neighbourhood_without_a_pot_in_the_process_is_refused(
    process: Any, neighbourhood: Neighbourhood
) -> None:
    with pytest.raises(ParticipationError) as excinfo:
        voter_codes_issue(count=1, process=process, neighbourhood=neighbourhood)
    assert excinfo.value.code == "no_neighbourhood_pot"
    assert not Resident.objects.exists()


def test_issuing_needs_the_named_permission(process: Any, staff_user: Any) -> None:
    from django.contrib.auth.models import Permission
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        voter_codes_issue(count=1, process=process, actor=staff_user)
    staff_user.user_permissions.add(Permission.objects.get(codename="issue_voter_codes"))
    fresh = type(staff_user).objects.get(pk=staff_user.pk)
    assert len(voter_codes_issue(count=1, process=process, actor=fresh)) == 1


def test_the_command_writes_one_code_per_line_and_logs_nothing_secret(
    process: Any, tmp_path: Any, caplog: Any
) -> None:
    import csv
    import logging
    import os
    from io import StringIO

    from django.core.management import call_command

    out = tmp_path / "codes.csv"
    stdout = StringIO()
    with caplog.at_level(logging.DEBUG):
        call_command(
            "voter_codes_issue", process.slug, "--count", "7", "--out", str(out), stdout=stdout
        )
    rows = list(csv.reader(out.open(encoding="utf-8")))
    assert rows[0] == ["voter_code"]
    codes = [row[0] for row in rows[1:]]
    assert len(codes) == 7 and all(CODE_FORMAT.match(c) for c in codes)
    assert all(len(row) == 1 for row in rows)
    assert {voter_code_hash(c) for c in codes} == set(
        Resident.objects.values_list("voter_code_hash", flat=True)
    )
    printed = stdout.getvalue() + caplog.text
    assert "Issued 7 voter codes" in stdout.getvalue()
    for code in codes:
        assert code not in printed and code.replace("-", "") not in printed
    assert os.stat(out).st_mode & 0o077 == 0  # readable by its owner only


def test_the_command_never_overwrites_a_file(process: Any, tmp_path: Any) -> None:
    from django.core.management import CommandError, call_command

    out = tmp_path / "codes.csv"
    out.write_text("keep me", encoding="utf-8")
    with pytest.raises(CommandError, match="exists already"):
        call_command("voter_codes_issue", process.slug, "--count", "1", "--out", str(out))
    assert out.read_text(encoding="utf-8") == "keep me"
    assert not Resident.objects.exists()
