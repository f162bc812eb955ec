"""Writes for what we sell, what each account uses, the exceptions we grant and the value
we deliver (M7, M13, M20).

Each validates with ``growth.checks`` (shared with the bundle importer and the admin),
records a timeline event and, after commit, refreshes the health and plays of the account
and person it touches: wallet share, fairness and value all feed the engine.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from vinculo.checks import raise_problems
from vinculo.concurrency import check_version
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


# -- corrections (PATCH) ----------------------------------------------------------------------

_HOLDING_FIELDS = frozenset({"revenue"})
_CONCESSION_FIELDS = frozenset(
    {"granted_on", "kind", "size_pct", "amount", "policy", "reason", "approved_by"}
)
_VALUE_FIELDS = frozenset({"date", "kind", "amount", "evidence", "communicated_on"})


def _unknown(allowed: frozenset[str], changes: dict[str, Any], name: str) -> None:
    unknown = set(changes) - allowed
    if unknown:
        raise TypeError(f"{name}() got unexpected fields: {sorted(unknown)}")
    for field in ("policy", "reason", "approved_by", "evidence"):
        if isinstance(changes.get(field), str):
            changes[field] = changes[field].strip()


def _lock_and_check(row: Holding | Concession | ValueItem, version: int | None) -> None:
    type(row)._default_manager.select_for_update().filter(pk=row.pk).values_list("pk").first()
    check_version(row, version)
    row.refresh_from_db()


def _save_changes(
    row: Holding | Concession | ValueItem, changes: dict[str, Any], actor: User | None
) -> list[str]:
    changed = [f for f, v in changes.items() if getattr(row, f) != v]
    for field in changed:
        setattr(row, field, changes[field])
    if changed:
        row.stamp(actor)
        row.save(update_fields=changed)
    return changed


@transaction.atomic
def holding_update(
    *, holding: Holding, actor: User | None = None, version: int | None = None, **changes: Any
) -> Holding:
    """Correct a year's revenue (the account, line and year identify the holding)."""
    _unknown(_HOLDING_FIELDS, changes, "holding_update")
    _lock_and_check(holding, version)
    raise_problems(
        holding_problems(year=holding.year, revenue=changes.get("revenue", holding.revenue))
    )
    if _save_changes(holding, changes, actor):
        event_record(
            kind=EventKind.HOLDING_SET,
            account=holding.account,
            actor=actor,
            data={
                "text": f"{holding.product_line.name} · {holding.year} · {_money(holding.revenue)}"
            },
        )
        _refresh(holding.account)
    return holding


@transaction.atomic
def concession_update(
    *, concession: Concession, actor: User | None = None, version: int | None = None, **changes: Any
) -> Concession:
    _unknown(_CONCESSION_FIELDS, changes, "concession_update")
    _lock_and_check(concession, version)
    merged = {f: changes.get(f, getattr(concession, f)) for f in _CONCESSION_FIELDS - {"reason"}}
    raise_problems(concession_problems(**merged))
    changed = _save_changes(concession, changes, actor)
    if changed:
        event_record(
            kind=EventKind.CONCESSION_UPDATED,
            account=concession.account,
            person=concession.person,
            actor=actor,
            data={
                "fields": sorted(changed),
                "kind": concession.kind,
                "text": concession.reason[:200],
            },
        )
        _refresh(concession.account, concession.person)
    return concession


@transaction.atomic
def value_item_update(
    *, value_item: ValueItem, actor: User | None = None, version: int | None = None, **changes: Any
) -> ValueItem:
    _unknown(_VALUE_FIELDS, changes, "value_item_update")
    _lock_and_check(value_item, version)
    merged = {f: changes.get(f, getattr(value_item, f)) for f in _VALUE_FIELDS - {"evidence"}}
    raise_problems(value_item_problems(**merged))
    changed = _save_changes(value_item, changes, actor)
    if changed:
        event_record(
            kind=EventKind.VALUE_UPDATED,
            account=value_item.account,
            person=value_item.person,
            actor=actor,
            data={
                "fields": sorted(changed),
                "kind": value_item.kind,
                "text": value_item.evidence[:200],
            },
        )
        _refresh(value_item.account, value_item.person)
    return value_item
