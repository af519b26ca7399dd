"""Staff pages, all under /staff/. Every view here is wrapped by
``staff.access.staff_permission_required`` (or ``staff_role_required``; kiosk pages by
``staff.access.kiosk_permission_required``); a test walks these patterns and requests each
as every kind of outsider."""

from django.urls import path

from staff.views import (
    audit,
    codes,
    delivery,
    home,
    kiosk,
    mfa,
    moderation,
    paper,
    pilots,
    results,
    review,
)

app_name = "staff"

urlpatterns = [
    path("", home.staff_home, name="home"),
    path("processes/<slug:slug>/voter-codes/", codes.voter_codes, name="voter-codes"),
    path("processes/<slug:slug>/voter-letters/", codes.voter_letters, name="voter-letters"),
    path("processes/<slug:slug>/paper/", paper.paper_entry, name="paper-entry"),
    path("processes/<slug:slug>/paper/void/", paper.paper_void, name="paper-void"),
    path("processes/<slug:slug>/kiosk/", kiosk.kiosk_start_for, name="kiosk-open"),
    path("kiosk/", kiosk.kiosk, name="kiosk"),
    path("kiosk/ballot/", kiosk.kiosk_ballot, name="kiosk-ballot"),
    path("kiosk/done/", kiosk.kiosk_done, name="kiosk-done"),
    path("kiosk/leave/", kiosk.kiosk_leave, name="kiosk-leave"),
    path("kiosk/close/", kiosk.kiosk_close, name="kiosk-close"),
    path("processes/<slug:slug>/delivery/", delivery.delivery_projects, name="delivery"),
    path("projects/<int:pk>/delivery/", delivery.delivery_update, name="delivery-update"),
    path("processes/<slug:slug>/results/", results.results_walkthrough, name="results"),
    path("processes/<slug:slug>/results/<str:step>/", results.results_step, name="results-step"),
    path("pilots/", pilots.pilot_list, name="pilots"),
    path("pilots/<slug:slug>/", pilots.pilot_detail, name="pilot"),
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
    path("audit/", audit.audit_log, name="audit"),
    path("mfa/", mfa.mfa_enrol, name="mfa"),
]
