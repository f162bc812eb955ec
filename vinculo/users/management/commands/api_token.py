"""``vinculo api_token create USERNAME [--name N]``, ``list [USERNAME]``, ``revoke ID``."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from vinculo.users.models import ApiToken, User
from vinculo.users.services import api_token_create, api_token_revoke


class Command(BaseCommand):
    help = "Create, list or revoke API tokens for scripts."

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="Make a token; it is printed only once.")
        create.add_argument("username")
        create.add_argument("--name", default="", help="What the token is for.")
        listing = actions.add_parser("list", help="List tokens (never the tokens themselves).")
        listing.add_argument("username", nargs="?")
        revoke = actions.add_parser("revoke", help="Revoke a token by its id.")
        revoke.add_argument("id", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "create":
            self._create(options["username"], options["name"])
        elif action == "list":
            self._list(options["username"])
        else:
            self._revoke(options["id"])

    def _create(self, username: str, name: str) -> None:
        try:
            user = User.objects.get(username=username)
        except User.DoesNotExist as error:
            raise CommandError(f"No user named {username!r}.") from error
        try:
            row, token = api_token_create(user=user, name=name)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stderr.write(f"Token {row.pk} for {user.username}. It is shown only now:")
        self.stdout.write(token)

    def _list(self, username: str | None) -> None:
        tokens = ApiToken.objects.select_related("user").order_by("user__username", "id")
        if username:
            tokens = tokens.filter(user__username=username)
        for row in tokens:
            state = f"revoked {row.revoked_at:%Y-%m-%d}" if row.revoked_at else "active"
            used = f"{row.last_used_at:%Y-%m-%d %H:%M}" if row.last_used_at else "never"
            self.stdout.write(
                f"{row.pk}\t{row.user.username}\t{row.name}\t{state}\tlast used {used}"
            )

    def _revoke(self, token_id: int) -> None:
        try:
            row = ApiToken.objects.get(pk=token_id)
        except ApiToken.DoesNotExist as error:
            raise CommandError(f"No token with id {token_id}.") from error
        api_token_revoke(token=row)
        self.stdout.write(f"Token {row.pk} revoked.")
