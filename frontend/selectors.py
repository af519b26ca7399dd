"""Reads the resident pages share: map items (one list for the map and its keyboard
alternative), comment threads, the pots on a resident's ballot."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from budgets.models import Ballot, ImplementationStatus, Pot, Project
from budgets.pseudonyms import ballot_pseudonym
from budgets.selectors import projects_on_ballot
from core.models import Process
from core.translated_order import translated_order
from maps.models import Neighbourhood
from participation.models import (
    Comment,
    CommentStatus,
    Proposal,
    ProposalStatus,
    Resident,
)

# The statuses a map item can have. Ideas are public once published; projects carry
# their delivery status, "on the ballot" until work starts.
MAP_STATUSES: dict[str, Any] = {
    "idea": _("Idea, open for comments"),
    "on_ballot": _("On the ballot"),
    ImplementationStatus.PLANNING.value: ImplementationStatus.PLANNING.label,
    ImplementationStatus.IN_PROGRESS.value: ImplementationStatus.IN_PROGRESS.label,
    ImplementationStatus.DELIVERED.value: ImplementationStatus.DELIVERED.label,
    ImplementationStatus.CANCELLED.value: ImplementationStatus.CANCELLED.label,
}
MAP_KINDS: dict[str, Any] = {"idea": _("Ideas"), "project": _("Projects")}


@dataclass(frozen=True)
class MapItem:
    kind: str  # "idea" | "project"
    pk: int
    label: str  # the short text drawn inside the marker: project code or "i"
    title: str
    status: str
    status_label: str
    neighbourhood: str
    neighbourhood_slug: str
    lat: float | None
    lng: float | None
    url: str
    cost: Decimal | None = None

    def as_json(self) -> dict[str, Any]:
        """The map's copy of this item (json_script escapes it for the page)."""
        return {
            "kind": self.kind,
            "label": self.label,
            "title": self.title,
            "status": self.status,
            "status_label": str(self.status_label),
            "neighbourhood": self.neighbourhood,
            "lat": self.lat,
            "lng": self.lng,
            "url": self.url,
        }


def project_map_status(project: Project) -> str:
    if project.implementation_status == ImplementationStatus.NOT_STARTED:
        return "on_ballot"
    return str(project.implementation_status)


def map_items(
    process: Process,
    *,
    neighbourhood: Neighbourhood | None = None,
    status: str = "",
    kind: str = "",
) -> list[MapItem]:
    """Published ideas and ballot projects of ``process``, filtered. The map page draws
    exactly this list and prints it as the list alternative, so both always agree."""
    items: list[MapItem] = []
    if kind in ("", "idea") and status in ("", "idea"):
        ideas = Proposal.objects.filter(
            process=process, status=ProposalStatus.APPROVED
        ).select_related("neighbourhood")
        if neighbourhood is not None:
            ideas = ideas.filter(neighbourhood=neighbourhood)
        for idea in ideas.order_by(translated_order("title"), "pk"):
            items.append(
                MapItem(
                    kind="idea",
                    pk=idea.pk,
                    label="i",
                    title=idea.title,
                    status="idea",
                    status_label=MAP_STATUSES["idea"],
                    neighbourhood=idea.neighbourhood.name if idea.neighbourhood else "",
                    neighbourhood_slug=idea.neighbourhood.slug if idea.neighbourhood else "",
                    lat=idea.lat,
                    lng=idea.lng,
                    url=reverse("frontend:proposal", args=[idea.pk]),
                )
            )
    if kind in ("", "project") and status != "idea":
        projects = projects_on_ballot(process)
        if neighbourhood is not None:
            projects = projects.filter(neighbourhood=neighbourhood)
        if status == "on_ballot":
            projects = projects.filter(implementation_status=ImplementationStatus.NOT_STARTED)
        elif status:
            projects = projects.filter(implementation_status=status)
        for project in projects:
            project_status = project_map_status(project)
            items.append(
                MapItem(
                    kind="project",
                    pk=project.pk,
                    label=str(project.short_code),
                    title=project.title,
                    status=project_status,
                    status_label=MAP_STATUSES[project_status],
                    neighbourhood=project.neighbourhood.name if project.neighbourhood else "",
                    neighbourhood_slug=project.neighbourhood.slug if project.neighbourhood else "",
                    lat=project.lat,
                    lng=project.lng,
                    url=reverse("frontend:project", args=[project.pk]),
                    cost=project.cost,
                )
            )
    return items


