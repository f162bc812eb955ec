"""The health engine's arithmetic: components 0-100 with their facts.

Pure functions over the facts that ``facts.py`` reads (``compute.py`` wires the two); no
database, no HTTP, no templates, so they are tested without a database. Every component
keeps the facts that made it (windows included), so ``words.py`` can say why in words.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from vinculo.health.clock import local_date
from vinculo.health.config import EngineConfig

if TYPE_CHECKING:
    from vinculo.health import facts as f


# The defaults, built once: a fallback read per subject must not build a configuration.
_DEFAULTS = EngineConfig()


@dataclass(slots=True)
class Component:
    value: int
    facts: dict[str, Any]


@dataclass(slots=True)
class Health:
    overall: int
    band: str
    components: dict[str, Component]
    extra: dict[str, Any] = field(default_factory=dict)


def _clamp(value: float) -> int:
    return max(0, min(100, round(value)))


def _days(as_of: dt.date, moment: dt.datetime | None) -> int | None:
    if moment is None:
        return None
    return (as_of - local_date(moment)).days


def weighted(components: dict[str, Component], weights: dict[str, float]) -> int:
    """The overall health: the components' weighted mean (weights of 0 leave one out)."""
    total = sum(weights.get(name, 0) for name in components)
    if total <= 0:
        return 0
    return _clamp(sum(c.value * weights.get(n, 0) for n, c in components.items()) / total)


# --- components shared by people and accounts -------------------------------------------


def cadence(
    as_of: dt.date, contact: f.ContactFacts | None, every_days: int, agreed: bool
) -> Component:
    days = _days(as_of, contact.last_two_way_at if contact else None)
    facts: dict[str, Any] = {"days_since": days, "every_days": every_days, "agreed": agreed}
    if days is None:
        return Component(0, facts)
    if days <= every_days:
        return Component(100, facts)
    # Linear fall from 100 at the cadence to 0 at three times the cadence.
    return Component(_clamp(100 * (1 - (days - every_days) / (2 * every_days))), facts)


def frequency(contact: f.ContactFacts | None, recent_days: int) -> Component:
    recent = contact.recent if contact else 0
    prior = contact.prior if contact else 0
    facts = {"recent": recent, "prior": prior, "days": recent_days}
    if prior == 0:
        return (
            Component(100 if recent else 0, facts)
            if recent or not contact
            else Component(50, facts)
        )
    return Component(_clamp(100 * recent / prior), facts)


def default_cadence(tier: str, cfg: EngineConfig) -> int:
    """Days between contacts when none is agreed: the tier's default, else the untiered."""
    table = cfg.default_cadence_days
    if tier in table:
        return table[tier]
    return table.get("", _DEFAULTS.default_cadence_days[""])


def depth(contact: f.ContactFacts | None, cfg: EngineConfig) -> Component:
    if contact is None:
        return Component(0, {"live_recent": 0, "email_recent": 0, "days": cfg.recent_days})
    live, email = contact.live_recent, contact.email_recent
    live_share = live / (live + email) if live + email else 0.0
    minutes_now, minutes_before = contact.live_minutes_recent, contact.live_minutes_prior
    ratio = None
    if minutes_now is not None and minutes_before:
        ratio = minutes_now / minutes_before
    facts = {
        "live_recent": live,
        "email_recent": email,
        "live_share": round(live_share, 2),
        "minutes_recent": round(minutes_now) if minutes_now is not None else None,
        "minutes_prior": round(minutes_before) if minutes_before is not None else None,
        "days": cfg.recent_days,
    }
    length_part = 50 * min(1.0, ratio) if ratio is not None else 35
    share_part = 50 * min(1.0, live_share / cfg.depth_live_share_target)
    return Component(_clamp(length_part + share_part), facts)


def level(contact: f.ContactFacts | None, cfg: EngineConfig) -> Component:
    known = contact.levelled_window if contact else 0
    high = contact.high_level_window if contact else 0
    facts = {"levelled": known, "high": high, "days": cfg.level_window_days}
    if known == 0:
        return Component(50, facts)
    return Component(_clamp(100 * (high / known) / cfg.level_target_share), facts)


def promises(p: f.PromiseFacts | None) -> Component:
    if p is None or p.due == 0:
        return Component(100, {"due": 0})
    facts = {
        "due": p.due,
        "kept_on_time": p.kept_on_time,
        "kept_late": p.kept_late,
        "broken": p.broken,
        "overdue_open": p.overdue_open,
        "oldest_overdue_days": p.oldest_overdue_days,
    }
    # Kept late counts half; an overdue open promise weighs double against us.
    good = p.kept_on_time + 0.5 * p.kept_late
    return Component(_clamp(100 * good / (p.due + p.overdue_open)), facts)


def complaint_target(severity: str, cfg: EngineConfig) -> int:
    """Days to resolve a complaint of this severity (the untargeted get the medium's)."""
    table = cfg.complaint_target_days
    if severity in table:
        return table[severity]
    return table.get("medium", _DEFAULTS.complaint_target_days["medium"])


