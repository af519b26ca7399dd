from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.session import resident_from_request
from budgets.models import ImplementationStatus, Project, ProjectFollow, ProjectUpdate
from budgets.selectors import project_delivery_label, project_updates, resident_delivery_notices
from budgets.services.delivery import (
    DeliveryError,
    project_follow,
    project_follows_seen,
    project_unfollow,
)
from core.models import Channel
from frontend.selectors import comment_tree, visible_comment_count
from frontend.views.results import project_result
from maps.models import Neighbourhood
from participation.access import proposal_visible_to
from participation.selectors import resident_idea_notices
from participation.services.notices import resident_notices_seen


def _neighbourhood_feature(neighbourhood: Neighbourhood | None) -> dict[str, Any]:
    features = []
    if neighbourhood is not None:
        features.append(
            {
                "type": "Feature",
                "geometry": neighbourhood.boundary,
                "properties": {"name": neighbourhood.name, "slug": neighbourhood.slug},
            }
        )
    return {"type": "FeatureCollection", "features": features}


def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """What a resident needs to vote on more than a title: the description, where it is
    (in words, and on a small map with JavaScript), the resident's idea it grew from with
    its discussion, the result once published, and its delivery."""
    project: Project = get_object_or_404(
        Project.objects.select_related("process", "pot", "neighbourhood", "source_proposal"),
        pk=pk,
        withdrawn=False,
    )
    resident = resident_from_request(request)
    source = project.source_proposal
    if source is not None and not proposal_visible_to(source, resident):
        source = None
    located = project.lat is not None and project.lng is not None
    following = (
        resident is not None
        and ProjectFollow.objects.filter(
            project=project, resident=resident, channel=Channel.WEB
        ).exists()
    )
    return render(
        request,
        "frontend/project_detail.html",
        {
            "project": project,
            "process": project.process,
            "source": source,
            "source_comments": comment_tree(source) if source is not None else [],
            "source_comment_count": visible_comment_count(source) if source is not None else 0,
            "source_supporters": source.supports.count() if source is not None else 0,
            "can_comment": False,  # the discussion is read here, joined on the idea's page
            "result": project_result(project.process, project),
            "started": project.implementation_status != ImplementationStatus.NOT_STARTED,
            "located": located,
            "map_data": {
                "neighbourhoods": _neighbourhood_feature(project.neighbourhood),
                "project": {
                    "code": project.short_code,
                    "title": project.title,
                    "lat": project.lat,
                    "lng": project.lng,
                }
                if located
                else None,
            },
            "delivery_label": project_delivery_label(project),
            "milestones": list(project.milestones.all()),
            "updates": project_updates(project),
            "following": following,
            "signed_in": resident is not None,
        },
    )


@require_POST
def project_follow_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    """The web Follow button: follow (web notices on the updates page) or stop."""
    project = get_object_or_404(Project, pk=pk, withdrawn=False)
    resident = resident_from_request(request)
    back = reverse("frontend:project", args=[project.pk])
    if resident is None:
        # Back to the Follow button after signing in (the button said so: "Sign in to
        # follow"); nothing is followed on their behalf before they press it again.
        return redirect(f"{reverse('frontend:sign-in')}?next={back}%23follow-form")
    if request.POST.get("action") == "unfollow":
        project_unfollow(project=project, resident=resident, channel=Channel.WEB)
        messages.success(request, _("You no longer follow this project."))
    else:
        try:
            project_follow(project=project, resident=resident, channel=Channel.WEB)
        except DeliveryError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request, _("You follow this project: its updates appear on your updates page.")
            )
    return HttpResponseRedirect(back)


def my_updates(request: HttpRequest) -> HttpResponse:
    """Delivery updates of the projects the signed-in resident follows on the web."""
    resident = resident_from_request(request)
    if resident is None:
        return redirect(f"{reverse('frontend:sign-in')}?next={reverse('frontend:my-updates')}")
    notices = resident_delivery_notices(resident)
    followed = list(
        Project.objects.filter(
            follows__resident=resident, follows__channel=Channel.WEB
        ).select_related("process")
    )
    idea_notices = resident_idea_notices(resident)
    response = render(
        request,
        "frontend/my_updates.html",
        {"notices": notices, "followed": followed, "idea_notices": idea_notices},
    )
    project_follows_seen(resident=resident)
    resident_notices_seen(resident_id=resident.pk)
    return response


def update_photo(request: HttpRequest, pk: int) -> HttpResponse:
    """The photo of a delivery update, with the type checked when it was posted."""
    update = get_object_or_404(ProjectUpdate.objects.only("photo", "photo_type"), pk=pk)
    if not update.photo or not update.photo_type:
        raise Http404
    response = HttpResponse(bytes(update.photo), content_type=update.photo_type)
    response["Cache-Control"] = "public, max-age=86400"
    return response
