"""The history of what happened to a person or account, written by the services."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class EventKind(models.TextChoices):
    PERSON_CREATED = "person_created", _("Person added")
    PERSON_UPDATED = "person_updated", _("Profile updated")
    ACCOUNT_CREATED = "account_created", _("Account added")
    ACCOUNT_UPDATED = "account_updated", _("Account updated")
    EMPLOYMENT_STARTED = "employment_started", _("Started a job")
    EMPLOYMENT_ENDED = "employment_ended", _("Left a job")
    INTERACTION_LOGGED = "interaction_logged", _("Interaction logged")
    COMMITMENT_RECORDED = "commitment_recorded", _("Promise recorded")
    COMMITMENT_CLOSED = "commitment_closed", _("Promise closed")
    COMPLAINT_OPENED = "complaint_opened", _("Complaint opened")
    COMPLAINT_RESOLVED = "complaint_resolved", _("Complaint resolved")
    CONTACT_PLAN_SET = "contact_plan_set", _("Cadence agreed")
    BUNDLE_IMPORTED = "bundle_imported", _("Bundle imported")
    EMPLOYMENT_UPDATED = "employment_updated", _("Job updated")
    EMPLOYMENT_REMOVED = "employment_removed", _("Job removed")
    COLLEAGUE_ADDED = "colleague_added", _("Colleague added")
    COLLEAGUE_UPDATED = "colleague_updated", _("Colleague updated")
    CONCERN_OPENED = "concern_opened", _("Concern noted")
    CONCERN_RESOLVED = "concern_resolved", _("Concern resolved")
    INITIATIVE_RECORDED = "initiative_recorded", _("Initiative recorded")
    INITIATIVE_DECIDED = "initiative_decided", _("Initiative decided")
    PRODUCT_LINE_ADDED = "product_line_added", _("Product line added")
    HOLDING_SET = "holding_set", _("Yearly revenue set")
    CONCESSION_RECORDED = "concession_recorded", _("Concession recorded")
    VALUE_RECORDED = "value_recorded", _("Value recorded")
    PLAY_DONE = "play_done", _("Play done")
    PLAY_SNOOZED = "play_snoozed", _("Play snoozed")
    PLAY_DISMISSED = "play_dismissed", _("Play dismissed")
    COMMITMENT_UPDATED = "commitment_updated", _("Promise corrected")
    COMPLAINT_UPDATED = "complaint_updated", _("Complaint corrected")
    CONCERN_UPDATED = "concern_updated", _("Concern corrected")
    INITIATIVE_UPDATED = "initiative_updated", _("Initiative corrected")
    CONCESSION_UPDATED = "concession_updated", _("Concession corrected")
    VALUE_UPDATED = "value_updated", _("Value corrected")
    PLAY_REOPENED = "play_reopened", _("Play brought back")


class TimelineEvent(models.Model):
    kind = models.CharField(_("kind"), max_length=32, choices=EventKind.choices)
    occurred_at = models.DateTimeField(_("when"))
    person = models.ForeignKey(
        "people.Person",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="timeline_events",
    )
    account = models.ForeignKey(
        "people.Account",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="timeline_events",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Plain values (names, dates, ids) rendered into a translated sentence when shown,
    # so the same event reads in Spanish or English.
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("timeline event")
        verbose_name_plural = _("timeline events")
        indexes = [
            models.Index(fields=["person", "-occurred_at"], name="event_person_date"),
            models.Index(fields=["account", "-occurred_at"], name="event_account_date"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_at:%Y-%m-%d}"

    @property
    def detail(self) -> str:
        data: dict[str, Any] = self.data or {}
        return str(data.get("text", ""))
