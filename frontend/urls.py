from __future__ import annotations

from django.urls import path, re_path

from frontend.views import (
    about_you,
    account,
    activity,
    ballot,
    equity,
    fairness,
    ideas,
    maps,
    pages,
    printing,
    projects,
    receipts,
    results,
)

app_name = "frontend"
urlpatterns = [
    path("", pages.home, name="home"),
    path("neighbourhoods/", pages.neighbourhood_list, name="neighbourhoods"),
    path("neighbourhoods/<slug:slug>/", pages.neighbourhood_detail, name="neighbourhood"),
    path("processes/<slug:slug>/", pages.process_detail, name="process"),
    path("processes/<slug:slug>/map/", maps.process_map, name="map"),
    path("processes/<slug:slug>/budget/", pages.process_budget, name="budget"),
    path("processes/<slug:slug>/propose/", ideas.propose, name="propose"),
    path("processes/<slug:slug>/ballot/", ballot.ballot, name="ballot"),
    path("processes/<slug:slug>/paper-ballot/", printing.paper_ballot, name="paper-ballot"),
    path("v/", printing.voter_code_short, name="voter-code-short"),
    path("processes/<slug:slug>/results/", results.results, name="results"),
    path(
        "processes/<slug:slug>/results/fairness/", fairness.fairness_page, name="results-fairness"
    ),
    path("processes/<slug:slug>/results.csv", results.results_csv, name="results-csv"),
    path(
        "processes/<slug:slug>/projects.geojson",
        results.projects_geojson_download,
        name="projects-geojson",
    ),
    path(
        "processes/<slug:slug>/results/<int:pot_id>.pb",
        results.pot_pabulib_download,
        name="results-pb",
    ),
    path("processes/<slug:slug>/delivery/", results.delivery, name="delivery"),
    path("processes/<slug:slug>/equity/", equity.process_equity, name="equity"),
    path(
        "processes/<slug:slug>/equity/scorecard.csv",
        equity.scorecard_download,
        name="equity-scorecard-csv",
    ),
    path(
        "processes/<slug:slug>/equity/participation.csv",
        equity.participation_download,
        name="equity-participation-csv",
    ),
    path(
        "processes/<slug:slug>/equity/representation.csv",
        equity.representation_download,
        name="equity-representation-csv",
    ),
    path(
        "processes/<slug:slug>/equity/funnel.csv",
        equity.funnel_download,
        name="equity-funnel-csv",
    ),
    path("equity/", equity.city_equity, name="city-equity"),
    path("equity/scorecards.csv", equity.city_scorecards_download, name="city-equity-csv"),
    path("me/about-you/", about_you.about_you, name="about-you"),
    path("proposals/<int:pk>/", ideas.proposal_detail, name="proposal"),
    path("proposals/<int:pk>/comments/", ideas.comment_create, name="comment"),
    path("proposals/<int:pk>/support/", ideas.support_toggle, name="support"),
    path("proposals/<int:pk>/flag/", ideas.proposal_flag, name="flag"),
    path("proposals/<int:pk>/revise/", ideas.proposal_revise_view, name="revise"),
    path("projects/<int:pk>/", projects.project_detail, name="project"),
    path("projects/<int:pk>/follow/", projects.project_follow_toggle, name="project-follow"),
    path("updates/<int:pk>/photo/", projects.update_photo, name="update-photo"),
    path("me/updates/", projects.my_updates, name="my-updates"),
    path("receipt/", receipts.receipt_check, name="receipt-check"),
    # /receipt/<code> as printed on paper; a trailing slash is accepted too.
    re_path(r"^receipt/(?P<code>[^/]{1,64})/?$", receipts.receipt_detail, name="receipt"),
    path("sign-in/", account.sign_in, name="sign-in"),
    path("sign-in/code/", account.sign_in_code, name="sign-in-code"),
    path("sign-in/voter-code/", account.sign_in_voter_code, name="sign-in-voter-code"),
    path("sign-out/", account.sign_out, name="sign-out"),
    path("me/activity/", activity.my_activity, name="my-activity"),
    path("me/neighbourhood/", ballot.neighbourhood_claim, name="neighbourhood-claim"),
    path("language/", account.language, name="language"),
]
