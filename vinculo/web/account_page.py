"""The account page's reads beyond people and coverage: product lines and wallet share by
year (M7), the value ledger (M20), the concessions with their policy and approver (M13),
and the introductions the bow-tie plays recommend. Three queries; the introductions come
from plays already read."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Sum

from vinculo.growth.models import Concession, Holding, ValueItem
from vinculo.health.words import introduction
from vinculo.people.models import Account
from vinculo.web.item_views import KINDS, RECENT_DAYS

YEARS = 3
LEDGER_DAYS = 365


def growth(*, account: Account, today: dt.date) -> dict[str, Any]:
    """Revenue per product line for the last closed years, and wallet share per year."""
    years = list(range(today.year - YEARS, today.year))
    rows = (
        Holding.objects.filter(account=account, year__in=years)
        .values_list("product_line__name", "year")
        .annotate(revenue=Sum("revenue"))
        .order_by("product_line__name")
    )
    lines: dict[str, dict[int, float]] = defaultdict(dict)
    totals: dict[int, float] = defaultdict(float)
    for name, year, revenue in rows:
        lines[name][year] = float(revenue or 0)
        totals[year] += float(revenue or 0)
    wallet = float(account.wallet_yearly) if account.wallet_yearly else None
    return {
        "years": years,
        "lines": [
            {"name": name, "by_year": [by.get(y) for y in years]} for name, by in lines.items()
        ],
        "totals": [totals.get(y, 0.0) for y in years],
        "shares": [round(100 * totals.get(y, 0.0) / wallet) if wallet else None for y in years],
        "wallet": wallet,
    }


@dataclass
class ValueItems:
    section: list[ValueItem]  # the page's "Value delivered" section (web.item_views)
    ledger: list[ValueItem]  # the value ledger's, the last year's


def value_items(*, account: Account, today: dt.date) -> ValueItems:
    """The account's value items for its section and its ledger, in one query: those not
    yet told to the client or of the last year, split as each lists them."""
    kind = KINDS["value"]
    since = today - dt.timedelta(days=LEDGER_DAYS)
    rows = kind.rows_about(person=None, account=account, recent_since=since)
    section_since = today - dt.timedelta(days=RECENT_DAYS)
    return ValueItems(
        section=[v for v in rows if v.item_open or v.date >= section_since],
        ledger=sorted(
            (v for v in rows if since <= v.date <= today),
            key=lambda v: (v.date, v.pk),
            reverse=True,
        ),
    )


def ledger(
    *, account: Account, today: dt.date, values: list[ValueItem] | None = None
) -> dict[str, Any]:
    """The value delivered and the concessions granted in the last year, newest first
    (``values``: the last year's value items, newest first, when read already)."""
    since = today - dt.timedelta(days=LEDGER_DAYS)
    if values is None:
        values = list(
            ValueItem.objects.filter(account=account, date__gte=since, date__lte=today)
            .select_related("person")
            .order_by("-date", "-pk")
        )
    concessions = list(
        Concession.objects.filter(account=account, granted_on__gte=since, granted_on__lte=today)
        .select_related("person")
        .order_by("-granted_on", "-pk")
    )
    return {
        "since": since,
        "values": values,
        "value_total": sum(float(v.amount or 0) for v in values),
        "concessions": concessions,
        "concession_total": sum(float(c.amount or 0) for c in concessions),
    }


def introductions(plays: list[dict[str, Any]]) -> list[str]:
    """The introductions the open bow-tie plays recommend, as sentences."""
    return [
        introduction(intro)
        for entry in plays
        if entry["play"].kind == "bow_tie"
        for intro in entry["play"].facts.get("introduce") or []
    ]
