"""``FOLLOW n`` / ``UNFOLLOW n`` (SEGUIR / DEJAR, SUIVRE / QUITTER): hear about a
project's delivery by text. Kept apart from the other handlers on purpose; ``n`` is the
project's short code, the number ``VOTE`` uses.

Which project a number means (a text carries no process): the most recently published
process that has a project with that number, else the process the resident's texts are
about (``current``, chosen by sms/commands/processes.py).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from budgets.models import Project
from budgets.services.delivery import DeliveryError, project_follow, project_unfollow
from core.models import Channel, Process
from participation.models import Resident
from sms.commands import replies
from sms.commands.keywords import Kind, display
from sms.commands.parser import Command, fold_word, parse_first_number


def sms_follow_project(code: int, current: Process | None = None) -> Project | None:
    published = (
        Project.objects.filter(
            short_code=code, withdrawn=False, process__results_published_at__isnull=False
        )
        .select_related("process")
        .order_by("-process__results_published_at", "-process_id")
        .first()
    )
    if published is not None:
        return published
    if current is None:
        return None
    return Project.objects.filter(process=current, short_code=code, withdrawn=False).first()


def _number(command: Command) -> int | None:
    rest = command.rest
    words = rest.split(" ")
    # "DEJAR DE SEGUIR 7": the Spanish phrase, with its first word as the keyword.
    if len(words) > 2 and [fold_word(w) for w in words[:2]] == ["de", "seguir"]:
        rest = " ".join(words[2:])
    number, _tail = parse_first_number(rest)
    return number


def follow_usage_text(kind: Kind, language: str) -> str:
    return replies.finish(
        _("Send %(keyword)s and a project number, e.g. %(keyword)s 7.")
        % {"keyword": display(kind, language)}
    )


def follow_handler(resident: Resident, command: Command, *, current: Process | None = None) -> str:
    """The reply to FOLLOW n or UNFOLLOW n, in the resident's (active) language.
    ``current``: the process the resident's texts are about (the dispatcher decides,
    never by date alone), for a project not yet published."""
    resident_language = resident.language
    code = _number(command)
    if code is None:
        return follow_usage_text(command.kind, resident_language)
    project = sms_follow_project(code, current)
    if project is None:
        return replies.no_such_project_text(code)
    title = replies.short_title(project.title)
    if command.kind == Kind.UNFOLLOW:
        project_unfollow(project=project, resident=resident, channel=Channel.SMS)
        return replies.finish(
            _("You will get no more texts about project %(code)d %(title)s.")
            % {"code": code, "title": title}
        )
    try:
        project_follow(project=project, resident=resident, channel=Channel.SMS)
    except DeliveryError as exc:
        return replies.refused_text(str(exc))
    return replies.finish(
        _(
            "You follow project %(code)d %(title)s: we will text you each delivery update. "
            "%(stop)s %(code)d to stop."
        )
        % {"code": code, "title": title, "stop": display(Kind.UNFOLLOW, resident_language)}
    )
