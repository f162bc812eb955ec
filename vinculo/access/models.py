"""What the access rules store: accounts shared with a user, and every read of a person's
personal profile facts (M18)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AccountShare(models.Model):
    """An account shared with a user who does not own it: they read and work it (and its
    people) as if they owned it."""

    account = models.ForeignKey(
        "people.Account",
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="shares",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="account_shares",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["account", "user"]
        verbose_name = _("shared account")
        verbose_name_plural = _("shared accounts")
        constraints = [
            models.UniqueConstraint(fields=["account", "user"], name="one_share_per_account_user")
        ]
        indexes = [models.Index(fields=["user", "account"], name="share_user_account")]

    def __str__(self) -> str:
        return f"{self.account} → {self.user}"


class Face(models.TextChoices):
    """Where personal facts were read."""

    WEB = "web", _("web page")
    API = "api", _("API")
    EXPORT = "export", _("export")
    COMMAND = "command", _("command")


class PersonalDataRead(models.Model):
    """One read of a person's personal facts by a user: who, whose, when, from which face."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="personal_data_reads",
    )
    username = models.CharField(_("user name"), max_length=150)
    person = models.ForeignKey(
        "people.Person",
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="personal_data_reads",
    )
    at = models.DateTimeField(_("read at"), default=timezone.now)
    face = models.CharField(_("face"), max_length=16, choices=Face.choices)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("personal data read")
        verbose_name_plural = _("personal data reads")
        indexes = [models.Index(fields=["person", "at"], name="personal_read_person_at")]

    def __str__(self) -> str:
        return f"{self.username} · {self.person_id} · {self.at:%Y-%m-%d %H:%M}"