# --- ideas and comments ---------------------------------------------------------------------


def proposals_with_support(process: Process) -> Any:
    return (
        Proposal.objects.filter(process=process, status=ProposalStatus.APPROVED)
        .select_related("neighbourhood")
        .annotate(support_count=Count("supports"))
    )


@dataclass
class CommentNode:
    comment: Comment
    hidden: bool
    replies: list[CommentNode] = field(default_factory=list)
    # The viewer's own comment awaiting a moderator (pre-moderated process).
    pending: bool = False
    # Filled by the page when a reply to this comment was refused: shown in its form.
    reply_error: str = ""
    reply_text: str = ""


# Threads nest this deep on the page; deeper replies are shown at this level, in order,
# so a long back-and-forth stays readable (and the recursive template stays bounded).
COMMENT_MAX_DEPTH = 6


def comment_tree(proposal: Proposal, viewer: Resident | None = None) -> list[CommentNode]:
    """Threaded comments, oldest first at each level. A hidden comment keeps its place
    (as "hidden") only when it has visible replies, so the thread still reads. A comment
    awaiting review is shown to its author only (``viewer``), marked as such."""
    comments = [
        c
        for c in proposal.comments.order_by("created_at", "pk")
        if c.status != CommentStatus.PENDING or (viewer is not None and c.author_id == viewer.pk)
    ]
    nodes = {
        c.pk: CommentNode(
            comment=c,
            hidden=c.status == CommentStatus.HIDDEN,
            pending=c.status == CommentStatus.PENDING,
        )
        for c in comments
    }
    depth: dict[int, int] = {}
    attach_to: dict[int, int | None] = {}
    roots: list[CommentNode] = []
    for comment in comments:
        parent_pk = comment.parent_id if comment.parent_id in nodes else None
        # Parents come first (older), except in crafted data: then treat as a root.
        if parent_pk is not None and parent_pk not in depth:
            parent_pk = None
        if parent_pk is None:
            depth[comment.pk] = 0
            attach_to[comment.pk] = None
            roots.append(nodes[comment.pk])
            continue
        if depth[parent_pk] >= COMMENT_MAX_DEPTH:
            # Show it beside its parent instead of nesting further.
            parent_pk = attach_to[parent_pk]
            assert parent_pk is not None
        depth[comment.pk] = depth[parent_pk] + 1
        attach_to[comment.pk] = parent_pk
        nodes[parent_pk].replies.append(nodes[comment.pk])

    # Prune hidden comments without visible replies, deepest first (no recursion).
    for comment in reversed(comments):
        node = nodes[comment.pk]
        node.replies = [r for r in node.replies if not r.hidden or r.replies]
    return [r for r in roots if not r.hidden or r.replies]


def comment_nodes(tree: list[CommentNode]) -> list[CommentNode]:
    """Every node of ``tree``, flat."""
    flat: list[CommentNode] = []
    stack = list(tree)
    while stack:
        node = stack.pop()
        flat.append(node)
        stack.extend(node.replies)
    return flat


def visible_comment_count(proposal: Proposal) -> int:
    return proposal.comments.filter(status=CommentStatus.VISIBLE).count()


# --- ballots ------------------------------------------------------------------------------


def process_has_local_pots(process: Process) -> bool:
    return Pot.objects.filter(process=process, neighbourhood__isnull=False).exists()


def resident_has_voted(process: Process, resident: Resident) -> bool:
    """Whether a counted ballot of ``resident`` exists in ``process`` (never which
    choices): computed from the pseudonyms, only for the resident themself."""
    voters = [
        ballot_pseudonym(resident_id=resident.pk, pot_id=pot_id)
        # No ordering: the pots' default order joins the process for nothing here.
        for pot_id in Pot.objects.filter(process=process).order_by().values_list("pk", flat=True)
    ]
    return Ballot.objects.filter(process=process, voter__in=voters).counted().exists()
