"""Staff pages, all under /staff/. Every view here is wrapped by
``staff.access.staff_permission_required`` (or ``staff_role_required``); a test walks
these patterns and requests each as every kind of outsider."""

from django.urls import path

from staff.views import audit, home, mfa

app_name = "staff"

urlpatterns = [
    path("", home.staff_home, name="home"),
    path("audit/", audit.audit_log, name="audit"),
    path("mfa/", mfa.mfa_enrol, name="mfa"),
]
