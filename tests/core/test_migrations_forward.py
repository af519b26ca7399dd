"""A database made at the previous release migrates forward with its data intact.

The previous release (212897d) kept Process and Phase in ``budgets`` and SignInCode and
SignInFailure in ``participation``. Since then they moved to ``core`` and ``accounts``
with state-only migrations that keep the tables, plus a RunPython that moves their
content types. Nothing copies rows, so the claim to prove is that nothing needs to: rows
written by the old schema are read back unchanged by the current models, the relations
still join, permissions granted on ``budgets.process`` now name ``core.process``, and
the whole move can be rolled back.

The test rewinds the test database to the previous release's leaf migrations, writes
rows through the *historical* models of that state (the current models would write to
the new state, proving nothing), migrates forward, reads with the current models, then
migrates back. A finaliser always migrates to the latest leaves, so tests that run after
this one (in any order) find the schema they expect.

Each step is one migration plan, as one ``manage.py migrate`` is; the executor emits no
post_migrate between steps, so content types are only ever renamed here, never created.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.apps.registry import Apps
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from accounts.models import SignInCode, SignInFailure
from budgets.models import Ballot, CastLog, Pot, Project, Selection
from core.models import Phase, Process
from participation.models import AuditLog, Comment, Pilot, Proposal

Target = tuple[str, str | None]

# The leaf migrations of the previous release, for the project's own apps.
PREVIOUS_LEAVES: dict[str, str] = {
    "maps": "0001_initial",
    "budgets": "0004_tally_rule_mes_add1",
    "participation": "0002_sign_in_codes",
    "sms": "0005_sms_rate_slot",
}
# Third-party and contrib apps that existed then too; their migrations did not change
# with the move, so they stay at their current leaves (rewinding them would only slow
# the test down and test Django rather than us).
UNCHANGED_APPS = {"admin", "auth", "contenttypes", "sessions", "django_tasks_database"}

# Tables left out of the row-for-row comparison: content types are meant to change
# app_label (checked on their own) and the migration recorder gains rows by design.
UNCOMPARED_TABLES = {"django_content_type", "django_migrations"}

T0 = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC)


def _latest_targets() -> list[Target]:
    return sorted(MigrationExecutor(connection).loader.graph.leaf_nodes())


def _previous_targets() -> list[Target]:
    """The previous release's leaves. Any app it did not have (core and accounts today,
    whatever is added later) goes to zero: a database of that release had none of
    their migrations."""
    targets: list[Target] = []
    for app, name in _latest_targets():
        if app in PREVIOUS_LEAVES:
            targets.append((app, PREVIOUS_LEAVES[app]))
        elif app in UNCHANGED_APPS:
            targets.append((app, name))
        else:
            targets.append((app, None))
    return targets


def _migrate(targets: list[Target]) -> Apps:
    """Migrate to ``targets`` and return the historical apps of that state. A new
    executor each time: one reads the applied set once, when it is built."""
    MigrationExecutor(connection).migrate(targets)
    executor = MigrationExecutor(connection)
    assert not executor.migration_plan(targets), "the database did not reach the targets"
    # The state at the named nodes and their ancestors: an app at zero is simply absent.
    nodes = [target for target in targets if target[1] is not None]
    return executor.loader.project_state(nodes).apps


def _snapshot(apps: Apps) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, keyed by table name, not by model: the moved models
    keep their tables, so a table is the thing that must look the same before and
    after, whichever app its model belongs to."""
    rows: dict[str, list[dict[str, Any]]] = {}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.proxy or not meta.managed or meta.db_table in UNCOMPARED_TABLES:
            continue
        rows[meta.db_table] = list(model._base_manager.order_by("pk").values())
    return rows


