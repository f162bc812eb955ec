"""Contacts between us and them, with the people on both sides."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from vinculo.concurrency import Versioned
from vinculo.fields import KeyField
from vinculo.vocab import Channel, Direction, Level, Source


class Interaction(Versioned):
    key = KeyField(null=True)
    started_at = models.DateTimeField(_("start"))
    duration_min = models.PositiveIntegerField(_("duration (minutes)"), default=0)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    place = models.CharField(_("place"), max_length=200, blank=True)
    direction = models.CharField(
        _("direction"), max_length=16, choices=Direction.choices, default=Direction.OUTBOUND
    )
    level = models.CharField(_("level"), max_length=16, choices=Level.choices, blank=True)
    level_suggested = models.BooleanField(
        _("level suggested by the system"),
        default=False,
        help_text=_("A suggestion never replaces a level that a user chose."),
    )
    summary = models.TextField(_("summary"), blank=True)
    source = models.CharField(
        _("source"), max_length=16, choices=Source.choices, default=Source.MANUAL
    )
    source_id = models.CharField(_("source id"), max_length=500, blank=True)
    # Derived from the employments of the client participants at the interaction's date;
    # stored so that "an account's interactions by date" is one index range scan.
    account = models.ForeignKey(
        "people.Account",
        verbose_name=_("account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="interactions",
    )
    people: models.ManyToManyField[Any, Any] = models.ManyToManyField(
        "people.Person", through="InteractionPerson", related_name="interactions"
    )
    colleagues: models.ManyToManyField[Any, Any] = models.ManyToManyField(
        "people.Colleague", through="InteractionColleague", related_name="interactions"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        constraints = [
            models.CheckConstraint(condition=Q(duration_min__gte=0), name="duration_not_negative"),
            models.UniqueConstraint(
                fields=["source", "source_id"],
                condition=~Q(source_id=""),
                name="unique_source_id_per_source",
            ),
        ]
        indexes = [
            models.Index(fields=["account", "started_at"], name="interaction_account_date"),
            models.Index(fields=["started_at"], name="interaction_date"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.started_at:%Y-%m-%d}"


class InteractionPerson(models.Model):
    """A client person who took part in an interaction (their side)."""

    interaction = models.ForeignKey(
        Interaction, on_delete=models.CASCADE, related_name="person_links"
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="interaction_links"
    )

    class Meta:
        verbose_name = _("client participant")
        verbose_name_plural = _("client participants")
        constraints = [
            models.UniqueConstraint(fields=["person", "interaction"], name="unique_person_link"),
        ]
        indexes = [models.Index(fields=["interaction"], name="person_link_interaction")]

    def __str__(self) -> str:
        return f"{self.person_id} @ {self.interaction_id}"


class InteractionColleague(models.Model):
    """A colleague who took part in an interaction (our side)."""

    interaction = models.ForeignKey(
        Interaction, on_delete=models.CASCADE, related_name="colleague_links"
    )
    colleague = models.ForeignKey(
        "people.Colleague", on_delete=models.CASCADE, related_name="interaction_links"
    )

    class Meta:
        verbose_name = _("our participant")
        verbose_name_plural = _("our participants")
        constraints = [
            models.UniqueConstraint(
                fields=["colleague", "interaction"], name="unique_colleague_link"
            ),
        ]
        indexes = [models.Index(fields=["interaction"], name="colleague_link_interaction")]

    def __str__(self) -> str:
        return f"{self.colleague_id} @ {self.interaction_id}"


class LevelCorrection(models.Model):
    """A level a user set on an interaction that had a suggested level or none: a labelled
    note for ``vinculo train_levels`` (M5). The note is copied, so that editing or deleting
    the interaction later does not change what the model was taught."""

    interaction = models.ForeignKey(
        Interaction,
        verbose_name=_("interaction"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="level_corrections",
    )
    note = models.TextField(_("note"))
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    suggested_level = models.CharField(
        _("suggested level"), max_length=16, choices=Level.choices, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("level correction")
        verbose_name_plural = _("level corrections")

    def __str__(self) -> str:
        return f"{self.suggested_level or '-'} -> {self.level}"
