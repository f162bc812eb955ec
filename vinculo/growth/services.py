"""Writes for what we sell, what each account uses, the exceptions we grant and the value
we deliver (M7, M13, M20)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from vinculo.growth.models import Concession, Holding, ProductLine, ValueItem
from vinculo.people.models import Account, Person
from vinculo.vocab import ConcessionKind, ValueKind

# Holdings are yearly figures; anything outside this range is a typing mistake.
_FIRST_YEAR, _LAST_YEAR = 1990, 2100


def product_line_create(*, name: str, key: str | None = None) -> ProductLine:
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("A product line needs a name.")})
    if ProductLine.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": _("A product line with this name already exists.")})
    return ProductLine.objects.create(key=key or None, name=name)


def holding_set(
    *, account: Account, product_line: ProductLine, year: int, revenue: Decimal
) -> Holding:
    """Set an account's yearly revenue from a product line; setting it again replaces it."""
    errors: dict[str, str] = {}
    if not _FIRST_YEAR <= year <= _LAST_YEAR:
        errors["year"] = _("The year must be between %(first)s and %(last)s.") % {
            "first": _FIRST_YEAR,
            "last": _LAST_YEAR,
        }
    if revenue < 0:
        errors["revenue"] = _("Revenue cannot be negative.")
    if errors:
        raise ValidationError(errors)
    holding, _created = Holding.objects.update_or_create(
        account=account, product_line=product_line, year=year, defaults={"revenue": revenue}
    )
    return holding


@transaction.atomic
def concession_record(
    *,
    account: Account,
    granted_on: date,
    kind: str,
    person: Person | None = None,
    size_pct: Decimal | None = None,
    amount: Decimal | None = None,
    policy: str = "",
    reason: str = "",
    approved_by: str = "",
    key: str | None = None,
) -> Concession:
    errors: dict[str, str] = {}
    if kind not in ConcessionKind.values:
        errors["kind"] = _("Choose the kind of concession.")
    if size_pct is not None and not 0 <= size_pct <= 100:
        errors["size_pct"] = _("A percentage goes from 0 to 100.")
    if amount is not None and amount < 0:
        errors["amount"] = _("The amount cannot be negative.")
    if errors:
        raise ValidationError(errors)
    return Concession.objects.create(
        key=key or None,
        account=account,
        person=person,
        granted_on=granted_on,
        kind=kind,
        size_pct=size_pct,
        amount=amount,
        policy=policy.strip(),
        reason=reason.strip(),
        approved_by=approved_by.strip(),
    )


@transaction.atomic
def value_item_record(
    *,
    account: Account,
    date: date,
    kind: str,
    person: Person | None = None,
    amount: Decimal | None = None,
    evidence: str = "",
    communicated_on: date | None = None,
    key: str | None = None,
) -> ValueItem:
    errors: dict[str, str] = {}
    if kind not in ValueKind.values:
        errors["kind"] = _("Choose the kind of value.")
    if amount is not None and amount < 0:
        errors["amount"] = _("The amount cannot be negative.")
    if communicated_on is not None and communicated_on < date:
        errors["communicated_on"] = _("Value cannot be communicated before it was delivered.")
    if errors:
        raise ValidationError(errors)
    return ValueItem.objects.create(
        key=key or None,
        account=account,
        person=person,
        date=date,
        kind=kind,
        amount=amount,
        evidence=evidence.strip(),
        communicated_on=communicated_on,
    )
