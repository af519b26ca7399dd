from django.urls import path

from participation import api

urlpatterns = [
    path("processes/<slug:slug>/ideas/", api.IdeaList.as_view(), name="api-ideas"),
    path("pilots/<slug:slug>/reports/", api.PilotReportCreate.as_view(), name="api-pilot-reports"),
]
