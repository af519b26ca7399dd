from __future__ import annotations

import io
from typing import Any

import segno
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from accounts.staff_mfa import staff_totp_issue


class Command(BaseCommand):
    help = (
        "Give a staff account a new TOTP authenticator (replacing its old one) and print "
        "its otpauth:// URI and QR code. Hand them to the account's owner only."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")
        parser.add_argument("--no-qr", action="store_true", help="Print the URI only.")

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None or not user.is_staff:
            raise CommandError(f"No staff account named {options['username']!r}.")
        device = staff_totp_issue(user=user)
        self.stdout.write(device.config_url)
        if not options["no_qr"]:
            out = io.StringIO()
            segno.make(device.config_url, error="m").terminal(out=out, compact=True)
            self.stdout.write(out.getvalue())
