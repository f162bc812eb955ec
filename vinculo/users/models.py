from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


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

    class Meta(AbstractUser.Meta):  # type: ignore[name-defined,unused-ignore]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def can_write(self) -> bool:
        return self.is_active and self.role != Role.VIEWER
