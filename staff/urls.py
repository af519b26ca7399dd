"""Staff pages, all under /staff/. Every view here is wrapped by
``staff.access.staff_permission_required`` (a test walks these patterns and checks)."""

from django.urls import path

from staff.views import home, moderation, review

app_name = "staff"

urlpatterns = [
    path("", home.staff_home, name="home"),
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
