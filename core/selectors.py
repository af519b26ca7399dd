"""Reads about processes and phases that every channel shares."""

from __future__ import annotations

from datetime import datetime

from core.models import Phase, Process


def process_current_phase(process: Process, when: datetime | None = None) -> Phase | None:
    """The open phase that started last (an idea box may stay open through the vote:
    then the vote is what the process is "in")."""
    return Phase.objects.filter(process=process).open_at(when).order_by("-starts_at").first()


def process_phase(process: Process, kind: str) -> Phase | None:
    return Phase.objects.filter(process=process, kind=kind).first()


def process_phase_open(process: Process, kind: str, when: datetime | None = None) -> bool:
    """Whether the process's ``kind`` phase is open at ``when`` (now)."""
    return Phase.objects.filter(process=process, kind=kind).open_at(when).exists()
