from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

# Agenda items a user is expected to finish in a day; the rest waits in "later".
DEFAULT_DAILY_CAPACITY = 10


class Team(models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    MANAGER = "manager", _("Manager")
    ACCOUNT_MANAGER = "account_manager", _("Account manager")
    VIEWER = "viewer", _("Viewer")


class User(AbstractUser):
    """A person who signs in. Their role says what they may do; their team, whose data."""

    role = models.CharField(
        _("role"), max_length=20, choices=Role.choices, default=Role.ACCOUNT_MANAGER
    )
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="members",
    )
    language = models.CharField(_("language"), max_length=8, blank=True)
    daily_capacity = models.PositiveSmallIntegerField(
        _("daily capacity"),
        default=DEFAULT_DAILY_CAPACITY,
        validators=[MinValueValidator(1), MaxValueValidator(200)],
        help_text=_("How many agenda items are for today; the rest is listed for later."),
    )

    class Meta(AbstractUser.Meta):  # type: ignore[name-defined,unused-ignore]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def can_write(self) -> bool:
        return self.is_active and self.role != Role.VIEWER


class ApiToken(models.Model):
    """A bearer token for scripts. Only its SHA-256 is stored: a leaked database or backup
    gives no usable token, and the token itself is shown once, when it is made."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    digest = models.CharField(_("SHA-256 of the token"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.user} · {self.name or self.pk}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class IdempotencyKey(models.Model):
    """An ``Idempotency-Key`` an API caller sent with a create, and the answer it got: the
    same key and body within a day replays that answer instead of creating twice."""

    # Whose key: "t:<token digest>" or "u:<user id>".
    scope = models.CharField(max_length=80)
    key = models.CharField(max_length=200)
    request_digest = models.CharField(max_length=64)
    # 0 while the first request is still running.
    status = models.PositiveSmallIntegerField(default=0)
    content_type = models.CharField(max_length=100, blank=True)
    body = models.TextField(blank=True)
    headers = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="one_idempotency_key_per_caller")
        ]

    def __str__(self) -> str:
        return self.key
