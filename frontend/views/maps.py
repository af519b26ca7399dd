from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from budgets.selectors import process_neighbourhood_ids
from core.selectors import process_or_404
from frontend.forms import MapFilterForm, error_summary
from frontend.live import live_config
from frontend.selectors import MAP_STATUSES, map_items
from maps.models import Neighbourhood
from maps.selectors import neighbourhoods_feature_collection


def process_map(request: HttpRequest, slug: str) -> HttpResponse:
    """The map of ideas and projects and, below it, the same items as a list: one GET
    form filters both, so keyboard and screen-reader users get exactly what the map
    shows. Unknown filter values are reported and ignored (400), never a 500."""
    process = process_or_404(slug)
    covered = process_neighbourhood_ids(process)
    form = MapFilterForm(request.GET or None, auto_id="filter-%s", neighbourhood_ids=covered)
    filters = {"neighbourhood": "", "status": "", "kind": ""}
    status = 200
    errors = []
    if form.is_bound:
        if form.is_valid():
            filters.update({k: v or "" for k, v in form.cleaned_data.items()})
        else:
            status = 400
            errors = error_summary(form, form_id="map-filters")
    neighbourhood = (
        Neighbourhood.objects.filter(slug=filters["neighbourhood"]).first()
        if filters["neighbourhood"]
        else None
    )
    items = map_items(
        process, neighbourhood=neighbourhood, status=filters["status"], kind=filters["kind"]
    )
    located = [item for item in items if item.lat is not None and item.lng is not None]
    map_data = {
        # Only the districts this process covers (none for an imported election).
        "neighbourhoods": neighbourhoods_feature_collection(covered),
        "selected": neighbourhood.slug if neighbourhood else "",
        "items": [item.as_json() for item in located],
    }
    return render(
        request,
        "frontend/map.html",
        {
            "process": process,
            "form": form,
            "errors": errors,
            "items": items,
            "unlocated": len(items) - len(located),
            "map_data": map_data,
            "statuses": [(key, label) for key, label in MAP_STATUSES.items()],
            "neighbourhood": neighbourhood,
            "live": live_config(process),
        },
        status=status,
    )
