"""API tokens for scripts: made, checked and revoked here, stored only as a SHA-256."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from vinculo.users.models import ApiToken, User

# A recognisable prefix lets secret scanners and people tell a Vínculo token at a glance.
TOKEN_PREFIX = "vin_"
# Writing last_used_at on every request would turn each read into a write; a minute is
# precise enough to tell a token that is in use from one that can be revoked.
_LAST_USED_PRECISION = timedelta(minutes=1)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def api_token_create(*, user: User, name: str = "") -> tuple[ApiToken, str]:
    """Make a token for a user; returns the row and the token, which is never stored."""
    if not user.is_active:
        raise ValidationError(_("Inactive users cannot have API tokens."))
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken.objects.create(user=user, name=name.strip(), digest=token_digest(token))
    return row, token


def api_token_revoke(*, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def api_token_user(*, token: str) -> User | None:
    """The active user a token belongs to, or None for an unknown or revoked token."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    row = (
        ApiToken.objects.select_related("user")
        .filter(digest=token_digest(token), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if row is None:
        return None
    now = timezone.now()
    if row.last_used_at is None or now - row.last_used_at > _LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return row.user
