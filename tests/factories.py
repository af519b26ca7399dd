"""factory_boy factories, registered as pytest fixtures in conftest.py
(``neighbourhood``, ``process``, ``resident``, ... and ``*_factory``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from budgets.models import Ballot, Pot, Project
from budgets.pseudonyms import ballot_pseudonym
from core.models import BallotType, Phase, PhaseKind, Process
from maps.models import Neighbourhood
from participation.identity import phone_hash
from participation.models import Comment, Pilot, PilotReport, Proposal, Resident


def square(lng: float, lat: float, size: float = 0.01) -> dict[str, object]:
    return {
        "type": "Polygon",
        "coordinates": [
            [[lng, lat], [lng + size, lat], [lng + size, lat + size], [lng, lat + size], [lng, lat]]
        ],
    }


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"staff{n}")
    is_staff = True
    password = factory.django.Password("correct-horse-battery")


def grant(user: object, *permissions: str) -> object:
    """``user`` (reloaded, so no stale permission cache) holding ``permissions``."""
    from django.contrib.auth.models import Permission

    for name in permissions:
        app_label, codename = name.split(".", 1)
        user.user_permissions.add(  # type: ignore[attr-defined]
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return get_user_model().objects.get(pk=user.pk)  # type: ignore[attr-defined]


class NeighbourhoodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Neighbourhood

    name = factory.Sequence(lambda n: f"Neighbourhood {n}")
    slug = factory.Sequence(lambda n: f"neighbourhood-{n}")
    boundary = factory.Sequence(lambda n: square(-74.0 + n * 0.02, 4.6))
    population = 10_000
    need_index = Decimal("1.000")


class ProcessFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Process

    title = factory.Sequence(lambda n: f"Budget {n}")
    slug = factory.Sequence(lambda n: f"budget-{n}")
    languages = ["en", "es", "fr"]
    ballot_type = BallotType.APPROVAL


class PhaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Phase

    process = factory.SubFactory(ProcessFactory)
    kind = PhaseKind.VOTING
    starts_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=1))
    ends_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=7))


class PotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pot

    process = factory.SubFactory(ProcessFactory)
    neighbourhood = None
    name = "City-wide"
    amount = Decimal("100000")


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    pot = factory.SubFactory(PotFactory)
    process = factory.SelfAttribute("pot.process")
    title = factory.Sequence(lambda n: f"Project {n}")
    cost = Decimal("10000")
    short_code = factory.Sequence(lambda n: n + 1)


class ResidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resident

    phone_e164 = factory.Sequence(lambda n: f"+1415555{n % 10000:04d}")
    phone_hash = factory.LazyAttribute(lambda o: phone_hash(o.phone_e164))
    language = "en"
    first_channel = "web"


class BallotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ballot

    class Params:
        resident = factory.SubFactory(ResidentFactory)

    pot = factory.SubFactory(PotFactory)
    process = factory.SelfAttribute("pot.process")
    voter = factory.LazyAttribute(
        lambda o: ballot_pseudonym(resident_id=o.resident.pk, pot_id=o.pot.pk)
    )
    channel = "web"
    receipt = factory.Sequence(lambda n: f"R{n:08d}")
    cast_at = factory.LazyFunction(timezone.now)


class ProposalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Proposal

    process = factory.SubFactory(ProcessFactory)
    author = factory.SubFactory(ResidentFactory)
    title = factory.Sequence(lambda n: f"Idea {n}")
    body = "More shade trees along the bus stops."


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Comment

    proposal = factory.SubFactory(ProposalFactory)
    author = factory.SubFactory(ResidentFactory)
    body = "Yes please."


class PilotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pilot

    name = factory.Sequence(lambda n: f"Pilot {n}")
    slug = factory.Sequence(lambda n: f"pilot-{n}")


class PilotReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PilotReport

    pilot = factory.SubFactory(PilotFactory)
    period_start = dt.date(2027, 1, 1)
    period_end = dt.date(2027, 1, 31)
    participants = 42
