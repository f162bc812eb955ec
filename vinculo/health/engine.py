"""The health engine: components 0-100 with their facts, per person and per account.

Plain Python over the set-based reads of ``facts.py``; no HTTP, no templates. Every
component keeps the facts that made it, so ``explain.py`` can say why in words.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from vinculo.health import facts as f
from vinculo.health.config import EngineConfig
from vinculo.people.models import Account


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
    return (as_of - f.local_date(moment)).days


def _weighted(components: dict[str, Component], weights: dict[str, float]) -> int:
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


def depth(contact: f.ContactFacts | None) -> Component:
    if contact is None:
        return Component(0, {"live_recent": 0, "email_recent": 0})
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
    }
    length_part = 50 * min(1.0, ratio) if ratio is not None else 35
    share_part = 50 * min(1.0, live_share / 0.5)
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


def voice(v: f.VoiceFacts | None, cfg: EngineConfig) -> Component:
    if v is None:
        return Component(100, {"open": 0})
    penalty = 0.0
    late = 0
    for complaint in v.open:
        base = cfg.complaint_penalty.get(complaint.severity, 20)
        if complaint.age_days > cfg.complaint_target_days.get(complaint.severity, 14):
            late += 1
            base *= 2
        penalty += base
    if v.resolution_days_avg is not None and v.resolution_days_avg > 30:
        penalty += 10
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


def value(row: dict[str, Any] | None) -> Component:
    if not row or not row["items"]:
        return Component(50, {"items": 0, "communicated": 0})
    facts = {
        "items": row["items"],
        "communicated": row["communicated"],
        "amount": float(row["amount"] or 0),
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
    }
    if not pairs:
        return Coverage("bow-tie", Component(0, facts | {"class": "bow-tie"}), pairs)
    return Coverage(cls, Component(_clamp(score), facts), pairs)


def growth(row: dict[str, Any] | None) -> Component:
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
    share_part = 50 * min(1.0, share / 0.5) if share is not None else 25
    lines_part = 40 * lines / total_lines
    trend_part = 10 if revenue >= before else 0
    return Component(_clamp(share_part + lines_part + trend_part), facts)


# --- the whole computation ---------------------------------------------------------------


@dataclass(slots=True)
class Result:
    as_of: dt.date
    people: dict[int, Health]
    accounts: dict[int, Health]
    jobs: list[f.Job]
    contacts: dict[int, f.ContactFacts]
    account_contacts: dict[int, f.ContactFacts]
    coverages: dict[int, Coverage]
    # False for a full run: later reads then need no (huge) lists of ids to filter on.
    scoped: bool = False


def compute(
    as_of: dt.date,
    cfg: EngineConfig | None = None,
    *,
    person_ids: Iterable[int] | None = None,
    account_ids: Iterable[int] | None = None,
) -> Result:
    """Health of the given people and accounts (all when None) as of a date.

    Reads only facts dated on or before ``as_of``.
    """
    cfg = cfg or EngineConfig()
    if person_ids is not None:
        person_ids = list(person_ids)
    if account_ids is not None:
        account_ids = list(account_ids)
    jobs = f.jobs_at(as_of, person_ids=person_ids)
    if person_ids is None:
        from vinculo.people.models import Person

        all_people: list[int] = list(Person.objects.values_list("pk", flat=True))
    else:
        all_people = person_ids
    tier_scope = Account.objects.all()
    if person_ids is not None:
        tier_scope = tier_scope.filter(pk__in={job.account_id for job in jobs})
    tiers = dict(tier_scope.values_list("pk", "tier"))
    first_job: dict[int, f.Job] = {}
    for job in jobs:
        first_job.setdefault(job.person_id, job)

    contacts = f.person_contact_facts(as_of, person_ids, cfg.recent_days, cfg.level_window_days)
    plans = f.cadence_plans(person_ids)
    person_promises = f.promise_facts(as_of, "person", person_ids)
    person_voice = f.voice_facts(as_of, "person", person_ids)
    person_initiatives = f.initiative_counts(
        as_of, "person", person_ids, cfg.initiative_window_days
    )
    person_value = f.value_counts(as_of, "person", person_ids, cfg.value_window_days)

    people: dict[int, Health] = {}
    for pid in all_people:
        contact = contacts.get(pid)
        home_job = first_job.get(pid)
        tier = tiers.get(home_job.account_id, "") if home_job else ""
        every, _channel, agreed = plans.get(
            pid,
            (cfg.default_cadence_days.get(tier, cfg.default_cadence_days.get("", 60)), "", False),
        )
        components = {
            "cadence": cadence(as_of, contact, every, agreed),
            "frequency": frequency(contact, cfg.recent_days),
            "depth": depth(contact),
            "level": level(contact, cfg),
            "promises": promises(person_promises.get(pid)),
            "voice": voice(person_voice.get(pid), cfg),
            "initiative": initiative(person_initiatives.get(pid), cfg.initiative_window_days),
            "value": value(person_value.get(pid)),
        }
        overall = _weighted(components, cfg.person_weights)
        people[pid] = Health(overall, cfg.band(overall), components)

    # Accounts: those of the given people, or the ones asked for, or all.
    if account_ids is None and person_ids is not None:
        account_ids = sorted({j.account_id for j in jobs})
    account_jobs = f.jobs_at(as_of, account_ids=account_ids) if account_ids is not None else jobs
    accounts = _compute_accounts(as_of, cfg, account_ids, account_jobs, people, contacts)
    return Result(
        as_of,
        people,
        accounts[0],
        jobs,
        contacts,
        accounts[1],
        accounts[2],
        scoped=person_ids is not None or account_ids is not None,
    )


def _compute_accounts(
    as_of: dt.date,
    cfg: EngineConfig,
    account_ids: list[int] | None,
    jobs: list[f.Job],
    people: dict[int, Health],
    contacts: dict[int, f.ContactFacts],
) -> tuple[dict[int, Health], dict[int, f.ContactFacts], dict[int, Coverage]]:
    from vinculo.people.models import Colleague

    ids = (
        account_ids
        if account_ids is not None
        else list(Account.objects.values_list("pk", flat=True))
    )
    # Reads get the ids only when scoped: a full run reads everything, unfiltered.
    scope = account_ids
    account_contacts = f.account_contact_facts(as_of, scope, cfg.recent_days, cfg.level_window_days)
    pairs = f.coverage_pairs(as_of, scope, cfg.coverage_window_days)
    colleague_functions = dict(Colleague.objects.values_list("pk", "function"))
    account_promises = f.promise_facts(as_of, "account", scope)
    account_voice = f.voice_facts(as_of, "account", scope)
    account_initiatives = f.initiative_counts(as_of, "account", scope, cfg.initiative_window_days)
    account_value = f.value_counts(as_of, "account", scope, cfg.value_window_days)
    account_growth = f.growth_facts(as_of, scope)

    staff: dict[int, list[f.Job]] = defaultdict(list)
    for job in jobs:
        staff[job.account_id].append(job)

    # People's health that was not computed in this run (incremental runs) is left out of
    # the account's people component rather than guessed.
    accounts: dict[int, Health] = {}
    coverages: dict[int, Coverage] = {}
    for aid in ids:
        team = staff.get(aid, [])
        client_functions = {j.person_id: j.function for j in team}
        decision_makers = {j.person_id for j in team if j.decision_role == "decision_maker"}
        cov = coverage(
            pairs.get(aid, []), client_functions, colleague_functions, decision_makers, cfg
        )
        coverages[aid] = cov
        weights = [
            (people[j.person_id].overall, cfg.decision_role_weights.get(j.decision_role, 1))
            for j in team
            if j.person_id in people
        ]
        total_weight = sum(w for _, w in weights)
        people_value = _clamp(sum(v * w for v, w in weights) / total_weight) if total_weight else 0
        components = {
            "people": Component(
                people_value,
                {
                    "people": len(team),
                    "scored": len(weights),
                    "decision_makers": len(decision_makers),
                },
            ),
            "coverage": cov.component,
            "promises": promises(account_promises.get(aid)),
            "voice": voice(account_voice.get(aid), cfg),
            "growth": growth(account_growth.get(aid)),
            "initiative": initiative(account_initiatives.get(aid), cfg.initiative_window_days),
            "value": value(account_value.get(aid)),
        }
        # The interaction-level components, read at account level too, for the insights.
        contact = account_contacts.get(aid)
        components["cadence"] = cadence(as_of, contact, cfg.default_cadence_days.get("", 60), False)
        components["frequency"] = frequency(contact, cfg.recent_days)
        components["level"] = level(contact, cfg)
        overall = _weighted(components, cfg.account_weights)
        accounts[aid] = Health(overall, cfg.band(overall), components, {"coverage": cov.cls})
    return accounts, account_contacts, coverages
