"""The demo city's participation, so every equity criterion has something to show:
census counts per self-report group, voters on the web, by SMS, on paper and through
the API (through ``ballot_cast`` and the paper service, as real ones), outreach
(voter letters, broadcast texts), opt-in answers, ideas on the ballot and their
moderation times. Kept apart from ``riverbend.py`` (which seeds the city itself) and
called once at its end. Idempotent: a process that already has voters is left alone.

Processes whose voting is over (a past process with published results) cannot take
ballots any more: there the participation record is written directly, as a fixture
(the demo loader is the documented exception to "every write in a service")."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence

from django.contrib.auth import get_user_model
from django.utils import timezone

from budgets.ballot_validation import Choice
from budgets.models import Ballot, CastLog, Project, Selection
from budgets.pseudonyms import ballot_pseudonym
from budgets.receipts import receipt_new
from budgets.services.ballots import ballot_cast
from budgets.services.paper import PaperVoter, paper_ballot_enter
from core.models import Channel, PhaseKind, Process
from core.selectors import process_phase_open
from maps.models import Neighbourhood
from participation.demographics import DEMOGRAPHIC_QUESTIONS
from participation.identity import phone_hash
from participation.models import (
    ModerationDecision,
    ParticipationFact,
    ParticipationKind,
    Proposal,
    Resident,
)
from participation.services.participation_record import participation_record_many
from participation.services.residents import resident_record_demographics
from participation.services.voter_codes import voter_codes_issue

SEED = 20271
# Census shares per group (a city's statistics office would give counts; these shares
# are applied to each neighbourhood's population with a little local variation).
CENSUS_SHARES = {
    "age_band": {"under_18": 0.2, "18_29": 0.2, "30_44": 0.22, "45_64": 0.24, "65_plus": 0.14},
    "gender": {"woman": 0.505, "man": 0.48, "nonbinary": 0.01, "other": 0.005},
    "tenure": {"renter": 0.52, "owner": 0.45, "other": 0.03},
}
# How voters took part: most on the web, a real share by SMS and on paper.
CHANNEL_MIX = ((Channel.WEB, 0.55), (Channel.SMS, 0.22), (Channel.PAPER, 0.15), (Channel.API, 0.08))


def _weighted(rng: random.Random, options: Sequence[tuple[str, float]]) -> str:
    return rng.choices([o for o, _w in options], weights=[w for _o, w in options])[0]


def _census(rng: random.Random, neighbourhoods: Sequence[Neighbourhood]) -> None:
    for n in neighbourhoods:
        groups = dict(n.demographics or {})
        for question, shares in CENSUS_SHARES.items():
            for answer, share in shares.items():
                groups[f"{question}.{answer}"] = int(n.population * share * rng.uniform(0.85, 1.15))
        n.demographics = groups
        n.save(update_fields=["demographics"])


def _answers(rng: random.Random, age_bias: float) -> dict[str, str]:
    """Two in three voters answer; older residents a little over-represented, as in
    most participatory budgets."""
    if rng.random() > 0.65:
        return {}
    bands = DEMOGRAPHIC_QUESTIONS["age_band"]
    age_weights = [
        0.05,
        0.14 - age_bias,
        0.22,
        0.3,
        0.29 + age_bias,
    ][: len(bands)]
    answers = {"age_band": rng.choices(bands, weights=age_weights)[0]}
    if rng.random() < 0.9:
        answers["gender"] = _weighted(
            rng, [("woman", 0.56), ("man", 0.41), ("nonbinary", 0.02), ("other", 0.01)]
        )
    if rng.random() < 0.8:
        answers["tenure"] = _weighted(rng, [("renter", 0.4), ("owner", 0.57), ("other", 0.03)])
    return {q: a for q, a in answers.items() if a in DEMOGRAPHIC_QUESTIONS.get(q, ())}


def _open_process_voters(process: Process, neighbourhoods: Sequence[Neighbourhood]) -> None:
    """Per neighbourhood: one voter through ``ballot_cast`` on the web and one through a
    voter letter and paper entry (the real paths, end to end); the rest written in bulk
    as fixtures (residents, their ballots, selections and cast log rows, their
    participation record), so loading the demo stays quick."""
    rng = random.Random(SEED)
    now = timezone.now()
    bulk: list[tuple[Resident, str, list[int]]] = []
    for index, n in enumerate(neighbourhoods):
        # Uneven on purpose: turnout differs between neighbourhoods, as in real cities.
        count = 10 + (index * 7) % 15
        [code] = voter_codes_issue(count=1, process=process, neighbourhood=n, language="en")
        holder = _holder(code)
        paper_ballot_enter(
            process=process,
            voter=PaperVoter(voter_code=code),
            marks=[
                (p.short_code, None)
                for p in Project.objects.filter(pk__in=_choices(process, n.pk, rng))
            ],
            actor=None,
        )
        web = Resident.objects.create(
            phone_hash=phone_hash(f"+155502{index:02d}99"),
            phone_e164=f"+155502{index:02d}99",
            neighbourhood=n,
            first_channel=Channel.WEB,
        )
        ballot_cast(
            resident=web,
            process=process,
            choices=[Choice(project_id=pk) for pk in _choices(process, n.pk, rng)],
            channel=Channel.WEB,
        )
        for resident in (holder, web):
            answers = _answers(rng, age_bias=0.04 * (index % 3))
            if answers:
                resident_record_demographics(resident=resident, answers=answers)
        for k in range(count - 2):
            channel = _weighted(rng, CHANNEL_MIX)
            answers = _answers(rng, age_bias=0.04 * (index % 3))
            # 040: apart from the numbers of last year's round (020) and the residents (010).
            e164 = f"+1555040{index:02d}{k:02d}"
            resident = Resident(
                neighbourhood=n,
                language=["en", "es", "fr"][k % 3],
                first_channel=channel if channel != Channel.API else Channel.WEB,
                demographics=answers,
                demographics_consent_at=now if answers else None,
            )
            if channel == Channel.PAPER:
                # identified at a poll site: only a keyed hash of the identity is kept
                resident.checked_identity_hash = phone_hash(f"demo-identity:{index}:{k}")
            else:
                resident.phone_hash, resident.phone_e164 = phone_hash(e164), e164
            bulk.append((resident, channel, _choices(process, n.pk, rng)))
    _bulk_voters(process, bulk, now)


def _choices(process: Process, neighbourhood_id: int, rng: random.Random) -> list[int]:
    """Two affordable city-wide projects and the neighbourhood's own."""
    citywide = sorted(
        Project.objects.on_ballot(process).filter(pot__neighbourhood=None).values_list("cost", "pk")
    )[:6]
    local = Project.objects.on_ballot(process).filter(pot__neighbourhood=neighbourhood_id)
    picked = rng.sample([pk for _cost, pk in citywide], k=min(2, len(citywide)))
    return picked + list(local.values_list("pk", flat=True))


