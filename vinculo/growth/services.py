"""Writes for what we sell, what each account uses, the exceptions we grant and the value
we deliver (M7, M13, M20).

Each validates with ``growth.checks`` (shared with the bundle importer and the admin),
records a timeline event and, after commit, refreshes the health and plays of the account
and person it touches: wallet share, fairness and value all feed the engine.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from vinculo.checks import raise_problems
from vinculo.growth.checks import (
    concession_problems,
    holding_problems,
    product_line_problems,
    value_item_problems,
)
from vinculo.growth.models import Concession, Holding, ProductLine, ValueItem
from vinculo.health.services import health_refresh_after_commit
from vinculo.people.models import Account, Person
from vinculo.timeline.models import EventKind
from vinculo.timeline.services import event_record
from vinculo.users.models import User


def _refresh(account: Account, person: Person | None = None) -> None:
    health_refresh_after_commit(
        person_ids=[person.pk] if person is not None else [], account_ids=[account.pk]
    )


def _money(value: Decimal | None) -> str:
    return "" if value is None else format(value, "f")


def product_line_name_check(name: str, line: ProductLine | None = None) -> str:
    """The name trimmed, or a ValidationError: empty, too long, or taken in any case."""
    name = name.strip()
    raise_problems(product_line_problems(name=name))
    taken = ProductLine.objects.filter(name__iexact=name)
    if line is not None:
        taken = taken.exclude(pk=line.pk)
    if taken.exists():
        raise ValidationError({"name": _("A product line with this name already exists.")})
    return name


@transaction.atomic
def product_line_create(
    *, name: str, key: str | None = None, actor: User | None = None
) -> ProductLine:
    name = product_line_name_check(name)
    line = ProductLine.objects.create(key=key or None, name=name)
    event_record(kind=EventKind.PRODUCT_LINE_ADDED, actor=actor, data={"text": name})
    return line


@transaction.atomic
def holding_set(
    *,
    account: Account,
    product_line: ProductLine,
    year: int,
    revenue: Decimal,
    actor: User | None = None,
) -> Holding:
    """Set an account's yearly revenue from a product line; setting it again replaces it."""
    raise_problems(holding_problems(year=year, revenue=revenue))
    holding, _created = Holding.objects.select_for_update().update_or_create(
        account=account, product_line=product_line, year=year, defaults={"revenue": revenue}
    )
    event_record(
        kind=EventKind.HOLDING_SET,
        account=account,
        actor=actor,
        data={"text": f"{product_line.name} · {year} · {_money(revenue)}"},
    )
    _refresh(account)
    return holding


@transaction.atomic
def concession_record(
    *,
    account: Account,
    granted_on: dt.date,
    kind: str,
    person: Person | None = None,
    size_pct: Decimal | None = None,
    amount: Decimal | None = None,
    policy: str = "",
    reason: str = "",
    approved_by: str = "",
    key: str | None = None,
    actor: User | None = None,
) -> Concession:
    policy, reason, approved_by = policy.strip(), reason.strip(), approved_by.strip()
    raise_problems(
        concession_problems(
            granted_on=granted_on,
            kind=kind,
            size_pct=size_pct,
            amount=amount,
            policy=policy,
            approved_by=approved_by,
        )
    )
    concession = Concession.objects.create(
        key=key or None,
        account=account,
        person=person,
        granted_on=granted_on,
        kind=kind,
        size_pct=size_pct,
        amount=amount,
        policy=policy,
        reason=reason,
        approved_by=approved_by,
    )
    event_record(
        kind=EventKind.CONCESSION_RECORDED,
        account=account,
        person=person,
        actor=actor,
        data={"kind": kind, "text": reason[:200], "date": str(granted_on)},
    )
    _refresh(account, person)
    return concession


@transaction.atomic
def value_item_record(
    *,
    account: Account,
    date: dt.date,
    kind: str,
    person: Person | None = None,
    amount: Decimal | None = None,
    evidence: str = "",
    communicated_on: dt.date | None = None,
    key: str | None = None,
    actor: User | None = None,
) -> ValueItem:
    raise_problems(
        value_item_problems(date=date, kind=kind, amount=amount, communicated_on=communicated_on)
    )
    item = ValueItem.objects.create(
        key=key or None,
        account=account,
        person=person,
        date=date,
        kind=kind,
        amount=amount,
        evidence=evidence.strip(),
        communicated_on=communicated_on,
    )
    event_record(
        kind=EventKind.VALUE_RECORDED,
        account=account,
        person=person,
        actor=actor,
        data={"kind": kind, "text": item.evidence[:200], "date": str(date)},
    )
    _refresh(account, person)
    return item