def voice(v: f.VoiceFacts | None, cfg: EngineConfig) -> Component:
    if v is None:
        return Component(100, {"open": 0})
    penalty = 0.0
    late = 0
    for complaint in v.open:
        base = cfg.complaint_penalty.get(complaint.severity, 20)
        if complaint.age_days > complaint_target(complaint.severity, cfg):
            late += 1
            base *= 2
        penalty += base
    if v.resolution_days_avg is not None and v.resolution_days_avg > cfg.slow_resolution_days:
        penalty += cfg.slow_resolution_penalty
    facts = {
        "open": len(v.open),
        "late": late,
        "oldest_days": max((c.age_days for c in v.open), default=0),
        "resolved_year": v.resolved_year,
        "resolution_days_avg": round(v.resolution_days_avg) if v.resolution_days_avg else None,
    }
    return Component(_clamp(100 - penalty), facts)


def initiative(row: dict[str, Any] | None, window_days: int) -> Component:
    recent = row["recent"] if row else 0
    accepted = row["accepted"] if row else 0
    last = row["last"].isoformat() if row and row["last"] else None
    facts = {"recent": recent, "accepted": accepted, "last": last, "days": window_days}
    value = {0: 30, 1: 70}.get(recent, 100) + (10 if accepted else 0)
    return Component(_clamp(value), facts)


def value(row: dict[str, Any] | None, window_days: int) -> Component:
    if not row or not row["items"]:
        return Component(50, {"items": 0, "communicated": 0, "days": window_days})
    facts = {
        "items": row["items"],
        "communicated": row["communicated"],
        "amount": float(row["amount"] or 0),
        "days": window_days,
    }
    return Component(_clamp(50 + 50 * row["communicated"] / row["items"]), facts)


# --- account-only components -------------------------------------------------------------


@dataclass(slots=True)
class Coverage:
    cls: str
    component: Component
    pairs: list[f.Pair]


def coverage(
    pairs: list[f.Pair],
    client_functions: dict[int, str],
    colleague_functions: dict[int, str],
    decision_makers: set[int],
    cfg: EngineConfig,
) -> Coverage:
    total = sum(p.count for p in pairs)
    people = {p.person_id for p in pairs}
    colleagues = {p.colleague_id for p in pairs}
    their_functions = {client_functions.get(pid, "other") for pid in people}
    our_functions = {colleague_functions.get(cid, "other") for cid in colleagues}
    busiest = max(pairs, key=lambda p: p.count) if pairs else None
    top_share = busiest.count / total if busiest and total else 0.0
    if (
        len(people) >= cfg.diamond_min_people
        and len(their_functions) >= cfg.diamond_min_functions
        and len(colleagues) >= cfg.diamond_min_colleagues
        and len(our_functions) >= cfg.diamond_min_functions
        and top_share <= cfg.diamond_max_pair_share
    ):
        cls, base = "diamond", 100
    elif len(people) <= 1 or len(colleagues) <= 1 or top_share >= cfg.bow_tie_pair_share:
        cls, base = "bow-tie", 25
    else:
        cls, base = "transitional", 60
    reached = len(people & decision_makers)
    score = base if not decision_makers else base * (0.6 + 0.4 * reached / len(decision_makers))
    facts = {
        "class": cls,
        "people": len(people),
        "colleagues": len(colleagues),
        "their_functions": sorted(their_functions),
        "our_functions": sorted(our_functions),
        "top_pair_share": round(top_share, 2),
        "decision_makers": len(decision_makers),
        "decision_makers_reached": reached,
        "interactions": total,
        "days": cfg.coverage_window_days,
    }
    if not pairs:
        return Coverage("bow-tie", Component(0, facts | {"class": "bow-tie"}), pairs)
    return Coverage(cls, Component(_clamp(score), facts), pairs)


def growth(row: dict[str, Any] | None, cfg: EngineConfig) -> Component:
    if not row:
        return Component(30, {"revenue": 0})
    wallet = float(row["wallet"]) if row.get("wallet") else None
    revenue = float(row["revenue"] or 0)
    before = float(row["revenue_before"] or 0)
    share = revenue / wallet if wallet else None
    lines, total_lines = row["lines"], row["total_lines"] or 1
    facts = {
        "year": row["year"],
        "revenue": round(revenue, 2),
        "revenue_before": round(before, 2),
        "wallet_share": round(share, 2) if share is not None else None,
        "lines": lines,
        "lines_before": row["lines_before"],
        "total_lines": total_lines,
    }
    share_part = 50 * min(1.0, share / cfg.growth_share_target) if share is not None else 25
    lines_part = 40 * lines / total_lines
    trend_part = 10 if revenue >= before else 0
    return Component(_clamp(share_part + lines_part + trend_part), facts)


def account_coverage(
    pairs: list[f.Pair], team: list[f.Job], our_functions: dict[int, str], cfg: EngineConfig
) -> Coverage:
    """The account's coverage from its pairs of the window and its current staff."""
    client_functions = {j.person_id: j.function for j in team}
    decision_makers = {j.person_id for j in team if j.decision_role == "decision_maker"}
    return coverage(pairs, client_functions, our_functions, decision_makers, cfg)


def people_component(team: list[f.Job], people: dict[int, Health], cfg: EngineConfig) -> Component:
    """The account's people: their health weighted by their role in decisions.

    People whose health was not computed in this run (incremental runs) are left out
    rather than guessed.
    """
    weights = [
        (people[j.person_id].overall, cfg.decision_role_weights.get(j.decision_role, 1))
        for j in team
        if j.person_id in people
    ]
    total_weight = sum(w for _, w in weights)
    people_value = _clamp(sum(v * w for v, w in weights) / total_weight) if total_weight else 0
    facts = {
        "people": len(team),
        "scored": len(weights),
        "decision_makers": sum(1 for j in team if j.decision_role == "decision_maker"),
    }
    return Component(people_value, facts)
