"""``{% language_static %}…{% endlanguage_static %}``: a block of a page whose text is
the same for every request in one language, rendered once per language in each
process and then reused.

What may stand inside: text, ``{% translate %}`` and ``{% blocktranslate %}`` of
literals, ``{% url %}`` with literal arguments, ``{% static %}``,
``{% get_current_language %}`` and the like; and the values named on the tag
(``{% language_static site_name=SITE_NAME %}``), which become part of what the text is
kept under, so name only values with a few distinct values (the site's name), never a
page's data or the resident. The block is rendered in a context of its own that holds
only those values, with no request: a page's data, the signed-in resident, the CSRF
token or the CSP nonce cannot end up in the kept text by mistake; a variable that is
not named renders empty, and the page's tests see it.

Why it is right to keep: the translations are compiled once per deploy and the URL
configuration is fixed for the process, so a block of that kind has one text per
language (and URL prefix). The text is kept on the template node, so it lives exactly
as long as the parsed template does (the cached template loader keeps it for the
process); a change of settings (tests) forgets every kept text, since it may change
the translations or the URLs.
"""

from __future__ import annotations

import itertools
from typing import Any

from django import template
from django.core.signals import setting_changed
from django.template.base import FilterExpression, Node, NodeList, Parser, Token
from django.urls import get_script_prefix, get_urlconf
from django.utils.safestring import SafeString
from django.utils.translation import get_language

register = template.Library()

# A node keeps at most this many texts (languages x URL prefixes x named values); past
# it, it starts again rather than grow.
_MAX_KEPT = 64

# Bumped by every change of settings: a text kept under an older value is not used.
_generation = itertools.count()
_current = [next(_generation)]


def _forget_all(**kwargs: Any) -> None:
    _current[0] = next(_generation)


setting_changed.connect(_forget_all, dispatch_uid="core.language_static")


class LanguageStaticNode(Node):
    def __init__(self, nodelist: NodeList, values: dict[str, FilterExpression]) -> None:
        self.nodelist = nodelist
        self.values = values
        self.kept: dict[tuple[Any, ...], SafeString] = {}

    def render(self, context: template.Context) -> str:
        values = {name: value.resolve(context) for name, value in self.values.items()}
        key = (
            _current[0],
            get_language(),
            get_script_prefix(),
            get_urlconf(),
            context.autoescape,
            tuple(sorted(values.items())),
        )
        text = self.kept.get(key)
        if text is None:
            own = template.Context(
                values,
                autoescape=context.autoescape,
                use_l10n=context.use_l10n,
                use_tz=context.use_tz,
            )
            # The template (for its engine's settings), never the page's context.
            own.template = context.template
            own.template_name = context.template_name
            # A node list renders to safe text already (escaped as it was rendered).
            text = self.nodelist.render(own)
            if len(self.kept) >= _MAX_KEPT:
                self.kept.clear()
            self.kept[key] = text
        return text


@register.tag("language_static")
def language_static(parser: Parser, token: Token) -> LanguageStaticNode:
    bits = token.split_contents()[1:]
    values: dict[str, FilterExpression] = {}
    for bit in bits:
        name, sep, expression = bit.partition("=")
        if not sep or not name.isidentifier() or not expression:
            raise template.TemplateSyntaxError(
                f"language_static takes name=value arguments only, got {bit!r}"
            )
        values[name] = parser.compile_filter(expression)
    nodelist = parser.parse(("endlanguage_static",))
    parser.delete_first_token()
    return LanguageStaticNode(nodelist, values)
