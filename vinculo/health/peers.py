"""Judgements against peers, as pure arithmetic over facts (no database): the portfolio
quadrant and "reconsider" (M15), growth opportunities (M7) and fairness (M13).

The portfolio page, the plays and the insights call these same functions, so an account
the page shows as "reconsider" is the one the play names.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from vinculo.health.config import EngineConfig

LOST = "lost"
QUADRANTS = ("invest", "maintain", "reconsider")


@dataclass(frozen=True, slots=True)
class PortfolioFacts:
    """One account's effort (minutes with them in the window) and value (revenue)."""

    account_id: int
    tier: str
    status: str
    minutes: int
    revenue: float
    revenue_before: float


@dataclass(frozen=True, slots=True)
class Portfolio:
    quadrants: dict[int, str]
    # The medians the quadrants are split at, over the accounts not lost.
    effort_split_minutes: float
    value_split: float


def portfolio_quadrants(rows: Iterable[PortfolioFacts]) -> Portfolio:
    """Each account's quadrant against the medians of the portfolio.

    - invest: revenue at or above the median (and some revenue): worth the effort;
    - reconsider: below it, with more effort than the median, and revenue not growing
      (a year before with revenue, and more now, is growth; no year before is not);
    - maintain: the rest. A lost account is never invest nor reconsider.
    """
    rows = list(rows)
    live = [row for row in rows if row.status != LOST]
    effort_split = float(statistics.median(r.minutes for r in live)) if live else 0.0
    value_split = float(statistics.median(r.revenue for r in live)) if live else 0.0
    quadrants = {
        row.account_id: quadrant(row, effort_split_minutes=effort_split, value_split=value_split)
        for row in rows
    }
    return Portfolio(quadrants, effort_split, value_split)


def quadrant(row: PortfolioFacts, *, effort_split_minutes: float, value_split: float) -> str:
    if row.status == LOST:
        return "maintain"
    if row.revenue >= value_split and row.revenue > 0:
        return "invest"
    growing = row.revenue_before > 0 and row.revenue > row.revenue_before
    if row.minutes > effort_split_minutes and not growing:
        return "reconsider"
    return "maintain"


@dataclass(frozen=True, slots=True)
class GrowthFacts:
    account_id: int
    tier: str
    status: str
    wallet_share: float | None
    lines: int


@dataclass(frozen=True, slots=True)
class GrowthGap:
    account_id: int
    tier: str
    share: float | None
    peer_share: float | None
    lines: int
    peer_lines: float


def growth_gaps(rows: Iterable[GrowthFacts], cfg: EngineConfig) -> list[GrowthGap]:
    """Accounts whose wallet share or product lines are well below their tier's peers
    (tiers of at least ``cfg.peer_min_accounts`` accounts not lost)."""
    by_tier: dict[str, list[GrowthFacts]] = defaultdict(list)
    for row in rows:
        if row.status != LOST:
            by_tier[row.tier].append(row)
    out = []
    for tier, members in sorted(by_tier.items()):
        if len(members) < cfg.peer_min_accounts:
            continue
        shares = [m.wallet_share for m in members if m.wallet_share is not None]
        median_share = statistics.median(shares) if shares else None
        median_lines = statistics.median(m.lines for m in members)
        for m in members:
            low_share = (
                m.wallet_share is not None
                and bool(median_share)
                and m.wallet_share < cfg.growth_share_factor * (median_share or 0)
            )
            if low_share or m.lines + cfg.growth_lines_gap <= median_lines:
                out.append(
                    GrowthGap(
                        m.account_id, tier, m.wallet_share, median_share, m.lines, median_lines
                    )
                )
    return out


@dataclass(frozen=True, slots=True)
class FairnessFlags:
    habitual: bool
    outlier: bool


def fairness_flags(
    rates: list[float], quarters_with_concessions: list[int], cfg: EngineConfig
) -> tuple[float, float, list[FairnessFlags]]:
    """(median rate, median absolute deviation, flags per account) for one tier.

    Habitual: exceptions in ``fairness_habitual_quarters`` or more of the quarters looked
    at. Outlier: a rate beyond the tier's median by ``fairness_outlier_mads`` scaled median
    absolute deviations, in tiers of at least ``fairness_min_peers`` accounts.
    """
    if not rates:
        return 0.0, 0.0, []
    median = statistics.median(rates)
    mad = statistics.median(abs(r - median) for r in rates)
    flags = [
        FairnessFlags(
            habitual=quarters >= cfg.fairness_habitual_quarters,
            outlier=len(rates) >= cfg.fairness_min_peers
            and mad > 0
            and rate > median + cfg.fairness_outlier_mads * 1.4826 * mad,
        )
        for rate, quarters in zip(rates, quarters_with_concessions, strict=True)
    ]
    return median, mad, flags
