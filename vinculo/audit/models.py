"""The audit trail: every change to a domain record, who made it, when, from which face,
and each changed field's value before and after."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from vinculo.audit.faces import Face

__all__ = ["Action", "AuditEntry", "Face"]


class Action(models.TextChoices):
    CREATE = "create", _("created")
    UPDATE = "update", _("changed")
    DELETE = "delete", _("deleted")
    # One summary entry for a set-based write (an import, a recompute, a purge): no rows.
    BULK = "bulk", _("bulk write")
    ERASE = "erase", _("erased")


class AuditEntry(models.Model):
    at = models.DateTimeField(_("when"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    face = models.CharField(_("face"), max_length=8, choices=Face.choices)
    model = models.CharField(_("record type"), max_length=64)
    object_id = models.CharField(_("record id"), max_length=64, blank=True)
    object_repr = models.CharField(_("record"), max_length=200, blank=True)
    action = models.CharField(_("action"), max_length=8, choices=Action.choices)
    # {field: [before, after]}; a bulk entry holds its counts instead.
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    # The person and the account the record belongs to (plain ids, so the trail outlives
    # the rows): a person's page shows their jobs, plan and promises in one indexed read.
    person_id = models.BigIntegerField(_("person"), null=True, blank=True)
    account_id = models.BigIntegerField(_("account"), null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [
            models.Index(fields=["model", "object_id", "-at"], name="audit_object_date"),
            models.Index(fields=["person_id", "-at"], name="audit_person_date"),
            models.Index(fields=["account_id", "-at"], name="audit_account_date"),
        ]

    def __str__(self) -> str:
        return f"{self.model}:{self.object_id} {self.action} {self.at:%Y-%m-%d %H:%M}"
