"""What staff may still change in a process once voting has opened: the one home of
the rule, which the admin's phase and pot forms call.

- **Pots** never change after voting opened (the money on a ballot must not move under
  the voters): refused.
- **Phases** may change only with a written reason (a vote extended after an outage,
  say), and the change is audited with it; without a reason: refused.

Before voting opens both are free (still audited by the admin like every change).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from core.models import Process
from core.selectors import process_voting_opened

MIN_REASON_CHARS = 10


def process_edit_problems(
    *, process: Process | None, phases_changed: bool, pots_changed: bool, reason: str
) -> list[str]:
    """Why this edit is refused (empty: allowed). ``process`` None is a new process."""
    if process is None or process.pk is None or not process_voting_opened(process):
        return []
    problems = []
    if pots_changed:
        problems.append(_("Pots cannot change once voting has opened."))
    if phases_changed and len((reason or "").strip()) < MIN_REASON_CHARS:
        problems.append(
            _(
                "Voting has opened: give a reason (at least %(n)d characters) to change "
                "the phases. It is kept in the audit log."
            )
            % {"n": MIN_REASON_CHARS}
        )
    return problems