def _write_previous_release_rows(apps: Apps) -> dict[str, int]:
    """One of everything the move touches, written through the old state's models.
    Returns the primary keys the checks look up afterwards."""
    get = apps.get_model
    user = get("auth", "User").objects.create(username="steward", is_staff=True)
    nbhd = get("maps", "Neighbourhood").objects.create(
        name="Riverside",
        slug="riverside",
        boundary={"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]},
        population=12_345,
        need_index=Decimal("1.250"),
    )
    process = get("budgets", "Process").objects.create(
        title="Riverbend 2027",
        slug="riverbend-2027",
        languages=["en", "es"],
        ballot_type="k_of_n",
        max_projects=3,
        rule="mes_cost",
        neighbourhood_budget=Decimal("250000.00"),
        currency="EUR",
    )
    # Managers of the historical models, named apart from the current models above.
    phases = get("budgets", "Phase").objects
    phases.create(process=process, kind="ideas", starts_at=T0, ends_at=T0 + dt.timedelta(days=10))
    phases.create(
        process=process,
        kind="voting",
        starts_at=T0 + dt.timedelta(days=20),
        ends_at=T0 + dt.timedelta(days=30),
    )
    pots = get("budgets", "Pot").objects
    citywide = pots.create(process=process, name="City-wide", amount=Decimal("100000"))
    local = pots.create(
        process=process, neighbourhood=nbhd, name="Riverside", amount=Decimal("50000.50")
    )
    resident = get("participation", "Resident").objects.create(
        phone_hash="a" * 64, neighbourhood=nbhd, language="es", first_channel="sms"
    )
    proposal = get("participation", "Proposal").objects.create(
        process=process,
        author=resident,
        title="Benches by the river",
        body="Somewhere to sit.",
        lat=4.61,
        lng=-74.08,
        neighbourhood=nbhd,
        status="approved",
        channel="sms",
        language="es",
    )
    get("participation", "Comment").objects.create(
        proposal=proposal, author=resident, body="Yes, with shade."
    )
    projects = get("budgets", "Project").objects
    benches = projects.create(
        process=process,
        pot=local,
        title="Benches",
        cost=Decimal("12000.00"),
        short_code=1,
        source_proposal=proposal,
        neighbourhood=nbhd,
    )
    lights = projects.create(
        process=process, pot=citywide, title="Lights", cost=Decimal("30000"), short_code=2
    )
    ballot = get("budgets", "Ballot").objects.create(
        process=process, pot=local, voter="v" * 64, channel="web", receipt="RCPT-0001", cast_at=T0
    )
    selections = get("budgets", "Selection").objects
    selections.create(ballot=ballot, project=benches, points=1)
    selections.create(ballot=ballot, project=lights, points=2, rank=1)
    get("budgets", "CastLog").objects.create(
        ballot=ballot, receipt="RCPT-0001", channel="web", cast_at=T0
    )
    get("participation", "Pilot").objects.create(
        name="Smart bins", slug="smart-bins", process=process, neighbourhood=nbhd
    )
    get("participation", "AuditLog").objects.create(
        actor=user, action="process.publish", object_type="process", object_id=str(process.pk)
    )
    code = get("participation", "SignInCode").objects.create(
        phone_hash="a" * 64,
        ip_hash="b" * 64,
        code_hash="c" * 64,
        created_at=T0,
        expires_at=T0 + dt.timedelta(minutes=10),
        attempts=2,
    )
    get("participation", "SignInFailure").objects.create(
        ip_hash="b" * 64, method="sms_code", created_at=T0
    )

    # A real old database has budgets.process from post_migrate. Here post_migrate ran
    # once, at the latest state, making core.process, and core/0001's RunPython renamed
    # it back on the way down; get_or_create covers both. A group holds a permission on
    # it, as a city's staff groups would.
    content_type, _ = get("contenttypes", "ContentType").objects.get_or_create(
        app_label="budgets", model="process"
    )
    permission, _ = get("auth", "Permission").objects.get_or_create(
        content_type=content_type,
        codename="change_process",
        defaults={"name": "Can change process"},
    )
    group = get("auth", "Group").objects.create(name="Budget stewards")
    group.permissions.add(permission)
    user.groups.add(group)

    return {
        "process": process.pk,
        "proposal": proposal.pk,
        "citywide": citywide.pk,
        "local": local.pk,
        "ballot": ballot.pk,
        "code": code.pk,
        "content_type": content_type.pk,
        "permission": permission.pk,
        "group": group.pk,
    }


def _check_current_models(pks: dict[str, int]) -> None:
    """Read the old rows through today's models: the moved ones and everything that
    points at them."""
    process = Process.objects.get(pk=pks["process"])
    assert (process.slug, process.ballot_type, process.rule) == (
        "riverbend-2027",
        "k_of_n",
        "mes_cost",
    )
    assert process.neighbourhood_budget == Decimal("250000.00")
    assert process.languages == ["en", "es"]
    assert list(process.phases.values_list("kind", flat=True)) == ["ideas", "voting"]
    assert Phase.objects.count() == 2

    # Every foreign key that named budgets.Process now names core.Process and still
    # lands on the same row.
    assert Proposal.objects.get(pk=pks["proposal"]).process == process
    assert {pot.process for pot in Pot.objects.all()} == {process}
    assert Ballot.objects.get(pk=pks["ballot"]).process == process
    assert Pilot.objects.get().process == process
    assert Project.objects.filter(process=process).count() == 2
    assert process.pots.count() == 2
    assert process.proposals.count() == 1
    assert process.ballots.count() == 1

    ballot = Ballot.objects.get(pk=pks["ballot"])
    assert ballot.pot_id == pks["local"]
    assert sorted(ballot.selections.values_list("project__short_code", "points")) == [
        (1, 1),
        (2, 2),
    ]
    assert Selection.objects.count() == 2
    assert CastLog.objects.get().ballot == ballot
    assert Comment.objects.get().proposal_id == pks["proposal"]
    assert AuditLog.objects.get().object_id == str(pks["process"])

    code = SignInCode.objects.get(pk=pks["code"])
    assert (code.attempts, code.expires_at) == (2, T0 + dt.timedelta(minutes=10))
    assert SignInFailure.objects.get().method == "sms_code"

    # The content type moved rather than a new one appearing, so the group's grant
    # (and admin history) follow the model.
    ContentType.objects.clear_cache()
    content_type = ContentType.objects.get(pk=pks["content_type"])
    assert (content_type.app_label, content_type.model) == ("core", "process")
    assert ContentType.objects.get_for_model(Process) == content_type
    assert not ContentType.objects.filter(app_label="budgets", model="process").exists()
    group = Group.objects.get(pk=pks["group"])
    assert list(group.permissions.values_list("pk", "content_type__app_label")) == [
        (pks["permission"], "core")
    ]
    assert group.user_set.get().has_perm("core.change_process")
    sign_in_types = ContentType.objects.filter(model="signincode")
    assert list(sign_in_types.values_list("app_label", flat=True)) == ["accounts"]


@pytest.fixture
def at_latest_afterwards(transactional_db: None) -> Iterator[None]:
    """Whatever happens in the test, leave the schema at the latest leaves for the rest
    of the suite (pytest-django then flushes the rows as for any transactional test)."""
    try:
        yield
    finally:
        _migrate(_latest_targets())
        # The cache maps ids to labels; the rows changed label under it.
        ContentType.objects.clear_cache()


ROLE_TABLES = {"auth_group", "auth_group_permissions"}


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("at_latest_afterwards")
def test_previous_release_database_migrates_forward_and_back() -> None:
    previous, latest = _previous_targets(), _latest_targets()
    assert ("core", None) in previous
    assert ("accounts", None) in previous

    old_apps = _migrate(previous)
    # The rewind really reached the old layout: Process is a budgets model again.
    assert old_apps.get_model("budgets", "Process")._meta.db_table == "budgets_process"
    pks = _write_previous_release_rows(old_apps)
    before = _snapshot(old_apps)
    assert len(before["budgets_process"]) == 1
    assert len(before["participation_signincode"]) == 1

    new_apps = _migrate(latest)
    after = _snapshot(new_apps)
    assert before.keys() <= after.keys()
    for table, rows in before.items():
        if table in ROLE_TABLES:
            # The roles migration (participation 0011) gives the staff groups their
            # permissions: rows are added there by design, and none of the old is lost.
            assert all(row in after[table] for row in rows), f"{table} lost rows going forward"
            continue
        # Later releases may add columns; every column the old rows had keeps its value.
        assert len(after[table]) == len(rows), f"{table} lost or gained rows going forward"
        kept = [{key: new[key] for key in old} for new, old in zip(after[table], rows, strict=True)]
        assert kept == rows, f"{table} changed going forward"
    _check_current_models(pks)
    # The texts of the old rows became their default-language (or author's) text.
    (process_row,) = after["budgets_process"]
    assert process_row["title_en"] == process_row["title"] and process_row["title_es"] is None
    for proposal_row in after["participation_proposal"]:
        assert proposal_row[f"title_{proposal_row['language']}"] == proposal_row["title"]

    # And back: the same rows, with the content type named budgets again.
    old_apps = _migrate(previous)
    again = _snapshot(old_apps)
    for table, rows in before.items():
        assert again[table] == rows, f"{table} changed going back"
    content_type = old_apps.get_model("contenttypes", "ContentType").objects.get(
        pk=pks["content_type"]
    )
    assert content_type.app_label == "budgets"
    sign_in_types = old_apps.get_model("contenttypes", "ContentType").objects.filter(
        model="signincode"
    )
    assert list(sign_in_types.values_list("app_label", flat=True)) == ["participation"]
