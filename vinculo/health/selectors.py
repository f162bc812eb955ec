"""Reads over health: the fairness report, health on a past date, the pages' reads.

The agenda is ``health/agenda.py``."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import (
    BooleanField,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from vinculo.growth.models import Concession, Holding
from vinculo.health.config import EngineConfig
from vinculo.health.facts import coverage_pairs, jobs_at
from vinculo.health.models import HealthSnapshot, Play, PlayStatus
from vinculo.health.peers import PortfolioFacts, fairness_flags
from vinculo.health.readers import engine_config
from vinculo.interactions.models import Interaction
from vinculo.people.models import Account, Colleague, Person


def health_on(
    *, as_of: dt.date, person: Person | None = None, account: Account | None = None
) -> HealthSnapshot | None:
    """The stored health on a past date (the latest snapshot on or before it)."""
    qs = HealthSnapshot.objects.filter(as_of__lte=as_of)
    qs = qs.filter(person=person) if person is not None else qs.filter(account=account)
    return qs.order_by("-as_of").first()


@dataclass
class FairnessRow:
    account_id: int
    name: str
    tier: str
    concessions: int
    amount: float
    revenue: float
    rate: float  # concessions per million of yearly revenue
    by_quarter: dict[str, int]
    habitual: bool = False
    outlier: bool = False
    in_scope: bool = True

    @property
    def flagged(self) -> bool:
        return self.habitual or self.outlier


def last_quarters(as_of: dt.date, count: int) -> list[str]:
    """Labels of the calendar quarter of ``as_of`` and the ones before it, newest first."""
    year, quarter = as_of.year, (as_of.month - 1) // 3 + 1
    labels = []
    for _i in range(count):
        labels.append(f"{year}-Q{quarter}")
        year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    return labels


def _in_scope(readable: QuerySet[Account] | None) -> Any:
    """Whether the account row is among ``readable`` (all when None), as a column."""
    if readable is None:
        return Value(True, output_field=BooleanField())
    return ExpressionWrapper(Q(pk__in=readable.values("pk")), output_field=BooleanField())


def fairness_report(
    as_of: dt.date,
    cfg: EngineConfig | None = None,
    *,
    readable: QuerySet[Account] | None = None,
) -> dict[str, Any]:
    """Concessions of the last calendar quarters per account, against the peers of its tier.

    Shows the whole distribution (median and spread per tier) and each account's history,
    not only the flags (domain.md, Fairness); the flags are ``peers.fairness_flags``.
    With ``readable`` (access.rules.visible_accounts), the rows are only those accounts;
    the peers (medians, flags, the tier's number of accounts) are still every account.
    """
    cfg = cfg or engine_config()
    quarters = last_quarters(as_of, cfg.fairness_quarters)
    first_year, first_q = quarters[-1].split("-Q")
    since = dt.date(int(first_year), 3 * (int(first_q) - 1) + 1, 1)
    rows = Concession.objects.filter(granted_on__lte=as_of, granted_on__gte=since).values_list(
        "account_id", "granted_on", "amount"
    )
    history: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    amounts: dict[int, float] = defaultdict(float)
    for aid, day, amount in rows:
        history[aid][f"{day.year}-Q{(day.month - 1) // 3 + 1}"] += 1
        amounts[aid] += float(amount or 0)
    accounts = Account.objects.annotate(
        revenue=Sum("holdings__revenue", filter=Q(holdings__year=as_of.year - 1)),
        in_scope=_in_scope(readable),
    ).values_list("pk", "name", "tier", "revenue", "in_scope")
    tiers: dict[str, list[FairnessRow]] = defaultdict(list)
    for aid, name, tier, revenue, in_scope in accounts:
        count = sum(history.get(aid, {}).values())
        base = float(revenue or 0) or 1.0
        tiers[tier].append(
            FairnessRow(
                aid,
                name,
                tier,
                count,
                amounts.get(aid, 0.0),
                float(revenue or 0),
                count / base * 1_000_000,
                dict(history.get(aid, {})),
                False,
                in_scope=bool(in_scope),
            )
        )
    out = []
    for tier, members in sorted(tiers.items()):
        median, mad, flags = fairness_flags(
            [m.rate for m in members], [len(m.by_quarter) for m in members], cfg
        )
        for m, flag in zip(members, flags, strict=True):
            m.habitual, m.outlier = flag.habitual, flag.outlier
        out.append(
            {
                "tier": tier,
                "accounts": len(members),
                "median_rate": round(median, 2),
                "mad": round(mad, 2),
                "rows": sorted((m for m in members if m.in_scope), key=lambda m: -m.rate),
            }
        )
    return {"as_of": as_of, "quarters": quarters, "tiers": out}


# --- reads for the pages --------------------------------------------------------------


def _day_bounds(as_of: dt.date, days: int) -> tuple[dt.datetime, dt.datetime]:
    """The moments that bound the ``days`` days ending with ``as_of`` (local time)."""
    end = timezone.make_aware(dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time.min))
    return end - dt.timedelta(days=days), end


def health_history(
    *,
    since: dt.date,
    until: dt.date,
    person: Person | None = None,
    account: Account | None = None,
) -> list[tuple[dt.date, int]]:
    """The overall health of one subject per stored day, oldest first (one query)."""
    qs = HealthSnapshot.objects.filter(as_of__gte=since, as_of__lte=until)
    qs = qs.filter(person=person) if person is not None else qs.filter(account=account)
    return list(qs.order_by("as_of").values_list("as_of", "overall"))


def open_plays_about(
    *, today: dt.date, person: Person | None = None, account: Account | None = None
) -> list[Play]:
    """Plays still to act on about one person or one account, soonest due first."""
    qs = Play.objects.filter(
        Q(status=PlayStatus.OPEN) | Q(status=PlayStatus.SNOOZED, snoozed_until__lte=today)
    )
    qs = qs.filter(person=person) if person is not None else qs.filter(account=account)
    return list(qs.select_related("owner", "person").order_by(F("due").asc(nulls_last=True), "pk"))


@dataclass
class GraphNode:
    id: int
    name: str
    function: str


@dataclass
class CoverageGraph:
    """Who on our side talked to whom on theirs, and how often (interactions)."""

    colleagues: list[GraphNode]
    people: list[GraphNode]
    edges: list[tuple[int, int, int]]  # (colleague id, person id, interactions)


def coverage_graph(
    *, account: Account, as_of: dt.date, cfg: EngineConfig | None = None
) -> CoverageGraph:
    """The account's pairs as the engine counts them (``facts.coverage_pairs``, over
    ``cfg.coverage_window_days``), with names; their function is their job at ``as_of``."""
    cfg = cfg or engine_config()
    pairs = coverage_pairs(as_of, [account.pk], cfg.coverage_window_days).get(account.pk, [])
    functions = {job.person_id: job.function for job in jobs_at(as_of, account_ids=[account.pk])}
    ours = {
        pk: GraphNode(pk, name, function or "")
        for pk, name, function in Colleague.objects.filter(
            pk__in={p.colleague_id for p in pairs}
        ).values_list("pk", "name", "function")
    }
    theirs = {
        pk: GraphNode(pk, name, functions.get(pk, ""))
        for pk, name in Person.objects.filter(pk__in={p.person_id for p in pairs}).values_list(
            "pk", "name"
        )
    }
    return CoverageGraph(
        colleagues=sorted(ours.values(), key=lambda node: (node.function, node.name)),
        people=sorted(theirs.values(), key=lambda node: (node.function, node.name)),
        edges=sorted((p.colleague_id, p.person_id, p.count) for p in pairs),
    )


@dataclass
class PortfolioRow:
    account_id: int
    name: str
    tier: str
    interactions: int
    minutes: int
    revenue: float
    status: str = ""
    revenue_before: float = 0.0
    in_scope: bool = True

    def facts(self) -> PortfolioFacts:
        return PortfolioFacts(
            self.account_id, self.tier, self.status, self.minutes, self.revenue, self.revenue_before
        )


def portfolio(
    *, as_of: dt.date, days: int, readable: QuerySet[Account] | None = None
) -> list[PortfolioRow]:
    """Effort (interactions and minutes in the last ``days`` days) against value (revenue
    of last year's holdings, and the year before's) per account, in one query of
    correlated subqueries so that the sides do not multiply each other's rows.
    Each row says whether it is among ``readable`` (``in_scope``; all when None)."""
    since, end = _day_bounds(as_of, days)
    recent = Interaction.objects.filter(
        account_id=OuterRef("pk"), started_at__gte=since, started_at__lt=end
    ).order_by()
    count = recent.values("account_id").annotate(c=Count("pk")).values("c")
    minutes = recent.values("account_id").annotate(m=Sum("duration_min")).values("m")

    def revenue(year: int) -> Subquery:
        return Subquery(
            Holding.objects.filter(account_id=OuterRef("pk"), year=year)
            .order_by()
            .values("account_id")
            .annotate(r=Sum("revenue"))
            .values("r")
        )

    def money(year: int) -> Coalesce:
        return Coalesce(revenue(year), Value(Decimal(0)), output_field=DecimalField())

    rows = (
        Account.objects.annotate(
            n_interactions=Coalesce(Subquery(count), 0),
            n_minutes=Coalesce(Subquery(minutes), 0),
            last_revenue=money(as_of.year - 1),
            revenue_before=money(as_of.year - 2),
            in_scope=_in_scope(readable),
        )
        .order_by("name", "pk")
        .values_list(
            "pk",
            "name",
            "tier",
            "n_interactions",
            "n_minutes",
            "last_revenue",
            "status",
            "revenue_before",
            "in_scope",
        )
    )
    return [
        PortfolioRow(
            pk, name, tier, int(n), int(m), float(r or 0), status, float(before or 0), bool(seen)
        )
        for pk, name, tier, n, m, r, status, before, seen in rows
    ]
