"""What we sell and what each account uses, the exceptions we grant, the value we give."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from vinculo.concurrency import Versioned
from vinculo.fields import KeyField
from vinculo.vocab import ConcessionKind, ValueKind


class ProductLine(Versioned):
    key = KeyField(null=True)
    name = models.CharField(_("name"), max_length=200, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("product line")
        verbose_name_plural = _("product lines")

    def __str__(self) -> str:
        return self.name


class Holding(Versioned):
    """An account's yearly revenue from one product line: wallet share and cross-sell (M7)."""

    account = models.ForeignKey(
        "people.Account",
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="holdings",
    )
    product_line = models.ForeignKey(
        ProductLine,
        verbose_name=_("product line"),
        on_delete=models.CASCADE,
        related_name="holdings",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    revenue = models.DecimalField(_("revenue"), max_digits=14, decimal_places=2, default=0)

    class Meta:
        ordering = ["-year", "product_line__name"]
        verbose_name = _("holding")
        verbose_name_plural = _("holdings")
        constraints = [
            models.UniqueConstraint(
                fields=["account", "product_line", "year"], name="unique_holding_per_year"
            ),
            models.CheckConstraint(
                condition=Q(revenue__gte=0), name="holding_revenue_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account} · {self.product_line} · {self.year}"


class Concession(Versioned):
    """An exception to standard terms (M13)."""

    key = KeyField(null=True)
    account = models.ForeignKey(
        "people.Account",
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="concessions",
    )
    person = models.ForeignKey(
        "people.Person",
        verbose_name=_("person"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="concessions",
    )
    granted_on = models.DateField(_("granted on"))
    kind = models.CharField(_("kind"), max_length=16, choices=ConcessionKind.choices)
    size_pct = models.DecimalField(
        _("size (%)"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    amount = models.DecimalField(
        _("amount"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    policy = models.CharField(_("policy it departs from"), max_length=300, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    approved_by = models.CharField(_("approved by"), max_length=200, blank=True)

    class Meta:
        ordering = ["-granted_on", "-id"]
        verbose_name = _("concession")
        verbose_name_plural = _("concessions")
        constraints = [
            models.CheckConstraint(
                condition=Q(size_pct__isnull=True) | Q(size_pct__gte=0, size_pct__lte=100),
                name="concession_pct_0_to_100",
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0),
                name="concession_amount_not_negative",
            ),
        ]
        indexes = [models.Index(fields=["account", "granted_on"], name="concession_account_date")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.account}"


class ValueItem(Versioned):
    """Value the client received, and whether we told them (M20)."""

    key = KeyField(null=True)
    account = models.ForeignKey(
        "people.Account",
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="value_items",
    )
    person = models.ForeignKey(
        "people.Person",
        verbose_name=_("person"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="value_items",
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=16, choices=ValueKind.choices)
    amount = models.DecimalField(
        _("amount"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    evidence = models.TextField(_("evidence"), blank=True)
    communicated_on = models.DateField(_("communicated on"), null=True, blank=True)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("value item")
        verbose_name_plural = _("value items")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.account}"
