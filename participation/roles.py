"""The staff roles and the named permissions each one holds: the one home of "who may
do what". Groups of these names are created and kept in step by a migration and after
every migrate; a staff page or service checks the permission, never the group.

Every staff act has its own permission ("app_label.codename", declared in the model's
``Meta.permissions``). A permission listed here that no model declares yet is skipped
when the groups are synced, so a role can name what a later change adds.
"""

from __future__ import annotations

ADMIN = "admin"
MODERATOR = "moderator"
REVIEWER = "reviewer"
POLL_WORKER = "poll worker"
POLL_SUPERVISOR = "poll supervisor"
COMMUNICATIONS = "communications"
PILOT_REPORTER = "pilot reporter"

ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    MODERATOR: (
        "participation.moderate_proposals",  # queue, decisions, hide comments, notes, block
    ),
    REVIEWER: (
        "participation.review_proposals",  # costing: approved ideas become ballot projects
    ),
    POLL_WORKER: ("budgets.enter_paper_ballots",),
    POLL_SUPERVISOR: (
        "budgets.enter_paper_ballots",
        "budgets.void_paper_ballots",
        "participation.issue_voter_codes",
    ),
    COMMUNICATIONS: (
        "sms.send_broadcast",
        "budgets.update_delivery",
    ),
    PILOT_REPORTER: (
        "participation.report_pilot",  # only their own pilot (scoped by the pilot's reporters)
    ),
}

# The admin role holds every permission above, and these, which no other role needs.
ADMIN_ONLY: tuple[str, ...] = (
    "core.publish_results",  # close voting, count, review, publish, unpublish, override
    "core.change_process",
    "core.change_phase",
    "budgets.change_pot",
    "budgets.add_project",
    "budgets.change_project",
    "sms.use_simulator",
    "participation.view_auditlog",
    "participation.view_equity",  # internal equity dashboards (public figures need none)
    "participation.change_pilot",  # every pilot, not only those one reports for
    "auth.view_user",
    "auth.add_user",
    "auth.change_user",
    "auth.view_group",
    "auth.change_group",
    # What the admin pages of the admin role read and keep up (nothing here shows a
    # ballot's choices: the ballot admin has none to show).
    "core.view_process",
    "core.add_process",
    "core.view_phase",
    "core.add_phase",
    "budgets.view_pot",
    "budgets.add_pot",
    "budgets.view_project",
    "budgets.view_ballot",
    "maps.view_neighbourhood",
    "maps.add_neighbourhood",
    "maps.change_neighbourhood",
    "participation.view_proposal",
    "participation.view_comment",
    "participation.view_pilot",
    "participation.add_pilot",
    "participation.change_pilot",
    "participation.view_pilotreport",
    "sms.view_outboundmessage",
    "sms.change_outboundmessage",  # requeue failed texts
    "sms.view_smsbroadcast",
    "otp_totp.view_totpdevice",
    "otp_totp.delete_totpdevice",  # reset a lost authenticator
)

ROLE_PERMISSIONS[ADMIN] = tuple(
    dict.fromkeys(
        [perm for perms in ROLE_PERMISSIONS.values() for perm in perms] + list(ADMIN_ONLY)
    )
)
