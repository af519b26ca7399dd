from django.urls import path

from maps import views

app_name = "maps"
urlpatterns = [
    path("neighbourhoods.geojson", views.neighbourhoods_geojson, name="neighbourhoods-geojson"),
    path("locate", views.locate, name="locate"),
]
