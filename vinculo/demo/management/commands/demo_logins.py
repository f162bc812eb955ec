"""`vinculo demo_logins`: where to sign in and with which demo users."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from vinculo.demo.generator import DEMO_LOGINS
from vinculo.users.models import User

URL = "http://127.0.0.1:8000"


class Command(BaseCommand):
    help = "Print the demo users and their passwords."

    def handle(self, *args: Any, **options: Any) -> None:
        present = set(
            User.objects.filter(username__in=[login.username for login in DEMO_LOGINS]).values_list(
                "username", flat=True
            )
        )
        self.stdout.write(_("Vínculo runs at %(url)s") % {"url": URL})
        if not present:
            self.stdout.write(_("No demo users yet: run `vinculo seed_demo` first."))
            return
        header = (_("username"), _("password"), _("role"), _("team"))
        rows = [
            (login.username, login.password, str(login.role.label), login.team or "-")
            for login in DEMO_LOGINS
            if login.username in present
        ]
        widths = [max(len(str(row[n])) for row in [header, *rows]) for n in range(4)]
        for row in [header, *rows]:
            self.stdout.write(
                "  ".join(
                    str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)
                ).rstrip()
            )
