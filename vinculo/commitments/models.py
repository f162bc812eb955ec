"""What we promised, what went wrong, what worries them and what we proposed."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from vinculo.concurrency import Versioned
from vinculo.fields import KeyField
from vinculo.vocab import CommitmentStatus, Outcome, Severity


def _person_fk(related_name: str, verbose: str = "person") -> models.ForeignKey:  # type: ignore[type-arg,unused-ignore]
    return models.ForeignKey(
        "people.Person",
        verbose_name=_(verbose),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name=related_name,
    )


def _account_fk(related_name: str) -> models.ForeignKey:  # type: ignore[type-arg,unused-ignore]
    return models.ForeignKey(
        "people.Account",
        verbose_name=_("account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name=related_name,
    )


class Commitment(Versioned):
    """A promise made to a person or account (M2)."""

    key = KeyField(null=True)
    account = _account_fk("commitments")
    person = _person_fk("commitments")
    colleague = models.ForeignKey(
        "people.Colleague",
        verbose_name=_("made by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="commitments",
    )
    interaction = models.ForeignKey(
        "interactions.Interaction",
        verbose_name=_("made in"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="commitments",
    )
    text = models.TextField(_("promise"))
    made_on = models.DateField(_("made on"))
    due = models.DateField(_("due"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=CommitmentStatus.choices, default=CommitmentStatus.OPEN
    )
    closed_on = models.DateField(_("closed on"), null=True, blank=True)

    class Meta:
        ordering = ["due", "id"]
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")
        constraints = [
            models.CheckConstraint(
                condition=Q(due__isnull=True) | Q(due__gte=F("made_on")),
                name="commitment_due_after_made",
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=F("made_on")),
                name="commitment_closed_after_made",
            ),
        ]
        indexes = [
            models.Index(fields=["person", "due"], name="commitment_person_due"),
            models.Index(fields=["account", "due"], name="commitment_account_due"),
        ]

    def __str__(self) -> str:
        return self.text[:80]


class Complaint(Versioned):
    """A complaint or bad experience, with response and resolution times (M10, M11)."""

    key = KeyField(null=True)
    account = _account_fk("complaints")
    person = _person_fk("complaints", "raised by")
    opened = models.DateField(_("opened"))
    severity = models.CharField(
        _("severity"), max_length=16, choices=Severity.choices, default=Severity.MEDIUM
    )
    category = models.CharField(_("category"), max_length=120, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    first_response = models.DateField(_("first response"), null=True, blank=True)
    resolved = models.DateField(_("resolved"), null=True, blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    satisfaction_after = models.PositiveSmallIntegerField(
        _("satisfaction after (1-5)"), null=True, blank=True
    )

    class Meta:
        ordering = ["-opened", "-id"]
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        constraints = [
            models.CheckConstraint(
                condition=Q(first_response__isnull=True) | Q(first_response__gte=F("opened")),
                name="complaint_response_after_opened",
            ),
            models.CheckConstraint(
                condition=Q(resolved__isnull=True) | Q(resolved__gte=F("opened")),
                name="complaint_resolved_after_opened",
            ),
            models.CheckConstraint(
                condition=Q(satisfaction_after__isnull=True)
                | Q(satisfaction_after__gte=1, satisfaction_after__lte=5),
                name="complaint_satisfaction_1_to_5",
            ),
        ]
        indexes = [models.Index(fields=["account", "opened"], name="complaint_account_opened")]

    def __str__(self) -> str:
        return self.summary[:80] or self.category


class Concern(Versioned):
    """A pain point of the client that we help to remove (M19)."""

    key = KeyField(null=True)
    person = _person_fk("concerns")
    account = _account_fk("concerns")
    topic = models.CharField(_("topic"), max_length=300)
    opened = models.DateField(_("opened"))
    resolved = models.DateField(_("resolved"), null=True, blank=True)

    class Meta:
        ordering = ["-opened", "-id"]
        verbose_name = _("concern")
        verbose_name_plural = _("concerns")
        constraints = [
            models.CheckConstraint(
                condition=Q(resolved__isnull=True) | Q(resolved__gte=F("opened")),
                name="concern_resolved_after_opened",
            ),
        ]

    def __str__(self) -> str:
        return self.topic


class Initiative(Versioned):
    """An idea or proposal we brought to a person or their team (M3)."""

    key = KeyField(null=True)
    account = _account_fk("initiatives")
    person = _person_fk("initiatives")
    proposed_on = models.DateField(_("proposed on"))
    text = models.TextField(_("proposal"))
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=Outcome.choices, default=Outcome.PENDING
    )
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["-proposed_on", "-id"]
        verbose_name = _("initiative")
        verbose_name_plural = _("initiatives")

    def __str__(self) -> str:
        return self.text[:80]
