"""Staff pages, all under /staff/. Every view here is wrapped by
``staff.access.staff_permission_required`` (or ``staff_role_required``); a test walks
these patterns and requests each as every kind of outsider."""

from django.urls import path

from staff.views import audit, home, mfa, moderation, review

app_name = "staff"

urlpatterns = [
    path("", home.staff_home, name="home"),
    path("audit/", audit.audit_log, name="audit"),
    path("mfa/", mfa.mfa_enrol, name="mfa"),
    path("moderation/", moderation.moderation_queue_page, name="moderation"),
    path("moderation/decide/", moderation.moderation_decide, name="moderation-decide"),
    path("moderation/bulk/", moderation.moderation_bulk, name="moderation-bulk"),
    path("moderation/<str:kind>/<int:pk>/", moderation.moderation_item, name="moderation-item"),
    path(
        "moderation/<str:kind>/<int:pk>/note/",
        moderation.moderation_note,
        name="moderation-note",
    ),
    path("review/", review.review_page, name="review"),
    path("review/add/", review.review_add, name="review-add"),
]
