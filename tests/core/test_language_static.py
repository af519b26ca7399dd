"""``{% language_static %}``: a block rendered once per language in a process, then
kept. What it keeps must be right in every language, must never carry what belongs to
one request, and must not outlive a change of the settings it was rendered under."""

from __future__ import annotations

import pytest
from django.template import Context, Template, TemplateSyntaxError, engines
from django.test import RequestFactory, override_settings
from django.urls import clear_script_prefix, set_script_prefix
from django.utils import translation

LOAD = "{% load i18n language_static %}"


def render(source: str, context: dict[str, object] | None = None, request=None) -> str:  # type: ignore[no-untyped-def]
    return engines["django"].from_string(LOAD + source).render(context or {}, request)


def test_the_block_reads_in_the_active_language_each_time() -> None:
    template = engines["django"].from_string(
        LOAD + '{% language_static %}{% translate "Skip to content" %}{% endlanguage_static %}'
    )
    with translation.override("en"):
        assert template.render({}) == "Skip to content"
    with translation.override("es"):
        assert template.render({}) == "Saltar al contenido"
    with translation.override("en"):
        assert template.render({}) == "Skip to content"


def test_the_block_is_kept_not_rendered_again() -> None:
    # {% now %} shows when the block was rendered: the same instant twice means kept.
    template = engines["django"].from_string(
        LOAD + '{% language_static %}{% now "U.u" %}{% endlanguage_static %}'
    )
    with translation.override("en"):
        first = template.render({})
        assert template.render({}) == first
    with translation.override("fr"):
        assert template.render({}) != first


def test_the_block_sees_no_page_data_no_request_and_no_csrf_token(rf: RequestFactory) -> None:
    request = rf.get("/")
    html = render(
        "{% language_static %}[{{ secret }}][{{ request.path }}][{% csrf_token %}]"
        "{% endlanguage_static %}",
        {"secret": "the resident's choices"},
        request=request,
    )
    assert html == "[][][]"


def test_named_values_are_part_of_what_is_kept() -> None:
    source = "{% language_static name=who %}<b>{{ name }}</b>{% endlanguage_static %}"
    assert render(source, {"who": "Ana"}) == "<b>Ana</b>"
    assert render(source, {"who": "Bo & Co"}) == "<b>Bo &amp; Co</b>"
    assert render(source, {"who": "Ana"}) == "<b>Ana</b>"


def test_urls_follow_the_script_prefix() -> None:
    template = engines["django"].from_string(
        LOAD + "{% language_static %}{% url 'frontend:home' %}{% endlanguage_static %}"
    )
    assert template.render({}) == "/"
    set_script_prefix("/city/")
    try:
        assert template.render({}) == "/city/"
    finally:
        clear_script_prefix()
    assert template.render({}) == "/"


def test_a_change_of_settings_forgets_what_was_kept() -> None:
    source = (
        "{% language_static %}{% get_available_languages as langs %}{{ langs|length }}"
        "{% endlanguage_static %}"
    )
    template = engines["django"].from_string(LOAD + source)
    assert template.render({}) == "3"
    with override_settings(LANGUAGES=[("en", "English")]):
        assert template.render({}) == "1"
    assert template.render({}) == "3"


def test_the_block_escapes_as_the_page_does() -> None:
    source = "{% language_static v=value %}{{ v }}{% endlanguage_static %}"
    escaped = Template(LOAD + source).render(Context({"value": "<i>"}))
    raw = Template(LOAD + source).render(Context({"value": "<i>"}, autoescape=False))
    assert (escaped, raw) == ("&lt;i&gt;", "<i>")


@pytest.mark.parametrize("arguments", ["SITE_NAME", "=x", "a=", "1a=x"])
def test_arguments_are_name_value_pairs(arguments: str) -> None:
    with pytest.raises(TemplateSyntaxError):
        render(f"{{% language_static {arguments} %}}x{{% endlanguage_static %}}")
