"""Staff pages, all under /staff/. Every view here is wrapped by
``staff.access.staff_permission_required`` (a test walks these patterns and checks)."""

from django.urls import path

from staff.views import home, pilots

app_name = "staff"

urlpatterns = [
    path("", home.staff_home, name="home"),
    path("pilots/", pilots.pilot_list, name="pilots"),
    path("pilots/<slug:slug>/", pilots.pilot_detail, name="pilot"),
]
