"""The words residents can text, in English, Spanish and French, with their aliases.

Keys are already folded the way ``parser.fold_word`` folds what residents type
(case-folded, accents removed), so ``ARRÊT``, ``arret`` and ``Arrêt`` all match
``arret``. ``KEYWORD_LANGUAGE`` says which language a keyword belongs to, so a new
resident who opens with ``AYUDA`` is answered in Spanish; words shared by several
languages (``INFO``, ``VOTE``, ``STOP``) decide nothing.

``DISPLAY`` is the keyword shown in replies, per language, so a Spanish reply says
``VOTAR 3 7`` and a French one ``VOTE 3 7``.
"""

from __future__ import annotations

from enum import StrEnum


class Kind(StrEnum):
    HELP = "help"
    LIST = "list"
    INFO = "info"
    VOTE = "vote"
    IDEA = "idea"
    COMMENT = "comment"
    LANG = "lang"
    CHECK = "check"
    AREA = "area"
    AGE = "age"
    MORE = "more"
    STOP = "stop"
    START = "start"
    FOLLOW = "follow"
    UNFOLLOW = "unfollow"
    PROCESS = "process"
    FLAG = "flag"
    # Not keywords: what the parser makes of other text.
    TEXT = "text"
    EMPTY = "empty"


# (kind, language or "" when shared) for every accepted word.
_WORDS: dict[str, tuple[Kind, str]] = {}


def _add(kind: Kind, language: str, *words: str) -> None:
    for word in words:
        previous = _WORDS.get(word)
        if previous is not None and previous[0] != kind:
            raise ValueError(f"keyword {word!r} is both {previous[0]} and {kind}")
        shared = previous is not None and previous[1] != language
        _WORDS[word] = (kind, "" if shared else language)


_add(Kind.HELP, "en", "help", "menu", "?", "commands", "hi", "hello")
_add(Kind.HELP, "es", "ayuda", "hola", "comandos")
_add(Kind.HELP, "fr", "aide", "bonjour", "salut", "commandes")
_add(Kind.LIST, "en", "list", "projects", "ballot")
_add(Kind.LIST, "es", "lista", "listar", "proyectos")
_add(Kind.LIST, "fr", "liste", "projets")
_add(Kind.INFO, "en", "info", "details", "about")
_add(Kind.INFO, "es", "info", "detalles", "ver")
_add(Kind.INFO, "fr", "info", "details", "voir")
_add(Kind.VOTE, "en", "vote")
_add(Kind.VOTE, "es", "votar", "voto", "votos")
_add(Kind.VOTE, "fr", "vote", "voter")
_add(Kind.IDEA, "en", "idea", "propose", "suggest")
_add(Kind.IDEA, "es", "idea", "propuesta", "proponer")
_add(Kind.IDEA, "fr", "idee", "proposition", "proposer")
_add(Kind.COMMENT, "en", "comment")
_add(Kind.COMMENT, "es", "comentar", "comentario", "comento")
_add(Kind.COMMENT, "fr", "commenter", "commentaire")
_add(Kind.LANG, "en", "lang", "language", "languages")
_add(Kind.LANG, "es", "idioma", "lengua")
_add(Kind.LANG, "fr", "langue")
_add(Kind.CHECK, "en", "check", "receipt", "verify")
_add(Kind.CHECK, "es", "recibo", "verificar", "comprobar")
_add(Kind.CHECK, "fr", "recu", "verifier")
_add(Kind.AREA, "en", "area", "neighbourhood", "neighborhood", "district")
_add(Kind.AREA, "es", "barrio", "zona", "localidad")
_add(Kind.AREA, "fr", "quartier", "secteur")
_add(Kind.AGE, "en", "age")
_add(Kind.AGE, "es", "edad")
_add(Kind.AGE, "fr", "age")
_add(Kind.MORE, "en", "more", "next")
_add(Kind.MORE, "es", "mas", "siguiente")
_add(Kind.MORE, "fr", "plus", "suite")
# Following a project's delivery (sms/commands/follow.py). Spanish also reads
# "DEJAR DE SEGUIR 7" (the handler skips "de seguir"); French "QUITTER 7".
_add(Kind.FOLLOW, "en", "follow")
_add(Kind.FOLLOW, "es", "seguir")
_add(Kind.FOLLOW, "fr", "suivre")
_add(Kind.UNFOLLOW, "en", "unfollow")
_add(Kind.UNFOLLOW, "es", "dejar")
_add(Kind.UNFOLLOW, "fr", "quitter")
# Reporting an idea to the moderators (participation.services.flags).
_add(Kind.FLAG, "en", "flag", "report")
_add(Kind.FLAG, "es", "denunciar", "reportar")
_add(Kind.FLAG, "fr", "signaler")
# Opt-out words: Twilio's standard set (handled by Twilio on long codes too, but we must
# record them ourselves) and their Spanish and French equivalents. Never anything else.
_add(Kind.STOP, "en", "stop", "stopall", "unsubscribe", "cancel", "end", "quit", "optout")
_add(Kind.STOP, "es", "alto", "parar", "baja", "cancelar", "detener", "fin")
_add(Kind.STOP, "fr", "arret", "arreter", "desabonner", "desinscrire", "desinscription")
_add(Kind.START, "en", "start", "unstop", "yes", "subscribe")
_add(Kind.START, "es", "iniciar", "inicio", "alta", "reanudar", "comenzar", "suscribir")
_add(Kind.START, "fr", "demarrer", "commencer", "reprendre", "abonner", "reabonner")
# Which vote a text is about when several are open (sms/commands/processes.py).
_add(Kind.PROCESS, "en", "process", "round")
_add(Kind.PROCESS, "es", "proceso", "votacion")
_add(Kind.PROCESS, "fr", "processus", "scrutin")

