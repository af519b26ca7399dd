"""Several processes open at once (the conversation asks, or takes it from AREA or a
keyword, never the latest silently), AREA at any time, one numbering (projects by
number, ideas as I12), amounts in the resident's language."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from budgets.models import Ballot
from core.models import PhaseKind
from participation.models import Comment, ProposalStatus
from sms.models import SmsConversation
from tests.sms.conftest import City, Phone

pytestmark = pytest.mark.django_db


@pytest.fixture
def youth(
    city: City,
    process_factory: Any,
    phase_factory: Any,
    pot_factory: Any,
    project_factory: Any,
) -> Any:
    """A second vote open at the same time, only in Southbank, with its own project 1."""
    process = process_factory(title="Youth budget", slug="youth-budget", currency="USD")
    phase_factory(process=process, kind=PhaseKind.VOTING)
    pot = pot_factory(
        process=process, neighbourhood=city.south, name="Southbank", amount=Decimal("9000")
    )
    project_factory(
        process=process, pot=pot, short_code=1, title="Skate ramp", cost=Decimal("8000")
    )
    return process


def test_two_open_processes_the_conversation_asks_which_and_runs_the_held_vote(
    phone: Phone, city: City, youth: Any
) -> None:
    asked = phone.send("VOTE 1")
    assert asked == [
        "Several votes are open. Which one is your text about? Reply with its number: "
        "1 Riverbend 2027; 2 Youth budget. Or PROCESS 2 at any time."
    ]
    assert Ballot.objects.count() == 0  # never silently the latest one
    chosen, voted, *question = phone.send("2")
    assert chosen == "Your texts are now about: Youth budget. PROCESS to choose another."
    # The held VOTE runs in the chosen process: its project 1, the skate ramp. It needs
    # the resident's neighbourhood (Southbank's pot), so that is asked next.
    assert "tell us your neighbourhood first" in voted
    assert "Which neighbourhood do you live in?" in question[0]
    assert Ballot.objects.count() == 0
    assert SmsConversation.objects.get().process == youth
    # Later texts stay in the chosen process until the resident changes it.
    assert phone.send("AREA Southbank")[0].startswith("Thanks! Your neighbourhood is Southbank.")
    assert phone.send("VOTE 1")[0].startswith("Vote recorded: 1.")
    ballot = Ballot.objects.get()
    assert ballot.process == youth
    assert phone.send("PROCESS riverbend")[0].startswith("Your texts are now about: Riverbend")
    assert phone.send("INFO 1")[0].startswith("1 Solar bus shelters")


def test_the_neighbourhood_settles_which_process_when_only_one_covers_it(
    phone: Phone, city: City, youth: Any
) -> None:
    # Set late, while the question is pending: AREA answers it and the held LIST runs.
    assert phone.send("LIST")[0].startswith("Several votes are open.")
    confirmed, listing = phone.send("AREA Northfield")
    assert confirmed.startswith("Thanks! Your neighbourhood is Northfield.")
    assert listing.startswith("Projects 1/1")  # only Riverbend covers Northfield
    assert "Solar bus shelters" in listing and "Skate ramp" not in listing
    # In Southbank both processes have something: asked again, never guessed.
    phone.send("BARRIO Southbank")
    assert phone.send("LIST")[0].startswith("Several votes are open.")


def test_area_can_be_set_at_any_time_with_es_and_fr_aliases(
    phone: Phone, city: City, client: Any
) -> None:
    phone.send("HELLO")  # asked, ignored
    phone.send("LIST")
    phone.send("VOTE 1")
    assert phone.send("ZONA 2")[0].startswith("Thanks! Your neighbourhood is Southbank.")
    assert phone.send("QUARTIER northfield")[0].startswith(
        "Thanks! Your neighbourhood is Northfield."
    )
    spanish = Phone(client, "+14155550177")
    assert spanish.send("BARRIO 1")[0].startswith("¡Gracias! Tu barrio es Northfield.")


def test_one_numbering_projects_by_number_ideas_with_i(
    phone: Phone, city: City, proposal_factory: Any
) -> None:
    idea = proposal_factory(process=city.process, status=ProposalStatus.APPROVED)
    city.projects[5].source_proposal = idea
    city.projects[5].save()
    phone.send("AREA Northfield")
    listing = phone.send("LIST")[0]
    assert "\n5 Northfield street lighting" in listing
    # COMMENT 5 is project 5 (the LIST number): its discussion is its source idea's.
    assert phone.send("COMMENT 5 Yes please")[0] == "Your comment on project 5 was posted."
    assert Comment.objects.get().proposal == idea
    # A project with no discussion says so, and never lands on idea #1.
    assert phone.send("COMMENT 1 Hello")[0].startswith("Project 1 has no discussion to comment on.")
    assert Comment.objects.count() == 1
    # Ideas carry their prefix everywhere.
    assert phone.send(f"INFO I{idea.pk}")[0].startswith(f"Idea I{idea.pk}: {idea.title}.")
    assert phone.send(f"COMMENT i{idea.pk} Me too")[0] == (
        f"Your comment on idea I{idea.pk} was posted."
    )
    assert phone.send("INFO 5")[0].startswith("5 Northfield street lighting")
    assert phone.send("FOLLOW 5")[0].startswith("You follow project 5")


def test_amounts_are_formatted_for_the_language(client: Any, city: City) -> None:
    spanish = Phone(client, "+14155550178")
    spanish.send("IDIOMA es")
    spanish.send("BARRIO 2")
    assert spanish.send("INFO 3")[0].startswith(
        "3 Air-quality sensors near schools: 50.000 US$ (Toda la ciudad)."
    )
    over = spanish.send("VOTAR 1 3 4")[0]
    assert "160.000 US$" in over
    french = Phone(client, "+14155550179")
    french.send("LANGUE fr")
    french.send("QUARTIER 1")
    assert french.send("INFO 3")[0].startswith(
        "3 Air-quality sensors near schools : 50 000 $US (Toute la ville)."
    )


@pytest.fixture
def idea_box(
    db: None, neighbourhood_factory: Any, process_factory: Any, phase_factory: Any
) -> dict[str, Any]:
    """Only ideas are collected (no vote open): published ideas city-wide and in each
    neighbourhood, and one still under review."""
    north = neighbourhood_factory(name="Northfield", slug="northfield")
    south = neighbourhood_factory(name="Southbank", slug="southbank")
    process = process_factory(title="Ideas 2028", slug="ideas-2028")
    phase_factory(process=process, kind=PhaseKind.IDEAS)
    return {"process": process, "north": north, "south": south}


@pytest.mark.parametrize(
    ("setup", "heading", "tail"),
    [
        ([], "Ideas 1/1", "INFO I{n} for details, COMMENT I{n} and your text to comment."),
        (
            ["IDIOMA es"],
            "Ideas 1/1",
            "INFO I{n} para detalles, COMENTAR I{n} y tu texto para comentar.",
        ),
        (
            ["LANGUE fr"],
            "Idées 1/1",
            "INFO I{n} pour les détails, COMMENTER I{n} et votre texte pour commenter.",
        ),
    ],
    ids=["en", "es", "fr"],
)
def test_list_in_an_ideas_only_phase_shows_the_i_numbers_info_and_comment_take(
    phone: Phone,
    idea_box: dict[str, Any],
    proposal_factory: Any,
    setup: list[str],
    heading: str,
    tail: str,
) -> None:
    process, north, south = idea_box["process"], idea_box["north"], idea_box["south"]
    citywide = proposal_factory(
        process=process, status=ProposalStatus.APPROVED, title="Shade at bus stops"
    )
    mine = proposal_factory(
        process=process,
        status=ProposalStatus.APPROVED,
        neighbourhood=north,
        title="Lights on the towpath",
    )
    elsewhere = proposal_factory(
        process=process, status=ProposalStatus.APPROVED, neighbourhood=south, title="Skate park"
    )
    proposal_factory(process=process, status=ProposalStatus.SUBMITTED, title="Not yet public")
    for text in setup:
        phone.send(text)
    phone.send("AREA Northfield")
    listing = phone.send("LIST")[0]
    assert listing == "\n".join(
        [
            heading,
            f"I{citywide.pk} Shade at bus stops",
            f"I{mine.pk} Lights on the towpath",
            tail.format(n=citywide.pk),
        ]
    )
    assert f"I{elsewhere.pk}" not in listing  # another neighbourhood's idea
    # The numbers shown are the ones INFO and COMMENT take.
    info = phone.send(f"INFO I{mine.pk}")[0]
    assert f"I{mine.pk}" in info and "Lights on the towpath" in info
    phone.send(f"COMMENT I{mine.pk} Yes please")
    assert Comment.objects.get().proposal == mine


def test_list_in_an_ideas_only_phase_with_nothing_published_says_so(
    phone: Phone, idea_box: dict[str, Any], proposal_factory: Any
) -> None:
    proposal_factory(process=idea_box["process"], status=ProposalStatus.SUBMITTED)
    phone.send("AREA 1")
    assert phone.send("LIST") == [
        "No vote is open and no idea is published yet. Send IDEA and your idea to suggest one."
    ]
