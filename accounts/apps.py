from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Signing in: residents by SMS code or printed voter code (their session), and
    staff. Sits above ``sms`` because a sign-in code is a text."""

    name = "accounts"