# The words Twilio's Advanced Opt-Out answers itself (its defaults): with
# SMS_PROVIDER_HANDLES_OPT_OUT we record them and stay silent, since our reply would be
# a second confirmation (or, after STOP, is not delivered at all). Every other opt-out
# or opt-in word, Spanish and French included, we confirm ourselves.
PROVIDER_OPT_WORDS = frozenset(
    {"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "start", "yes", "unstop"}
)

KEYWORDS: dict[str, Kind] = {word: kind for word, (kind, _lang) in _WORDS.items()}
KEYWORD_LANGUAGE: dict[str, str] = {word: lang for word, (_kind, lang) in _WORDS.items() if lang}
OPT_OUT_WORDS = frozenset(w for w, k in KEYWORDS.items() if k == Kind.STOP)
OPT_IN_WORDS = frozenset(w for w, k in KEYWORDS.items() if k == Kind.START)

# The keyword a reply shows, per language (what we teach residents to type).
DISPLAY: dict[str, dict[Kind, str]] = {
    "en": {
        Kind.HELP: "HELP",
        Kind.LIST: "LIST",
        Kind.INFO: "INFO",
        Kind.VOTE: "VOTE",
        Kind.IDEA: "IDEA",
        Kind.COMMENT: "COMMENT",
        Kind.LANG: "LANG",
        Kind.CHECK: "CHECK",
        Kind.AREA: "AREA",
        Kind.AGE: "AGE",
        Kind.MORE: "MORE",
        Kind.STOP: "STOP",
        Kind.START: "START",
        Kind.FOLLOW: "FOLLOW",
        Kind.UNFOLLOW: "UNFOLLOW",
        Kind.PROCESS: "PROCESS",
        Kind.FLAG: "FLAG",
    },
    "es": {
        Kind.HELP: "AYUDA",
        Kind.LIST: "LISTA",
        Kind.INFO: "INFO",
        Kind.VOTE: "VOTAR",
        Kind.IDEA: "IDEA",
        Kind.COMMENT: "COMENTAR",
        Kind.LANG: "IDIOMA",
        Kind.CHECK: "RECIBO",
        Kind.AREA: "BARRIO",
        Kind.AGE: "EDAD",
        Kind.MORE: "MAS",
        Kind.STOP: "ALTO",
        Kind.START: "INICIAR",
        Kind.FOLLOW: "SEGUIR",
        Kind.UNFOLLOW: "DEJAR",
        Kind.PROCESS: "PROCESO",
        Kind.FLAG: "DENUNCIAR",
    },
    "fr": {
        Kind.HELP: "AIDE",
        Kind.LIST: "LISTE",
        Kind.INFO: "INFO",
        Kind.VOTE: "VOTE",
        Kind.IDEA: "IDEE",
        Kind.COMMENT: "COMMENTER",
        Kind.LANG: "LANGUE",
        Kind.CHECK: "RECU",
        Kind.AREA: "QUARTIER",
        Kind.AGE: "AGE",
        Kind.MORE: "PLUS",
        Kind.STOP: "ARRET",
        Kind.START: "DEMARRER",
        Kind.FOLLOW: "SUIVRE",
        Kind.UNFOLLOW: "QUITTER",
        Kind.PROCESS: "PROCESSUS",
        Kind.FLAG: "SIGNALER",
    },
}

# Words accepted after LANG, folded, to a language code.
LANGUAGE_NAMES: dict[str, str] = {
    "en": "en",
    "eng": "en",
    "english": "en",
    "ingles": "en",
    "anglais": "en",
    "es": "es",
    "esp": "es",
    "spa": "es",
    "spanish": "es",
    "espanol": "es",
    "castellano": "es",
    "espagnol": "es",
    "fr": "fr",
    "fra": "fr",
    "fre": "fr",
    "french": "fr",
    "frances": "fr",
    "francais": "fr",
}


def display(kind: Kind, language: str) -> str:
    return DISPLAY.get(language, DISPLAY["en"])[kind]
