"""People, the companies they work for over time, and our colleagues.

A person is not owned by an account: employments link them, with history (M1, M4).
"""

from __future__ import annotations

import unicodedata
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from vinculo.concurrency import Versioned
from vinculo.fields import KeyField
from vinculo.vocab import AccountStatus, Channel, DecisionRole, Function, LegalBasis, Tier


def search_key(text: str) -> str:
    """``text`` without accents, case folded: "Álvaro", "ALVARO" and "álvaro" are "alvaro".
    What ``Person.search_name`` stores and the people search compares, the same on SQLite
    and PostgreSQL (neither's LIKE folds accents, and SQLite's folds ASCII only); ordering
    by it puts "Ana Álvarez" before "Ana Vázquez". The ñ becomes n too (a search typed
    without it still finds Iñigo)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


class Colleague(Versioned):
    """A person on our side. May be linked to a user who signs in."""

    key = KeyField(null=True)
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("email"), unique=True, null=True, blank=True)
    function = models.CharField(
        _("function"), max_length=32, choices=Function.choices, default=Function.SALES
    )
    team = models.ForeignKey(
        "users.Team",
        verbose_name=_("team"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="colleagues",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="colleague",
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("colleague")
        verbose_name_plural = _("colleagues")

    def __str__(self) -> str:
        return self.name


class Account(Versioned):
    """A client or prospect company: a view over the people who work there."""

    key = KeyField(null=True)
    name = models.CharField(_("name"), max_length=200, db_index=True)
    industry = models.CharField(_("industry"), max_length=120, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True, help_text=_("ISO code"))
    tier = models.CharField(_("tier"), max_length=1, choices=Tier.choices, blank=True)
    size = models.CharField(_("size"), max_length=40, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=AccountStatus.choices, default=AccountStatus.ACTIVE
    )
    owner = models.ForeignKey(
        Colleague,
        verbose_name=_("owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_accounts",
    )
    wallet_yearly = models.DecimalField(
        _("estimated yearly wallet"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        constraints = [
            models.CheckConstraint(
                condition=Q(wallet_yearly__isnull=True) | Q(wallet_yearly__gte=0),
                name="account_wallet_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("web:account", args=[self.pk])


class AccountDomain(models.Model):
    """An email domain that identifies an account (to match people and mail)."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="domains")
    domain = models.CharField(_("domain"), max_length=253, unique=True)

    class Meta:
        ordering = ["domain"]
        verbose_name = _("email domain")
        verbose_name_plural = _("email domains")
        constraints = [
            models.CheckConstraint(condition=Q(domain=Lower("domain")), name="domain_lower_case"),
        ]

    def __str__(self) -> str:
        return self.domain


class Person(Versioned):
    """A human on the client side: the first-class object of Vínculo."""

    key = KeyField(null=True)
    name = models.CharField(_("name"), max_length=200, db_index=True)
    # search_key(name), written by save() and by every bulk insert of people (the bundle
    # importer, the demo generator): what the search matches and the list sorts by.
    search_name = models.CharField(
        max_length=400, blank=True, default="", db_default="", editable=False, db_index=True
    )
    phones = models.CharField(_("phones"), max_length=200, blank=True, help_text=_("; between"))
    language = models.CharField(_("language"), max_length=8, blank=True)
    legal_basis = models.CharField(
        _("legal basis for personal data"),
        max_length=24,
        choices=LegalBasis.choices,
        default=LegalBasis.LEGITIMATE_INTEREST,
    )
    legal_basis_source = models.CharField(
        _("source of the legal basis"),
        max_length=500,
        blank=True,
        db_default="",  # the set-based importers (vinculo.bulk) insert rows without it
        help_text=_("Where it comes from: the consent form, the contract, the assessment."),
    )
    notes = models.TextField(_("notes"), blank=True)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    family = models.TextField(_("family"), blank=True)
    tastes = models.TextField(_("tastes and preferences"), blank=True)
    friends = models.TextField(_("friends"), blank=True)
    interests = models.TextField(_("interests"), blank=True)
    professional_interests = models.TextField(_("professional interests"), blank=True)
    owner = models.ForeignKey(
        Colleague,
        verbose_name=_("owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_people",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.search_name = search_key(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "search_name"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("web:person", args=[self.pk])


class PersonEmail(models.Model):
    """One of a person's addresses, lower case, unique: how mail and calendars find them."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="emails")
    email = models.EmailField(_("email"), unique=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("email address")
        verbose_name_plural = _("email addresses")
        constraints = [
            models.CheckConstraint(condition=Q(email=Lower("email")), name="email_lower_case"),
        ]

    def __str__(self) -> str:
        return self.email


class Employment(Versioned):
    """A person working at an account over a period; no end means it is current."""

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="employments"
    )
    account = models.ForeignKey(
        Account, verbose_name=_("account"), on_delete=models.CASCADE, related_name="employments"
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    function = models.CharField(
        _("function"), max_length=32, choices=Function.choices, default=Function.OTHER
    )
    decision_role = models.CharField(
        _("role in decisions"), max_length=20, choices=DecisionRole.choices, blank=True
    )
    start = models.DateField(_("start"), null=True, blank=True)
    end = models.DateField(_("end"), null=True, blank=True)

    class Meta:
        ordering = ["-start", "-id"]
        verbose_name = _("employment")
        verbose_name_plural = _("employments")
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(start__isnull=True) | Q(end__gte=F("start")),
                name="employment_end_after_start",
            ),
            models.UniqueConstraint(
                fields=["person", "account"],
                condition=Q(end__isnull=True),
                name="one_current_employment_per_person_account",
            ),
        ]
        indexes = [models.Index(fields=["account", "end"], name="employment_account_end")]

    def __str__(self) -> str:
        return f"{self.person} @ {self.account}"

    @property
    def is_current(self) -> bool:
        return self.end is None


class ContactPlan(Versioned):
    """The agreed cadence with a person (M17)."""

    person = models.OneToOneField(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="contact_plan"
    )
    every_days = models.PositiveIntegerField(_("every (days)"))
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, blank=True)
    place = models.CharField(_("place or medium"), max_length=200, blank=True)
    agreed = models.BooleanField(
        _("agreed with the client"), default=False, help_text=_("Otherwise internal.")
    )
    next_due = models.DateField(_("next due"), null=True, blank=True)

    class Meta:
        verbose_name = _("contact plan")
        verbose_name_plural = _("contact plans")
        constraints = [
            models.CheckConstraint(condition=Q(every_days__gte=1), name="plan_every_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.person}: {self.every_days}"
