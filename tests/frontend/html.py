"""A tiny HTML inspector for page tests (stdlib only): every tag with its attributes,
the text of scripts, and element lookup by id."""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser


@dataclass
class Tag:
    name: str
    attrs: dict[str, str | None]
    text: str = ""


class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[Tag] = []
        self.text = ""
        self._script: Tag | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Tag(tag, dict(attrs))
        self.tags.append(element)
        if tag == "script":
            self._script = element

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script = None

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script.text += data
        else:
            self.text += data

    def by_id(self, element_id: str) -> Tag | None:
        return next((t for t in self.tags if t.attrs.get("id") == element_id), None)

    def named(self, name: str) -> list[Tag]:
        return [t for t in self.tags if t.name == name]


def parse(html: str | bytes) -> Page:
    page = Page()
    page.feed(html.decode() if isinstance(html, bytes) else html)
    page.close()
    return page
