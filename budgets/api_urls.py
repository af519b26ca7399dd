from django.urls import path

from budgets import api

urlpatterns = [
    path("processes/", api.ProcessList.as_view(), name="api-processes"),
    path("processes/<slug:slug>/", api.ProcessDetail.as_view(), name="api-process"),
    path("processes/<slug:slug>/projects/", api.ProjectList.as_view(), name="api-projects"),
    path("processes/<slug:slug>/pots/", api.PotAllocationView.as_view(), name="api-pots"),
    path("processes/<slug:slug>/results/", api.ResultsView.as_view(), name="api-results"),
    path("processes/<slug:slug>/fairness/", api.FairnessView.as_view(), name="api-fairness"),
    path("receipts/<str:code>/", api.ReceiptView.as_view(), name="api-receipt"),
]
