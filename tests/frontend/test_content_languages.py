"""Content in several languages (django-modeltranslation): process, project and idea
titles and texts may be given per language; a text not given in the reader's language
falls back to the one it was written in."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation

from budgets.models import Project
from core.models import Channel, Process
from maps.models import Neighbourhood
from participation.models import Proposal, Resident
from participation.services.ideas import proposal_submit

pytestmark = pytest.mark.django_db


def test_process_and_project_titles_per_language(client: Client, city: Process) -> None:
    city.title_es = "Presupuesto 2027"  # type: ignore[attr-defined]
    city.description_es = "Decide en qué se gasta."  # type: ignore[attr-defined]
    city.save()
    project = Project.objects.get(process=city, short_code=1)
    project.title_en = "Benches"  # type: ignore[attr-defined]
    project.title_es = "Bancos"  # type: ignore[attr-defined]
    project.description_es = "Diez bancos a la sombra."  # type: ignore[attr-defined]
    project.save()

    spanish = client.get(f"/processes/{city.slug}/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Presupuesto 2027" in spanish and "Decide en qué se gasta." in spanish
    assert "Bancos" in spanish and "Benches" not in spanish
    english = client.get(f"/processes/{city.slug}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Budget 2027" in english and "Benches" in english and "Bancos" not in english
    page = client.get(f"/projects/{project.pk}/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Diez bancos a la sombra." in page


def test_a_missing_translation_falls_back_to_the_original(client: Client, city: Process) -> None:
    french = client.get(f"/processes/{city.slug}/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Budget 2027" in french  # only given in English: shown in English


def test_an_idea_is_stored_in_its_authors_language_and_shown_to_others_as_written(
    client: Client, city: Process, voter: Resident, area: Neighbourhood
) -> None:
    with translation.override("es"):
        proposal = proposal_submit(
            author=voter,
            process=city,
            title="Fuentes de agua en el parque",
            body="Hace mucho calor en verano.",
            channel=Channel.WEB,
            neighbourhood=area,
            language="es",
        )
    stored = Proposal.objects.filter(pk=proposal.pk).values("title_es", "title_en", "body_es")
    assert list(stored) == [
        {
            "title_es": "Fuentes de agua en el parque",
            "title_en": None,
            "body_es": "Hace mucho calor en verano.",
        }
    ]
    with translation.override("en"):
        assert Proposal.objects.get(pk=proposal.pk).title == "Fuentes de agua en el parque"
    # Staff add an English translation: English readers get it, Spanish ones the original.
    proposal.title_en = "Water fountains in the park"  # type: ignore[attr-defined]
    proposal.status = "approved"
    proposal.save()
    english = client.get(f"/proposals/{proposal.pk}/", HTTP_ACCEPT_LANGUAGE="en").content
    spanish = client.get(f"/proposals/{proposal.pk}/", HTTP_ACCEPT_LANGUAGE="es").content
    assert "Water fountains in the park" in english.decode()
    assert "Fuentes de agua en el parque" in spanish.decode()


def test_an_sms_idea_in_french_goes_to_the_french_column(
    city: Process, voter: Resident, area: Neighbourhood
) -> None:
    proposal = proposal_submit(
        author=voter,
        process=city,
        title="Des bancs",
        body="",
        channel=Channel.SMS,
        neighbourhood=area,
        language="fr",
    )
    row = Proposal.objects.filter(pk=proposal.pk).values("title_fr", "body_fr", "title_en")[0]
    assert row == {"title_fr": "Des bancs", "body_fr": "Des bancs", "title_en": None}


def test_the_admin_edits_each_language(admin_client: Client, city: Process) -> None:
    html = admin_client.get(f"/admin/core/process/{city.pk}/change/").content.decode()
    for name in ("title_en", "title_es", "title_fr", "description_es"):
        assert f'name="{name}"' in html
    assert 'name="title"' not in html


def test_lists_sort_by_the_text_readers_see(city: Process, area: Neighbourhood) -> None:
    from frontend.selectors import map_items
    from tests.factories import ProposalFactory

    zoo = ProposalFactory(process=city, title="Zoo", status="approved", neighbourhood=area)
    apples = ProposalFactory(process=city, title="Apples", status="approved", neighbourhood=area)
    apples.title_es = "Manzanas"  # type: ignore[attr-defined]
    apples.save()
    with translation.override("es"):
        ideas = [item.pk for item in map_items(city, kind="idea")]
    assert ideas == [apples.pk, zoo.pk]  # "Manzanas" < "Zoo" (shown untranslated)
    with translation.override("en"):
        assert [item.pk for item in map_items(city, kind="idea")] == [apples.pk, zoo.pk]
    apples.title_es = "Zumo de manzana"  # type: ignore[attr-defined]
    apples.save()
    with translation.override("es"):
        assert [item.pk for item in map_items(city, kind="idea")] == [zoo.pk, apples.pk]
