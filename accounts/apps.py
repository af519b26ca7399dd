from django.apps import AppConfig
from django.contrib.admin.apps import SimpleAdminConfig


class AccountsConfig(AppConfig):
    """Signing in: residents by SMS code or printed voter code (their session), and
    staff (password and TOTP, throttled; their sessions end when the account is
    deactivated). Sits above ``sms`` because a sign-in code is a text."""

    name = "accounts"
    # This module holds two configs (the admin's below): "accounts" means this one.
    default = True

    def ready(self) -> None:
        from accounts import staff_sessions  # noqa: F401  (connects its receivers)


class StaffAdminConfig(SimpleAdminConfig):
    """The admin without autodiscovery (django-leaflet's admin imports GeoDjango) and
    with the staff site: the second factor at its login, required by its pages."""

    default = False
    default_site = "accounts.admin_site.StaffAdminSite"
