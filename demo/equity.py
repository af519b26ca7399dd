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
from budgets.models import Project
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
from participation.services.participation_record import (
    participation_record,
    participation_record_many,
)
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


def _choices(process: Process, resident: Resident, rng: random.Random) -> list[Choice]:
    citywide = list(
        Project.objects.on_ballot(process).filter(pot__neighbourhood=None).values_list("pk", "cost")
    )
    local = list(
        Project.objects.on_ballot(process)
        .filter(pot__neighbourhood=resident.neighbourhood_id)
        .values_list("pk", flat=True)
    )
    affordable = sorted(citywide, key=lambda pc: pc[1])[:6]
    picked = rng.sample(affordable, k=min(2, len(affordable)))
    return [Choice(project_id=pk) for pk, _cost in picked] + [Choice(project_id=pk) for pk in local]


def _open_process_voters(process: Process, neighbourhoods: Sequence[Neighbourhood]) -> None:
    rng = random.Random(SEED)
    for index, n in enumerate(neighbourhoods):
        # Uneven on purpose: turnout differs between neighbourhoods, as in real cities.
        count = 10 + (index * 7) % 15
        paper_codes = iter(
            voter_codes_issue(count=count, process=process, neighbourhood=n, language="en")
        )
        for k in range(count):
            channel = _weighted(rng, CHANNEL_MIX)
            if channel == Channel.PAPER:
                code = next(paper_codes)
                paper_ballot_enter(
                    process=process,
                    voter=PaperVoter(voter_code=code),
                    marks=[
                        (p.short_code, None)
                        for p in Project.objects.filter(
                            pk__in=[c.project_id for c in _choices(process, _holder(code), rng)]
                        )
                    ],
                    actor=None,
                )
                resident = _holder(code)
            else:
                e164 = f"+1555020{index:02d}{k:02d}"
                resident, _ = Resident.objects.get_or_create(
                    phone_hash=phone_hash(e164),
                    defaults={
                        "phone_e164": e164,
                        "neighbourhood": n,
                        "language": ["en", "es", "fr"][k % 3],
                        "first_channel": channel if channel != Channel.API else Channel.WEB,
                    },
                )
                if channel == Channel.SMS:
                    participation_record_many(
                        process_ids=[process.pk],
                        resident_ids=[resident.pk],
                        kind=ParticipationKind.REACHED,
                        channel=Channel.SMS,
                    )
                    participation_record(
                        process=process,
                        resident=resident,
                        kind=ParticipationKind.TEXT,
                        channel=Channel.SMS,
                    )
                ballot_cast(
                    resident=resident,
                    process=process,
                    choices=_choices(process, resident, rng),
                    channel=channel,
                )
            answers = _answers(rng, age_bias=0.04 * (index % 3))
            if answers:
                resident_record_demographics(resident=resident, answers=answers)


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