def _bulk_voters(
    process: Process, voters: list[tuple[Resident, str, list[int]]], now: dt.datetime
) -> None:
    residents = Resident.objects.bulk_create([r for r, _c, _p in voters])
    pot_of = dict(Project.objects.filter(process=process).values_list("pk", "pot_id"))
    ballots: list[Ballot] = []
    chosen: list[list[int]] = []
    for resident, (_r, channel, projects) in zip(residents, voters, strict=True):
        by_pot: dict[int, list[int]] = {}
        for pk in projects:
            by_pot.setdefault(pot_of[pk], []).append(pk)
        for pot_id, pks in sorted(by_pot.items()):
            ballots.append(
                Ballot(
                    process=process,
                    pot_id=pot_id,
                    voter=ballot_pseudonym(resident_id=resident.pk, pot_id=pot_id),
                    channel=channel,
                    receipt=receipt_new(),
                    cast_at=now,
                )
            )
            chosen.append(pks)
    ballots = Ballot.objects.bulk_create(ballots)
    Selection.objects.bulk_create(
        Selection(ballot=b, project_id=pk, points=1)
        for b, pks in zip(ballots, chosen, strict=True)
        for pk in pks
    )
    CastLog.objects.bulk_create(
        CastLog(ballot=b, receipt=b.receipt, channel=b.channel, cast_at=now) for b in ballots
    )
    for channel, _share in CHANNEL_MIX:
        ids = [r.pk for r, (_x, c, _p) in zip(residents, voters, strict=True) if c == channel]
        kinds = [ParticipationKind.VOTE]
        if channel == Channel.SMS:
            kinds += [ParticipationKind.REACHED, ParticipationKind.TEXT]
        if channel == Channel.PAPER:
            kinds += [ParticipationKind.VERIFIED]
        for kind in kinds:
            participation_record_many(
                process_ids=[process.pk], resident_ids=ids, kind=kind, channel=channel
            )


def _holder(code: str) -> Resident:
    from participation.selectors import resident_for_voter_code

    resident = resident_for_voter_code(code=code)
    assert resident is not None
    return resident


def _ideas_on_ballot(process: Process) -> None:
    """Residents' ideas became projects, and moderators answered them in days."""
    moderator = get_user_model().objects.filter(is_staff=True).order_by("pk").first()
    ideas = list(Proposal.objects.filter(process=process).order_by("pk"))
    projects = list(Project.objects.on_ballot(process).filter(source_proposal=None))
    for idea, project in zip(ideas[:4], projects[1::3], strict=False):
        Project.objects.filter(pk=project.pk).update(source_proposal=idea)
    if moderator is None:
        return
    now = timezone.now()
    for days, idea in zip((3, 5, 8, 12, 6), ideas, strict=False):
        if idea.decisions.exists():
            continue
        Proposal.objects.filter(pk=idea.pk).update(created_at=now - dt.timedelta(days=30))
        decision = ModerationDecision.objects.create(
            proposal=idea, moderator=moderator, action="approve"
        )
        ModerationDecision.objects.filter(pk=decision.pk).update(
            created_at=now - dt.timedelta(days=30 - days)
        )


def _past_process_record(process: Process, neighbourhoods: Sequence[Neighbourhood]) -> None:
    """A closed process's voters, written straight into the record (a fixture)."""
    rng = random.Random(SEED + process.pk)
    residents = list(Resident.objects.exclude(neighbourhood=None).order_by("pk"))
    voters = [r.pk for r in residents if rng.random() < 0.7]
    for channel, share in CHANNEL_MIX:
        chosen = [pk for pk in voters if rng.random() < share]
        participation_record_many(
            process_ids=[process.pk],
            resident_ids=chosen,
            kind=ParticipationKind.VOTE,
            channel=channel,
        )


def demo_equity_load(process: Process) -> None:
    neighbourhoods = list(Neighbourhood.objects.order_by("name"))
    _census(random.Random(SEED), neighbourhoods)
    _ideas_on_ballot(process)
    for each in Process.objects.all():
        if ParticipationFact.objects.filter(process=each, kind=ParticipationKind.VOTE).exists():
            continue
        if each.pk == process.pk and process_phase_open(each, PhaseKind.VOTING):
            _open_process_voters(each, neighbourhoods)
        elif each.results_published_at is not None:
            _past_process_record(each, neighbourhoods)
