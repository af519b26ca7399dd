"""Whole SMS conversations through the webhook, in English, Spanish and French."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from budgets.models import Ballot, CastLog, Selection
from core.models import PhaseKind
from participation.identity import phone_hash
from participation.models import Comment, Proposal, ProposalStatus, Resident
from sms.models import SmsConversation
from sms.segments import segment_count
from tests.sms.conftest import City, Phone

RECEIPT = re.compile(r"\b[2-9A-Z]{5}-[2-9A-Z]{5}\b")


def receipts_in(text: str) -> list[str]:
    return RECEIPT.findall(text)


def ballot_codes(resident: Resident) -> dict[str, list[int]]:
    from budgets.pseudonyms import ballot_pseudonym

    out = {}
    for ballot in Ballot.objects.select_related("pot"):
        if ballot.voter == ballot_pseudonym(resident_id=resident.pk, pot_id=ballot.pot_id):
            out[ballot.pot.name] = sorted(
                Selection.objects.filter(ballot=ballot).values_list(
                    "project__short_code", flat=True
                )
            )
    return out


CONVERSATIONS = {
    "en": {
        "number": "+14155550101",
        "hello": "Hello",
        "hello_reply": "Just City: LIST projects",
        "question": "Which neighbourhood do you live in?",
        "answer": "2",
        "answer_reply": "Thanks! Your neighbourhood is Southbank.",
        "list": "LIST",
        "list_reply": "Projects 1/1\nBudget: City-wide $100,000; Southbank $50,000\n",
        "local": 6,
        "other_local": 5,
        "solar": "$40,000",
        "vote": "VOTE 1 6",
        "voted": "Vote recorded: 1, 6.",
        "age": "Optional: your age?",
        "revote": "vote 2,6",
        "revoted": "Vote changed: 2, 6.",
        "check": "CHECK",
        "replaced": "replaced by a newer vote",
        "counted": "counted (City-wide",
    },
    "es": {
        "number": "+14155550102",
        "hello": "HOLA",
        "hello_reply": "Just City: LISTA proyectos",
        "question": "¿En qué barrio vives?",
        "answer": "southbank",
        "answer_reply": "¡Gracias! Tu barrio es Southbank.",
        "list": "lista",
        "list_reply": (
            "Proyectos 1/1\nPresupuesto: Toda la ciudad 100.000 US$; Southbank 50.000 US$\n"
        ),
        "local": 6,
        "other_local": 5,
        "solar": "40.000 US$",
        "vote": "VOTAR 1 6",
        "voted": "Voto registrado: 1, 6.",
        "age": "Opcional: ¿tu edad?",
        "revote": "Votar 2 6",
        "revoted": "Voto cambiado: 2, 6.",
        "check": "RECIBO",
        "replaced": "reemplazado por un voto mas reciente",
        "counted": "contado (Toda la ciudad",
    },
    "fr": {
        "number": "+14155550103",
        "hello": "Bonjour",
        "hello_reply": "Just City : LISTE projets",
        "question": "Dans quel quartier habitez-vous ?",
        "answer": "northf",
        "answer_reply": "Merci ! Votre quartier est Northfield.",
        "list": "LISTE",
        "list_reply": "Projets 1/2\nBudget : Toute la ville 100 000 $US; Northfield 50 000 $US\n",
        "local": 5,
        "other_local": 6,
        "solar": "40 000 $US",
        "vote": "VOTER 1 5",
        "voted": "Vote enregistré : 1, 5.",
        "age": "Facultatif : votre age ?",
        "revote": "VOTE 2 5",
        "revoted": "Vote modifié : 2, 5.",
        "check": "REÇU",
        "replaced": "remplacé par un vote plus récent",
        "counted": "compté (Toute la ville",
    },
}


@pytest.mark.parametrize("language", ["en", "es", "fr"])
def test_full_conversation(client: Client, city: City, language: str) -> None:
    """New resident → neighbourhood → LIST → VOTE (+ age question) → re-VOTE → CHECK."""
    c = CONVERSATIONS[language]
    phone = Phone(client, str(c["number"]))

    hello = phone.send(str(c["hello"]))
    assert hello[0].startswith(str(c["hello_reply"]))
    assert str(c["question"]) in hello[1]
    assert "1 Northfield\n2 Southbank" in hello[1]
    resident = Resident.objects.get()
    assert resident.language == language  # the keyword's language, for a new resident
    assert resident.first_channel == "sms"

    assert phone.send(str(c["answer"]))[0].startswith(str(c["answer_reply"]))

    listing = phone.send(str(c["list"]))[0]
    assert listing.startswith(str(c["list_reply"]))
    pages = [listing]
    if listing.startswith(("Projets 1/2", "Projects 1/2", "Proyectos 1/2")):
        # French amounts ("100 000 $US") are longer: the ballot takes a second page.
        pages.append(phone.send(f"{c['list']} 2")[0])
    listing = "\n".join(pages)
    assert f"\n{c['local']} " in listing
    assert f"\n{c['other_local']} " not in listing  # another neighbourhood's ballot
    assert f"\n1 Solar bus shelters {c['solar']}\n" in listing

    voted = phone.send(str(c["vote"]))
    assert voted[0].startswith(str(c["voted"]))
    assert str(c["age"]) in voted[1]
    first_receipts = receipts_in(voted[0])
    assert len(first_receipts) == 2  # one per pot: city-wide and the neighbourhood's

    assert phone.send("3") != []
    resident.refresh_from_db()
    assert resident.demographics == {"age_band": "30_44"}

    revoted = phone.send(str(c["revote"]))
    assert revoted[0].startswith(str(c["revoted"]))
    assert len(revoted) == 1  # the age question is asked once
    second_receipts = receipts_in(revoted[0])
    assert ballot_codes(resident) == {
        "City-wide": [2],
        ("Southbank" if c["local"] == 6 else "Northfield"): [int(str(c["local"]))],
    }
    assert Ballot.objects.count() == 2  # replaced in place, never a second ballot

    old = phone.send(f"{c['check']} {first_receipts[0]}")[0]
    assert str(c["replaced"]) in old
    new = phone.send(f"{c['check']} {second_receipts[0].lower().replace('-', ' ')}")[0]
    assert str(c["counted"]) in new
    for text in [*hello, *voted, *revoted, old, new, *pages]:
        assert segment_count(text) <= 2


def test_vote_before_neighbourhood_explains_and_asks(phone: Phone, city: City) -> None:
    replies = phone.send("VOTE 1 5")
    assert replies[0].startswith("Vote not recorded.")
    assert "tell us your neighbourhood first" in replies[0]
    assert "Which neighbourhood do you live in?" in replies[1]
    assert Ballot.objects.count() == 0
    assert phone.send("Northfield")[0].startswith("Thanks! Your neighbourhood is Northfield.")
    assert phone.send("VOTE 1 5")[0].startswith("Vote recorded: 1, 5.")


def test_neighbourhood_is_asked_once(phone: Phone, city: City) -> None:
    assert "Which neighbourhood" in phone.send("what?")[0]
    # Ignored: the resident carries on; we do not ask again for city-wide business.
    assert phone.send("INFO 1")[0].startswith("1 Solar bus shelters")
    assert phone.send("LIST")[0].startswith("Projects 1/1\nBudget: City-wide $100,000\n")
    assert phone.send("what?") == [
        "Not understood. LIST projects, INFO 3 details, VOTE 3 7 to vote, IDEA text, "
        "CHECK receipt, LANG es, HELP all."
    ]


def test_unknown_neighbourhood_answer_asks_again(phone: Phone, city: City) -> None:
    phone.send("hello")
    again = phone.send("Atlantis")[0]
    assert again.startswith("No neighbourhood matches that.")
    assert phone.send("AREA 1")[0].startswith("Thanks! Your neighbourhood is Northfield.")


def test_ballot_errors_are_explained(phone: Phone, city: City) -> None:
    phone.send("AREA Southbank")
    over = phone.send("VOTE 1 3 4")[0]
    assert over.startswith("Vote not recorded. Your choices cost $160,000")
    assert "Send VOTE again with your choices." in over
    wrong = phone.send("VOTE 5")[0]
    assert "belongs to another neighbourhood's ballot (Northfield)" in wrong
    unknown = phone.send("VOTE 1 9")[0]
    assert "There is no project 9 on this ballot." in unknown
    twice = phone.send("VOTE 1 1")[0]
    assert "Project 1 is chosen more than once." in twice
    assert phone.send("VOTE")[0].startswith("Send VOTE and project numbers")
    assert Ballot.objects.count() == 0


def test_vote_errors_are_in_the_residents_language(client: Client, city: City) -> None:
    phone = Phone(client, "+14155550104")
    phone.send("IDIOMA es")
    phone.send("BARRIO 1")
    reply = phone.send("VOTAR 1 3 4")[0]
    assert reply.startswith("Voto no registrado.")
    assert "VOTAR de nuevo" in reply


def test_no_vote_open(phone: Phone, city: City) -> None:
    city.process.phases.filter(kind=PhaseKind.VOTING).update(
        starts_at=timezone.now() - dt.timedelta(days=30),
        ends_at=timezone.now() - dt.timedelta(days=1),
    )
    assert phone.send("VOTE 1")[0] == (
        "No vote is open right now. Send IDEA and your idea to suggest one."
    )
    city.process.phases.all().delete()
    assert phone.send("VOTE 1")[0] == "No vote is open right now."
    assert phone.send("LIST")[0] == "No vote is open right now."


def test_info(phone: Phone, city: City) -> None:
    phone.send("AREA 2")
    info = phone.send("INFO 3")[0]
    assert info.startswith("3 Air-quality sensors near schools: $50,000 (City-wide).")
    assert info.endswith("VOTE 3 to choose it.")
    assert phone.send("INFO 5")[0].startswith("There is no project 5 on your ballot.")
    assert phone.send("INFO")[0].startswith("Send INFO and a project number")


def test_long_project_description_is_cut_to_two_segments(phone: Phone, city: City) -> None:
    city.projects[1].description = "Shade and seats and screens. " * 40
    city.projects[1].save()
    info = phone.send("INFO 1")[0]
    assert segment_count(info) == 2
    assert info.endswith("VOTE 1 to choose it.")


def test_list_paginates_within_two_segments(phone: Phone, city: City, project_factory: Any) -> None:
    for code in range(10, 40):
        project_factory(
            process=city.process,
            pot=city.citywide,
            short_code=code,
            title=f"Community project number {code} with a long descriptive title",
            cost=Decimal("1000"),
        )
    phone.send("AREA 1")
    first = phone.send("LIST")[0]
    assert first.startswith("Projects 1/")
    pages = int(first.split("/", 1)[1].split("\n", 1)[0])
    assert pages >= 3
    seen = first
    assert first.rstrip().endswith("LIST 2 for more.")
    assert segment_count(first) <= 2
    more = phone.send("MORE")[0]
    assert more.startswith(f"Projects 2/{pages}")
    seen += more
    for page in range(3, pages + 1):
        text = phone.send(f"LIST {page}")[0]
        assert text.startswith(f"Projects {page}/{pages}")
        assert segment_count(text) <= 2
        seen += text
    for code in [1, 2, 3, 4, 5, *range(10, 40)]:
        assert f"\n{code} " in seen  # every project is on some page
    assert phone.send("LIST 99")[0] == f"There are {pages} pages. Send LIST 1 to start."


def test_neighbourhood_list_paginates_with_more(
    client: Client, city: City, neighbourhood_factory: Any
) -> None:
    for i in range(30):
        neighbourhood_factory(name=f"Localidad de San Cristobal del Norte {i:02d}")
    phone = Phone(client, "+14155550105")
    first = phone.send("hello")[1]
    assert segment_count(first) <= 2
    assert first.endswith("MORE for more.")
    second = phone.send("MORE")[0]
    assert segment_count(second) <= 2
    # Numbering continues from the first page.
    last_first = int(first.split("\n")[-1].split(" ", 1)[0])
    assert second.split("\n")[1].startswith(f"{last_first + 1} ")
    assert phone.send(str(last_first + 1))[0].startswith("Thanks! Your neighbourhood is")


def test_idea_asks_for_the_neighbourhood_then_submits(phone: Phone, city: City) -> None:
    asked = phone.send("IDEA Drinking fountains in Southbank park. Summers are hot.")[0]
    assert asked.startswith("Which neighbourhood is your idea for?")
    assert Proposal.objects.count() == 0
    done = phone.send("2")[0]
    proposal = Proposal.objects.get()
    assert done == (
        f"Thank you! Idea I{proposal.pk} received. Staff review ideas before they are "
        f"published. Comment on it with COMMENT I{proposal.pk} and your text."
    )
    assert proposal.title == "Drinking fountains in Southbank park"
    assert proposal.body == "Drinking fountains in Southbank park. Summers are hot."
    assert proposal.neighbourhood == city.south
    assert proposal.channel == "sms"
    assert proposal.status == ProposalStatus.SUBMITTED
    assert phone.send("IDEA")[0].startswith("Send IDEA and your idea")


def test_idea_when_ideas_are_closed(phone: Phone, city: City) -> None:
    city.process.phases.filter(kind=PhaseKind.IDEAS).delete()
    assert phone.send("IDEA benches")[0] == "Ideas are not being collected right now."


def test_comment(phone: Phone, city: City, proposal_factory: Any) -> None:
    published = proposal_factory(process=city.process, status=ProposalStatus.APPROVED)
    waiting = proposal_factory(process=city.process, status=ProposalStatus.SUBMITTED)
    reply = phone.send(f"COMMENT I{published.pk} Yes, please — with shade!")[0]
    assert reply == f"Your comment on idea I{published.pk} was posted."
    comment = Comment.objects.get()
    assert comment.body == "Yes, please — with shade!"
    assert comment.channel == "sms"
    # An idea under review is not confirmed to exist to anyone but its author, as on
    # the web (404): the same fetch-and-authorise helper answers both channels.
    assert phone.send(f"COMMENT I{waiting.pk} hello")[0] == f"There is no idea I{waiting.pk}."
    assert phone.send("COMMENT i999999 hello")[0] == "There is no idea I999999."
    author = Resident.objects.get(phone_hash=phone_hash(phone.number))
    mine = proposal_factory(process=city.process, status=ProposalStatus.SUBMITTED, author=author)
    assert phone.send(f"COMMENT I{mine.pk} hello")[0] == (
        "Comments are open on published ideas only."
    )
    assert phone.send("COMMENT hello")[0].startswith("Send COMMENT, a number and your text")


def test_language_switch(phone: Phone, city: City) -> None:
    # Sent in GSM-7 look-alikes (ç is not GSM-7; é and ñ are): see sms.segments.
    assert phone.send("LANG fr")[0] == "Langue : francais. Envoyez AIDE pour les commandes."
    assert phone.send("HELP")[0].startswith("Just City : LISTE projets")
    assert phone.send("LANGUE español")[0].startswith("Idioma: español.")
    assert phone.send("IDIOMA klingon")[0] == "Envia IDIOMA en, IDIOMA es o IDIOMA fr."
    assert Resident.objects.get().language == "es"


def test_check_unknown_and_usage(phone: Phone, city: City) -> None:
    assert phone.send("CHECK ZZZZZ-ZZZZZ")[0].startswith("No vote has receipt ZZZZZ-ZZZZZ.")
    assert phone.send("CHECK")[0].startswith("Send CHECK and your receipt code")
    assert phone.send("CHECK 🎉")[0].startswith("Send CHECK and your receipt code")


def test_check_never_reveals_choices(phone: Phone, city: City) -> None:
    phone.send("AREA 1")
    receipt = receipts_in(phone.send("VOTE 3")[0])[0]
    reply = phone.send(f"CHECK {receipt}")[0]
    assert "Air-quality" not in reply
    # The pot and when it was counted, nothing else: not the project's number either
    # (matched as a whole, since the date may hold a 3 of its own).
    assert re.fullmatch(
        r"Receipt : counted \(City-wide, [A-Z][a-z]{2} \d{1,2}, \d{4}, \d{2}:\d{2}\)\.",
        reply.replace(receipt, ""),
    ), reply


def test_age_question_can_be_ignored(phone: Phone, city: City) -> None:
    phone.send("AREA 1")
    assert "Optional: your age?" in phone.send("VOTE 1")[1]
    phone.send("LIST")  # ignored: any keyword drops the question
    assert SmsConversation.objects.get().pending == ""
    assert phone.send("3")[0].startswith("Not understood.")
    assert Resident.objects.get().demographics == {}
    # It can still be given later on purpose.
    assert phone.send("AGE 9")[0].startswith("Send AGE and a number")
    assert phone.send("AGE 5")[0] == "Thank you!"
    assert Resident.objects.get().demographics == {"age_band": "65_plus"}


def test_age_bands_match_the_question() -> None:
    from participation.demographics import DEMOGRAPHIC_QUESTIONS

    assert DEMOGRAPHIC_QUESTIONS["age_band"] == (
        "under_18",
        "18_29",
        "30_44",
        "45_64",
        "65_plus",
    )


@pytest.mark.parametrize(
    ("language", "question", "usage"),
    [
        ("en", "Reply 1 under 25, 2 25-59, 3 60+.", "Send AGE and a number: 1 under 25, 2 25-59"),
        ("es", "Responde 1 menos de 25, 2 25-59, 3 60+.", "Envia EDAD y un numero: 1 menos de 25"),
        ("fr", "Répondez 1 moins de 25, 2 25-59, 3 60+.", "Envoyez AGE et un numéro : 1 moins"),
    ],
)  # fmt: skip
def test_age_question_offers_the_citys_own_bands(
    phone: Phone, city: City, settings: Any, language: str, question: str, usage: str
) -> None:
    """The bands are the city's: a city with three bands is asked for three, in the
    resident's language, and the answer is stored under the city's band names, the
    same the web's /me/about-you/ offers."""
    from frontend.forms import DemographicsForm

    settings.DEMOGRAPHIC_QUESTIONS = {
        **settings.DEMOGRAPHIC_QUESTIONS,
        "age_band": ("under_25", "25_59", "60_plus"),
    }
    web = [value for value, _label in DemographicsForm().fields["age_band"].choices if value]
    assert web == ["under_25", "25_59", "60_plus"]
    if language != "en":
        phone.send(f"LANG {language}")
    phone.send("AREA 1")
    asked = phone.send("VOTE 1")[1]
    assert question in asked and "65" not in asked
    assert phone.send("3")[0] in ("Thank you!", "¡Gracias!", "Merci !")
    assert Resident.objects.get().demographics == {"age_band": "60_plus"}
    # A number past the city's bands is not a band: the usage lists them again.
    keyword = {"en": "AGE", "es": "EDAD", "fr": "AGE"}[language]
    assert phone.send(f"{keyword} 4")[0].startswith(usage)
    phone.send(f"{keyword} 1")
    assert Resident.objects.get().demographics == {"age_band": "under_25"}


def test_cumulative_ballot_with_points(phone: Phone, city: City) -> None:
    city.process.ballot_type = "cumulative"
    city.process.max_total_points = 5
    city.process.save()
    phone.send("AREA 1")
    assert phone.send("VOTE 1x3 2x2")[0].startswith("Vote recorded: 1, 2.")
    points = dict(Selection.objects.values_list("project__short_code", "points"))
    assert points == {1: 3, 2: 2}
    assert "the most you can give is 5" in phone.send("VOTE 1x4 2x2")[0]


def test_simulated_and_twilio_texts_share_one_conversation(phone: Phone, city: City) -> None:
    from sms.services import sms_receive

    phone.send("AREA 1")
    received = sms_receive(
        provider="simulator", message_sid="SIM" + "0" * 32, sender=phone.number, body="VOTE 1"
    )
    assert received.replies[0].startswith("Vote recorded: 1.")
    assert CastLog.objects.get().channel == "sms"
    assert Resident.objects.count() == 1
