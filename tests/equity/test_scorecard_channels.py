"""Every criterion computed from real rows written by every channel's own service (web
sign-in and ballot, SMS texts and broadcast, paper letters and entry, the API channel,
ideas, comments, supports), against figures worked out by hand below.

The city (minimum cell 3 for this test):

| neighbourhood | population | need | voters: web, sms, paper, api |
|---|---|---|---|
| Alder (A) | 1,000 | 1.5 (high) | 3, 3, 3, 0 → 9 (each also in A's pot: two pots) |
| Birch (B) | 2,000 | 0.8 | 6, 0, 0, 4 → 10 |
| Cedar (C) | 500 | 1.0 | 1, 0, 0, 0 → 1 (below the minimum) |

Census: 200, 400 and 100 residents in each of the five age bands (700 each city-wide).
Voters' ages: 6 aged 18–29, 5 aged 30–44, 2 aged 65+, 7 not given.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from accounts.services import sign_in_code_send, sign_in_code_verify, sign_in_voter_code_verify
from budgets.ballot_validation import Choice
from budgets.models import Ballot, Project, ProjectUpdate
from budgets.selectors import process_turnout
from budgets.services.ballots import ballot_cast
from budgets.services.delivery import project_delivery_record
from budgets.services.paper import PaperVoter, paper_ballot_enter
from budgets.services.results import outcome_override, results_publish, results_unpublish
from core.models import Channel, PhaseKind
from equity.public import funnel_json, participation_json, scorecard_json
from equity.scorecard import process_scorecard
from equity.selectors import process_funnel, process_participation
from maps.models import Neighbourhood
from participation.models import ModerationDecision, ParticipationFact, Proposal, Resident
from participation.services.ideas import comment_post, proposal_submit, support_add
from participation.services.residents import (
    resident_for_phone,
    resident_record_demographics,
    resident_set_neighbourhood,
)
from participation.services.voter_codes import voter_codes_issue
from sms import outbox
from sms.services import sms_broadcast, sms_receive
from tests.budgets.conftest import close_voting

pytestmark = pytest.mark.django_db

BANDS = ("under_18", "18_29", "30_44", "45_64", "65_plus")


@dataclass
class World:
    process: Any
    a: Neighbourhood
    b: Neighbourhood
    c: Neighbourhood
    projects: dict[int, Project]


def _census(per_band: int) -> dict[str, int]:
    return {f"age_band.{band}": per_band for band in BANDS}


def _ages(residents: list[Resident], bands: list[str]) -> None:
    for resident, band in zip(residents, bands, strict=False):
        resident_record_demographics(resident=resident, answers={"age_band": band})


def _web_resident(n: int, hood: Neighbourhood) -> Resident:
    resident, _ = resident_for_phone(e164=f"+1415555{n:04d}", channel=Channel.WEB)
    return resident_set_neighbourhood(resident=resident, neighbourhood=hood)


def _vote(resident: Resident, world: World, codes: list[int], channel: str) -> None:
    ids = [world.projects[c].pk for c in codes]
    ballot_cast(
        resident=resident,
        process=world.process,
        choices=[Choice(project_id=i) for i in ids],
        channel=channel,
    )


def _sign_in(e164: str, ip: str, capture: Any) -> Resident:
    with capture(execute=True):
        sign_in_code_send(e164=e164, ip=ip, language="en")
    [message, *_] = [m for m in reversed(outbox.messages) if m.to == e164]
    code = re.search(r"\b(\d{6})\b", message.body)
    assert code
    return sign_in_code_verify(e164=e164, code=code.group(1), ip=ip)


def _text(e164: str, body: str, sid: str) -> list[str]:
    return list(sms_receive(provider="twilio", message_sid=sid, sender=e164, body=body).replies)


@pytest.fixture
def world(
    settings: Any,
    neighbourhood_factory: Any,
    process_factory: Any,
    phase_factory: Any,
    pot_factory: Any,
    project_factory: Any,
    staff_user: Any,
    django_capture_on_commit_callbacks: Any,
) -> World:
    settings.EQUITY_MIN_CELL = 3
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    a = neighbourhood_factory(
        name="Alder",
        slug="alder",
        population=1000,
        need_index=Decimal("1.5"),
        demographics=_census(200),
    )
    b = neighbourhood_factory(
        name="Birch",
        slug="birch",
        population=2000,
        need_index=Decimal("0.8"),
        demographics=_census(400),
    )
    c = neighbourhood_factory(
        name="Cedar",
        slug="cedar",
        population=500,
        need_index=Decimal("1.0"),
        demographics=_census(100),
    )
    process = process_factory(title="Equity 2027", slug="equity-2027", currency="USD")
    phase_factory(process=process, kind=PhaseKind.VOTING)
    phase_factory(process=process, kind=PhaseKind.IDEAS)
    citywide = pot_factory(process=process, name="City-wide", amount=Decimal("100000"))
    alder_pot = pot_factory(process=process, neighbourhood=a, name="Alder", amount=Decimal("50000"))
    projects = {
        1: project_factory(
            process=process, pot=citywide, short_code=1, cost=Decimal("30000"), neighbourhood=a
        ),
        2: project_factory(
            process=process, pot=citywide, short_code=2, cost=Decimal("30000"), neighbourhood=b
        ),
        3: project_factory(process=process, pot=alder_pot, short_code=3, cost=Decimal("20000")),
        4: project_factory(
            process=process, pot=citywide, short_code=4, cost=Decimal("60000"), neighbourhood=c
        ),
    }
    w = World(process, a, b, c, projects)
    capture = django_capture_on_commit_callbacks

    # --- ideas (4 authors in Birch; web) and their moderation -----------------------------
    authors = [_web_resident(9000 + i, b) for i in range(4)]
    ideas = [
        proposal_submit(
            author=author,
            process=process,
            title=f"Idea {i}",
            body="More benches.",
            channel=Channel.WEB,
            neighbourhood=b,
        )
        for i, author in enumerate(authors)
    ]
    _ages(authors[:1], ["18_29"])  # a non-voter with an answer: in the funnel by group
    Project.objects.filter(pk=projects[1].pk).update(source_proposal=ideas[0])
    Project.objects.filter(pk=projects[3].pk).update(source_proposal=ideas[1])
    now = timezone.now()
    for idea, days in zip(ideas[:3], (2, 4, 10), strict=True):
        Proposal.objects.filter(pk=idea.pk).update(created_at=now - dt.timedelta(days=20))
        decision = ModerationDecision.objects.create(
            proposal=idea, moderator=staff_user, action="approve"
        )
        ModerationDecision.objects.filter(pk=decision.pk).update(
            created_at=now - dt.timedelta(days=20 - days)
        )
    Proposal.objects.filter(pk=ideas[0].pk).update(status="approved")

    # --- web voters: 3 in Alder (two pots), 6 in Birch, 1 in Cedar -------------------------
    web_a = [_web_resident(100 + i, a) for i in range(3)]
    web_b = [_web_resident(200 + i, b) for i in range(6)]
    web_c = [_web_resident(300, c)]
    signed_in = _sign_in("+14155550100", "10.0.0.1", capture)  # web_a[0] signs in first
    assert signed_in.pk == web_a[0].pk
    for r in web_a:
        _vote(r, w, [1, 3], Channel.WEB)
    for r in web_b:
        _vote(r, w, [1, 2], Channel.WEB)
    _vote(web_c[0], w, [1, 4], Channel.WEB)
    # a voter comments and supports (engaged, already further)
    first_idea = Proposal.objects.get(pk=ideas[0].pk)
    comment_post(author=web_b[0], proposal=first_idea, body="Yes", channel=Channel.WEB)
    support_add(resident=web_b[1], proposal=first_idea)
    # someone who signs in but never votes
    _sign_in("+14155558888", "10.0.0.2", capture)

    # --- SMS: 3 voters in Alder (texts), 2 who only ask for HELP ----------------------------
    sms_people = []
    for i in range(5):
        e164 = f"+1415556{i:04d}"
        resident, _ = resident_for_phone(e164=e164, channel=Channel.SMS)
        resident_set_neighbourhood(resident=resident, neighbourhood=a)
        sms_people.append((e164, resident))
    for i, (e164, _resident) in enumerate(sms_people[:3]):
        replies = _text(e164, "VOTE 1 3", f"SMvote{i:028d}")
        assert any("receipt" in r.lower() or "recorded" in r.lower() for r in replies), replies
    for i, (e164, _resident) in enumerate(sms_people[3:]):
        _text(e164, "HELP", f"SMhelp{i:028d}")
    from django.contrib.auth.models import Permission

    staff_user.user_permissions.add(Permission.objects.get(codename="send_broadcast"))
    staff_user = type(staff_user).objects.get(pk=staff_user.pk)  # drop the permission cache
    with capture(execute=True):
        sms_broadcast(author=staff_user, neighbourhood_ids=[a.pk], texts={"en": "Vote now!"})

    # --- paper: 7 letters for Alder, 3 entered at a poll site (one voted on the web first) ---
    codes = voter_codes_issue(count=7, process=process, neighbourhood=a)
    web_then_paper = sign_in_voter_code_verify(code=codes[0], ip="10.0.0.3")
    _vote(web_then_paper, w, [1, 3], Channel.WEB)
    for code in codes[:3]:
        paper_ballot_enter(
            process=process,
            voter=PaperVoter(voter_code=code),
            marks=[(1, None), (3, None)],
            actor=None,
        )

    # --- API: 4 voters in Birch ---------------------------------------------------------------
    api_b = [_web_resident(400 + i, b) for i in range(4)]
    for r in api_b:
        _vote(r, w, [1, 2], Channel.API)

    # --- ages of voters: 6 aged 18-29, 5 aged 30-44, 2 aged 65+, 7 not given ---------------------
    sms_voters = [r for _e, r in sms_people[:3]]
    paper_voters = list(Resident.objects.filter(voter_code_process=process).order_by("pk"))
    paper_voted = [
        r
        for r in paper_voters
        if ParticipationFact.objects.filter(resident=r, kind="vote").exists()
    ]
    assert len(paper_voted) == 3
    _ages(web_b[:4] + api_b[:2], ["18_29"] * 6)
    _ages(web_a + sms_voters[:2], ["30_44"] * 5)
    _ages(paper_voted[:2], ["65_plus"] * 2)

    # --- results and delivery -------------------------------------------------------------------
    close_voting(process)
    results_publish(process=process, actor=None)
    process.refresh_from_db()
    project_delivery_record(
        project=projects[1],
        actor=None,
        status="in_progress",
        percent=10,
        notes={"en": "Work has started."},
    )
    ProjectUpdate.objects.create(
        project=projects[2],
        created_at=now - dt.timedelta(days=200),
        status="planning",
        percent=0,
        notes={"en": "Planning."},
    )
    return w


def _criteria(world: World) -> dict[str, dict[str, Any]]:
    return {c["key"]: c for c in scorecard_json(process_scorecard(world.process))["criteria"]}


def test_participation_counts_residents_by_channel_and_neighbourhood(world: World) -> None:
    # 9 Alder voters hold two ballots each (city-wide and Alder): 29 ballots, 20 residents.
    assert Ballot.objects.filter(process=world.process).counted().count() == 29
    assert process_turnout(world.process) == 20
    figures = process_participation(world.process)
    assert figures.participants == 20
    # the web-then-paper voter is a paper voter (their counted ballot is on paper)
    assert dict(figures.by_channel) == {"web": 10, "sms": 3, "paper": 3, "api": 4}
    body = participation_json(world.process, figures)
    assert body["participants"] == 20
    assert body["by_channel"] == {"api": 4, "paper": 3, "sms": 3, "web": 10}
    rows = {r["neighbourhood"]: r for r in body["by_neighbourhood"]}
    assert rows["alder"]["participants"] == 9
    assert rows["alder"]["rate"] == 0.009
    assert rows["birch"]["participants"] == 10
    # one voter in Cedar: below the minimum, withheld with its rate
    assert rows["cedar"]["participants"] is None and rows["cedar"]["rate"] is None
    # ideas 4, votes 20; one comment and one support are withheld
    assert body["by_phase"] == {"ideas": 4, "comments": None, "supports": None, "votes": 20}
    ages = {g["group"]: g for g in body["by_group"]["age_band"]}
    assert ages["age_band.18_29"]["participants"] == 6
    assert ages["age_band.18_29"]["share"] == 0.3
    assert ages["age_band.not_given"]["participants"] == 7
    assert ages["age_band.not_given"]["share"] == 0.35
    # 65+ (2) is withheld, and so is the next smallest (30-44: 5), which would give it away
    assert ages["age_band.65_plus"]["participants"] is None
    assert ages["age_band.30_44"]["participants"] is None
    assert ages["age_band.under_18"]["participants"] == 0
    # gender: nobody answered, so everyone is "not given"; the shares add up
    genders = {g["group"]: g["share"] for g in body["by_group"]["gender"]}
    assert genders["gender.not_given"] == 1.0
    assert sum(v for v in genders.values() if v) == 1.0
    _assert_not_joinable(world)


def test_every_criterion_against_hand_worked_figures(world: World) -> None:
    got = _criteria(world)
    # participation rate: 20 / 3,500
    assert (got["turnout"]["value"], got["turnout"]["met"]) == (0.0057, False)
    # inclusion: Birch 10/2000 = 0.005 over Alder 9/1000 = 0.009 (Cedar withheld: not met)
    assert got["inclusion"]["value"] == 0.5556
    assert got["inclusion"]["met"] is False and got["inclusion"]["suppressed"] is True
    # representativeness (age): answered 13; shares 6/13, 5/13, 2/13 against 0.2 each:
    # ½(0.2 + 0.261538 + 0.184615 + 0.2 + 0.046154) = 0.4462
    age = got["representativeness_age"]
    assert (age["value"], age["met"]) == (0.4462, False)
    index = {d["group"]: d["index"] for d in age["details"]}
    assert index["age_band.18_29"] == 2.3077
    assert index["age_band.65_plus"] is None  # a withheld cell has no index
    assert index["age_band.under_18"] == 0.0
    assert got["representativeness_gender"]["value"] is None
    # access: (3 SMS + 3 paper) / 20; Alder 3/9 each, Birch none
    access = got["access"]
    assert (access["value"], access["met"]) == (0.3, True)
    hoods = {d["neighbourhood"]: d for d in access["details"]}
    assert hoods["alder"]["sms_share"] == 0.3333 and hoods["alder"]["paper_share"] == 0.3333
    assert hoods["birch"]["sms_share"] == 0.0
    assert hoods["cedar"]["participants"] is None and hoods["cedar"]["sms"] is None
    # ownership: 2 of 4 ballot projects came from ideas; funded P1 (idea), P2, P3 (idea)
    assert got["ownership_ballot"]["value"] == 0.5
    assert (got["ownership_funded"]["value"], got["ownership_funded"]["met"]) == (0.6667, True)
    # funds: Alder (high need) 30k + 20k of 80k located = 0.625, population 1000/3500
    assert (got["fair_investment"]["value"], got["fair_investment"]["met"]) == (2.1875, True)
    # responsiveness: decisions after 2, 4, 10 days (a fourth idea waits): median 4
    assert (got["responsiveness"]["value"], got["responsiveness"]["met"]) == (4.0, True)
    assert got["responsiveness"]["details"] == [{"ideas": 4, "decided": 3}]
    # accountability: P1 updated today, P2 200 days ago, P3 never: 1 of 3
    assert (got["accountability"]["value"], got["accountability"]["met"]) == (0.3333, False)
    # every criterion names its principle and carries its trend (this process only)
    for criterion in got.values():
        assert criterion["principle"] in {"justice", "access", "jobs", "investment", "ownership"}
        assert [t["process"] for t in criterion["trend"]] == ["equity-2027"]


def test_funded_criteria_follow_a_staff_override(world: World) -> None:
    """Funded means the published outcome with staff overrides: un-funding Alder's idea
    project (P3) moves ownership, fair investment and accountability with it."""
    process = world.process
    results_unpublish(process=process, actor=None, reason="Review the Alder site.")
    outcome_override(
        process=process,
        pot=world.projects[3].pot,
        actor=None,
        kind="remove",
        project=world.projects[3],
        reason="The site is not available.",
    )
    results_publish(process=process, actor=None)
    process.refresh_from_db()
    got = _criteria(world)
    # funded P1 (idea), P2: one of two from ideas
    assert got["ownership_funded"]["value"] == 0.5
    assert got["ownership_funded"]["details"] == [{"funded": 2, "from_ideas": 1}]
    # Alder (high need) 30k of 60k located = 0.5, against 1000/3500 of the population
    assert got["fair_investment"]["value"] == 1.75
    # P1 updated today, P2 200 days ago: 1 of 2
    assert got["accountability"]["value"] == 0.5
    # what was on the ballot does not change
    assert got["ownership_ballot"]["value"] == 0.5


def test_funnel_by_step_group_and_channel(world: World) -> None:
    body = funnel_json(world.process, process_funnel(world.process))
    overall = {s["step"]: s for s in body["overall"]}
    # reached: 20 voters + 4 unused letters + 2 HELP texters + 4 idea authors + 1 sign-in
    assert {k: v["residents"] for k, v in overall.items()} == {
        "reached": 31,
        "engaged": 27,
        "verified": 21,
        "voted": 20,
    }
    assert overall["engaged"]["drop_off"] == round(1 - 27 / 31, 4)
    assert overall["voted"]["drop_off"] == round(1 - 20 / 21, 4)
    channels = {
        c["channel"]: {s["step"]: s["residents"] for s in c["steps"]} for c in body["by_channel"]
    }
    assert channels["sms"]["voted"] == 3 and channels["sms"]["reached"] == 5
    assert channels["api"]["voted"] == 4
    assert channels["paper"] == {"reached": 7, "engaged": 3, "verified": 3, "voted": 3}
    ages = {
        g["group"]: {s["step"]: s["residents"] for s in g["steps"]}
        for g in body["by_group"]["age_band"]
    }
    # 18-29: 6 voters and one idea author who did not vote
    assert ages["age_band.18_29"] == {"reached": 7, "engaged": 7, "verified": 6, "voted": 6}
    assert ages["age_band.65_plus"]["voted"] is None  # 2: withheld


def _assert_not_joinable(world: World) -> None:
    facts = ParticipationFact._meta
    columns = {f.column for f in facts.local_fields}
    assert columns == {"id", "process_id", "resident_id", "kind", "channel", "day"}
    assert facts.pk.get_internal_type() == "UUIDField"
    # a day, never a time: nothing to line up with a ballot's cast_at
    assert facts.get_field("day").get_internal_type() == "DateField"
    ballot_ids = {str(pk) for pk in Ballot.objects.values_list("pk", flat=True)}
    fact_ids = {str(pk) for pk in ParticipationFact.objects.values_list("pk", flat=True)}
    assert not ballot_ids & fact_ids
    # one row per resident, kind and day, whatever the pots and the re-casts
    votes = ParticipationFact.objects.filter(process=world.process, kind="vote")
    assert votes.count() == 20


def test_shuffle_rewrites_the_record_in_key_order(
    process_factory: Any, resident_factory: Any
) -> None:
    from django.core.management import call_command

    from participation.services.participation_record import participation_record

    processes = [process_factory() for _ in range(3)]
    for resident in [resident_factory() for _ in range(30)]:
        for process in processes:
            participation_record(process=process, resident=resident, kind="vote", channel="web")
    before = set(ParticipationFact.objects.values_list("pk", "kind", "channel", "day"))
    call_command("participation_shuffle")
    after_rows = list(ParticipationFact.objects.values_list("pk", "kind", "channel", "day"))
    assert len(after_rows) == 90 and set(after_rows) == before
    table = ParticipationFact._meta.db_table
    with connection.cursor() as cursor:
        # the physical order (no ORDER BY) is now the key order, not the order of the acts
        cursor.execute(f"SELECT id FROM {table}")  # noqa: S608 - our own table name
        physical = [str(row[0]).replace("-", "") for row in cursor.fetchall()]
    assert physical == sorted(physical)
