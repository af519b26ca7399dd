from django.urls import path

from maps import api

urlpatterns = [
    path("neighbourhoods/", api.NeighbourhoodList.as_view(), name="api-neighbourhoods"),
    path(
        "neighbourhoods/<slug:slug>/", api.NeighbourhoodDetail.as_view(), name="api-neighbourhood"
    ),
]
