"""Computed health per day and the plays (alerts) raised from it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Band(models.TextChoices):
    GREEN = "green", _("Green")
    YELLOW = "yellow", _("Yellow")
    RED = "red", _("Red")


class HealthSnapshot(models.Model):
    """The health of one person or one account as of a date, with the facts behind it."""

    as_of = models.DateField(_("as of"))
    person = models.ForeignKey(
        "people.Person",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="health_snapshots",
    )
    account = models.ForeignKey(
        "people.Account",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="health_snapshots",
    )
    overall = models.PositiveSmallIntegerField(_("health"))
    band = models.CharField(_("band"), max_length=8, choices=Band.choices)
    # {"cadence": {"value": 80, "facts": {...}}, ...}: the inputs are kept so that every
    # score can be explained later in either language.
    components = models.JSONField(_("components"), default=dict)
    # A hash of overall, band and components: a subject whose health did not change since
    # its previous snapshot gets no new row (health_on reads the latest on or before a day).
    digest = models.CharField(max_length=32, blank=True, editable=False)

    class Meta:
        ordering = ["-as_of"]
        verbose_name = _("health snapshot")
        verbose_name_plural = _("health snapshots")
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False, account__isnull=True)
                | Q(person__isnull=True, account__isnull=False),
                name="snapshot_one_subject",
            ),
            models.CheckConstraint(condition=Q(overall__lte=100), name="snapshot_0_to_100"),
            models.UniqueConstraint(fields=["person", "as_of"], name="one_snapshot_per_person_day"),
            models.UniqueConstraint(
                fields=["account", "as_of"], name="one_snapshot_per_account_day"
            ),
        ]
        # "Is there a later day?" (plays follow only the newest date) and --if-missing.
        indexes = [models.Index(fields=["as_of"], name="snapshot_as_of")]

    def __str__(self) -> str:
        return f"{self.person or self.account} {self.as_of}: {self.overall}"


class HealthRun(models.Model):
    """A day the whole engine ran for (snapshots are stored only where health changed, so
    "was this day computed, is a later day stored" cannot be read from them alone)."""

    as_of = models.DateField(_("as of"), unique=True)
    finished_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("health run")
        verbose_name_plural = _("health runs")

    def __str__(self) -> str:
        return str(self.as_of)


class PlayStatus(models.TextChoices):
    OPEN = "open", _("Open")
    SNOOZED = "snoozed", _("Snoozed")
    DONE = "done", _("Done")
    DISMISSED = "dismissed", _("Dismissed")


class PlayKind(models.TextChoices):
    CADENCE_OVERDUE = "cadence_overdue", _("Cadence overdue")
    GOING_SILENT = "going_silent", _("Going silent")
    MEETINGS_SHRINKING = "meetings_shrinking", _("Meetings shrinking")
    LEVEL_DROPPED = "level_dropped", _("Conversation level dropped")
    SINGLE_CHANNEL = "single_channel", _("Single channel")
    PROMISE_OVERDUE = "promise_overdue", _("Promise overdue")
    PROMISE_BROKEN = "promise_broken", _("Promise broken")
    COMPLAINT_OPEN = "complaint_open", _("Complaint open")
    BOW_TIE = "bow_tie", _("Bow-tie account")
    NO_INITIATIVE = "no_initiative", _("No initiative")
    MEAL_WITHOUT_NEW_CONTACT = "meal_without_new_contact", _("Meal without a new contact")
    CONCESSION_OUTLIER = "concession_outlier", _("Concession outlier")
    CONTACT_MOVED = "contact_moved", _("Contact moved")
    VALUE_NOT_COMMUNICATED = "value_not_communicated", _("Value not communicated")
    RECONSIDER = "reconsider", _("Reconsider the relationship")
    GROWTH_OPPORTUNITY = "growth_opportunity", _("Growth opportunity")


class Play(models.Model):
    """An alert about a person or an account (M21).

    It stores the facts that raised it, never sentences: its reason and recommended action
    are worded when read (``health.words.reason_and_action``), in the reader's language.
    """

    kind = models.CharField(_("kind"), max_length=32, choices=PlayKind.choices)
    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, null=True, blank=True, related_name="plays"
    )
    account = models.ForeignKey(
        "people.Account", on_delete=models.CASCADE, null=True, blank=True, related_name="plays"
    )
    # The facts that raised it; a dismissed play comes back only when these change.
    fingerprint = models.CharField(max_length=64, blank=True)
    facts = models.JSONField(_("facts"), default=dict)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="plays",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=PlayStatus.choices, default=PlayStatus.OPEN
    )
    due = models.DateField(_("due"), null=True, blank=True)
    snoozed_until = models.DateField(_("snoozed until"), null=True, blank=True)
    dismissed_reason = models.TextField(_("reason for dismissing"), blank=True)
    raised_on = models.DateField(_("raised on"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due", "-raised_on"]
        verbose_name = _("play")
        verbose_name_plural = _("plays")
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False) | Q(account__isnull=False),
                name="play_has_subject",
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "status", "due"], name="play_owner_status_due"),
            models.Index(fields=["kind", "person", "account"], name="play_kind_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.person_id or '-'}/{self.account_id or '-'})"


class HealthSettings(models.Model):
    """Sales operations' changes to the engine's defaults (weights, windows, thresholds).

    One row. ``overrides`` holds only what differs from ``EngineConfig``'s defaults, so a
    new default in the code reaches every installation that did not change it.
    """

    overrides = models.JSONField(
        _("changes to the defaults"),
        default=dict,
        blank=True,
        help_text=_(
            'For example {"recent_days": 60, "person_weights": {"cadence": 30}}. '
            "Names as in the engine's configuration."
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("health settings")
        verbose_name_plural = _("health settings")

    def __str__(self) -> str:
        return str(_("Health settings"))


class InteractionDaySummary(models.Model):
    """One subject's interactions of one local day, summed: what the engine reads in bulk.

    A person's row sums the interactions they took part in, an account's the interactions
    of the account. Derived from the interactions and kept by ``health.summary`` (the
    services that write interactions refresh the subjects they touch, set-based; the bulk
    importers refresh once per run); the full recompute reads one row per subject and day
    instead of one per interaction. The day is the start's date in the installation's time
    zone (``TIME_ZONE``): after changing it, rebuild (``recompute_health --rebuild-summary``).
    """

    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    account = models.ForeignKey(
        "people.Account", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    day = models.DateField()
    n = models.PositiveIntegerField(default=0)
    n_inbound = models.PositiveIntegerField(default=0)
    n_live = models.PositiveIntegerField(default=0)
    n_email = models.PositiveIntegerField(default=0)
    n_levelled = models.PositiveIntegerField(default=0)
    n_high = models.PositiveIntegerField(default=0)
    live_minutes = models.BigIntegerField(default=0)
    minutes = models.BigIntegerField(default=0)
    first_at = models.DateTimeField()
    last_two_way_at = models.DateTimeField(null=True)
    last_inbound_at = models.DateTimeField(null=True)
    first_inbound_at = models.DateTimeField(null=True)
    min_channel = models.CharField(max_length=16)
    max_channel = models.CharField(max_length=16)
    # The unanswered streak: the day's last reply (a live contact or one they started),
    # the contacts that were not replies, and those of them after the day's last reply.
    last_reply_at = models.DateTimeField(null=True)
    n_quiet = models.PositiveIntegerField(default=0)
    n_quiet_after = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("interaction day summary")
        verbose_name_plural = _("interaction day summaries")
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False, account__isnull=True)
                | Q(person__isnull=True, account__isnull=False),
                name="day_summary_one_subject",
            ),
            models.UniqueConstraint(fields=["person", "day"], name="day_summary_person_day"),
            models.UniqueConstraint(fields=["account", "day"], name="day_summary_account_day"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id or '-'}/{self.account_id or '-'} {self.day}: {self.n}"
