"""The manager's pages and their reads: what the fairness report's flagged accounts were
conceded, the portfolio without the lost accounts. Thin: reads through selectors, lists
scoped through ``vinculo.access.rules``."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from vinculo.growth.models import Concession


def quarter_start(label: str) -> dt.date:
    """The first day of a quarter labelled ``2026-Q3``."""
    year, quarter = label.split("-Q")
    return dt.date(int(year), 3 * (int(quarter) - 1) + 1, 1)


def concessions_of(
    account_ids: list[int], *, since: dt.date, until: dt.date
) -> dict[int, list[Concession]]:
    """The concessions granted to these accounts in the period, newest first (one query;
    none when no account is asked about)."""
    if not account_ids:
        return {}
    out: dict[int, list[Concession]] = defaultdict(list)
    rows = Concession.objects.filter(
        account_id__in=account_ids, granted_on__gte=since, granted_on__lte=until
    ).order_by("-granted_on", "-pk")
    for concession in rows:
        out[concession.account_id].append(concession)
    return dict(out)
