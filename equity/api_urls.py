from django.urls import path

from equity import api

urlpatterns = [
    path(
        "processes/<slug:slug>/participation/",
        api.ParticipationView.as_view(),
        name="api-participation",
    ),
    path("processes/<slug:slug>/scorecard/", api.ScorecardView.as_view(), name="api-scorecard"),
    path("processes/<slug:slug>/funnel/", api.FunnelView.as_view(), name="api-funnel"),
]
