"""What the review (costing) page lists: published ideas not yet on a ballot."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from budgets.models import Project
from participation.models import Proposal, ProposalStatus


def ideas_for_review(limit: int = 200) -> list[Proposal]:
    """Published ideas of any process without a ballot project made from them, oldest
    first."""
    on_ballot = Project.objects.filter(source_proposal=OuterRef("pk"))
    rows: QuerySet[Proposal] = (
        Proposal.objects.filter(status=ProposalStatus.APPROVED)
        .exclude(Exists(on_ballot))
        .select_related("process", "neighbourhood")
        .order_by("created_at", "pk")
    )
    return list(rows[:limit])
