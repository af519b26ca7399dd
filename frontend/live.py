"""What live.js needs to follow a process's events, rendered with json_script."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from core.models import Process


def live_config(process: Process) -> dict[str, Any]:
    return {
        "socket": f"/ws/processes/{process.pk}/",
        "resultsUrl": reverse("frontend:results", args=[process.slug]),
        # The JS swaps the 0 for the idea's id.
        "proposalUrl": reverse("frontend:proposal", args=[0]),
        "text": {
            "comment": _("A new comment was posted."),
            "commentLink": _("Read the comments"),
            "results": _("The results are published."),
            "resultsLink": _("See the results"),
            "paused": _("Live updates are paused. This page still works."),
        },
    }
