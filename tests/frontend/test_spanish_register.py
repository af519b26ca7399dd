"""One register in Spanish, tú, on the web, in SMS and on staff pages: no catalogue of
the project (``locale/es`` and every app's ``locale/es``) addresses the reader as usted,
nor readers as vosotros (Spain only; Latin America says ustedes, so a plural is avoided).

The markers are the usted forms a translator reaches for: the pronoun, imperatives that
open a sentence ("Responda ALTO", "Envíe COMENTAR"; mid-sentence the same words are
subjunctives, "hasta que se revise"), imperatives with a pronoun attached
("Inténtelo") and a sentence that opens with "Su" ("Su comentario ... fue publicado").
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import polib
import pytest
from django.conf import settings

# Imperatives in usted. All-caps words are SMS keywords (VOTE is French), never matched.
_USTED_IMPERATIVES = [
    "responda", "envíe", "envie", "escriba", "vote", "elija", "seleccione", "ingrese",
    "introduzca", "pulse", "presione", "haga", "intente", "vuelva", "espere", "revise",
    "consulte", "compruebe", "indique", "utilice", "use", "marque", "añada", "agregue",
    "cambie", "guarde", "confirme", "inicie", "pida", "escanee", "copie", "deje", "quite",
    "ponga", "tenga", "recuerde", "apunte", "rellene", "entregue", "traiga", "imprima",
    "reparta", "ordene", "proponga", "comente", "denuncie", "siga", "abra", "cierre",
    "descargue", "llame", "visite", "diga", "lea", "busque",
]  # fmt: skip
# Where an imperative may start: the start of a text or sentence, after "y"/"o".
_OPENING = r"(?:^|[.!?:;¿¡(\n]\s*|\b[yo]\s+)"
USTED_MARKERS: dict[str, re.Pattern[str]] = {
    "usted": re.compile(r"\busted(?:es)?\b", re.IGNORECASE),
    "imperative": re.compile(
        _OPENING + r"(?P<word>" + "|".join(_USTED_IMPERATIVES) + r")\b", re.IGNORECASE
    ),
    "imperative with a pronoun": re.compile(
        r"\b(?:inténtelo|inténtela|vuélvalo|guárdelo|guárdela|apúntelo|compruébelo|"
        r"escríbalo|envíelo|envíenos|escríbanos|llámenos|asegúrese|diríjase|acérquese|"
        r"regístrese|identifíquese|dígale|déjelo|léalo|cópielo)\b",
        re.IGNORECASE,
    ),
    # "Su" opening a sentence is often "its" ("Su ejecución se seguirá aquí"): only
    # the reader's own things count.
    "the reader's own things": re.compile(
        r"(?:^|[.!?:;¿¡]\s*)Sus? (?:voto|votos|idea|ideas|comentario|comentarios|código|"
        r"papeleta|recibo|número|teléfono|respuestas|cuenta|carta|sesión)\b"
    ),
    # Accented -áis/-éis endings are vosotros verbs ("podéis", "estáis"); "seis" and
    # "países" are not matched.
    "vosotros": re.compile(r"\b(?:vosotr[oa]s|os|sois|\w+(?:áis|éis))\b", re.IGNORECASE),
}
# Placeholders are names in code ("%(vote)s"), not Spanish words.
_PLACEHOLDER = re.compile(r"%\(\w+\)[sdfr]|\{\w*\}")


def usted_markers(text: str) -> list[str]:
    """The names of the usted markers found in ``text`` (all-caps keywords skipped)."""
    text = _PLACEHOLDER.sub("0", text)
    found = []
    for name, pattern in USTED_MARKERS.items():
        for match in pattern.finditer(text):
            word = match.groupdict().get("word") or match.group(0).strip(" .!?:;¿¡(\n")
            if word.isupper() and len(word) > 1:
                continue  # an SMS keyword shown to the reader, not a verb
            found.append(name)
            break
    return found


@cache
def spanish_catalogues() -> tuple[Path, ...]:
    root = Path(settings.BASE_DIR)
    paths = sorted(
        p
        for p in root.rglob("locale/es/LC_MESSAGES/*.po")
        if not {".venv", "node_modules", ".git"} & set(p.relative_to(root).parts)
    )
    return tuple(paths)


def test_every_app_with_spanish_is_scanned() -> None:
    apps = {p.relative_to(Path(settings.BASE_DIR)).parts[0] for p in spanish_catalogues()}
    assert {"locale", "frontend", "sms", "staff", "participation", "budgets"} <= apps


@pytest.mark.parametrize(
    "text",
    [
        "Responda ALTO para no recibir más.",
        "Demasiados mensajes. Espere un minuto y vuelva a intentarlo.",
        "Envíe COMENTAR, el número de la idea y su texto.",
        "Su comentario sobre la idea #12 fue publicado.",
        "Gracias por votar. Su voto está contado.",
        "Si lo desea, inténtelo de nuevo.",
        "¿Puede usted confirmarlo?",
        "Elija un barrio.",
    ],
)
def test_the_markers_catch_usted(text: str) -> None:
    assert usted_markers(text), text


@pytest.mark.parametrize(
    "text",
    [
        "Tú o cualquier persona a quien se lo enseñes podéis comprobar que se contó.",
        "Si estáis de acuerdo, votad.",
        "Os enviaremos un código.",
    ],
)
def test_the_markers_catch_vosotros(text: str) -> None:
    assert usted_markers(text) == ["vosotros"], text


@pytest.mark.parametrize(
    "text",
    [
        "Responde ALTO para no recibir más.",
        "Demasiados mensajes. Espera un minuto y vuelve a intentarlo.",
        "Solo tú puedes ver esta idea hasta que se revise.",
        "Gracias. Tu comentario se mostrará cuando lo revise un moderador.",
        "¿En qué barrio vives? Responde con su número o nombre:",
        "Puedes cambiar tu voto hasta que cierre la votación.",
        "VOTE 3 7 pour voter.",
        "Envía %(list)s para ver los proyectos y después %(vote)s y sus números.",
        "Los proyectos financiados se conocerán pronto. Su ejecución se seguirá aquí.",
        "Este navegador cierra la sesión de cada votante después de su papeleta.",
        "Tú o cualquier persona a quien se lo enseñes puede comprobar que se contó.",
        "Seis proyectos de tres países.",
    ],
)
def test_the_markers_leave_tu_alone(text: str) -> None:
    assert usted_markers(text) == [], text


def test_no_spanish_catalogue_addresses_the_reader_as_usted() -> None:
    root = Path(settings.BASE_DIR)
    offending = []
    for path in spanish_catalogues():
        for entry in polib.pofile(str(path)):
            texts = [entry.msgstr] if entry.msgstr else list(entry.msgstr_plural.values())
            for text in texts:
                markers = usted_markers(text)
                if markers:
                    offending.append(f"{path.relative_to(root)}:{entry.linenum} {markers} {text}")
    assert offending == []
