"""Play detection rules that need no database: each turns facts into candidates.

The rules that need their own reads (promises, complaints, meals, job moves, value items,
bow-ties) live in ``plays.py``, which reads the rows and applies the thresholds of the
``EngineConfig``; these here are arithmetic over facts already read.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from vinculo.health.clock import local_date
from vinculo.health.config import EngineConfig
from vinculo.health.engine import Coverage, complaint_target
from vinculo.health.peers import LOST, GrowthFacts, PortfolioFacts, growth_gaps, portfolio_quadrants

if TYPE_CHECKING:
    from vinculo.health import facts as f


@dataclass(slots=True)
class Candidate:
    kind: str
    person_id: int | None
    account_id: int | None
    facts: dict[str, Any]
    # The facts that identify this occurrence of the condition (not the ones that drift
    # day by day, like "days since"): a dismissed play returns only when these change.
    identity: Any
    due: dt.date

    @property
    def fingerprint(self) -> str:
        raw = json.dumps([self.kind, self.identity], sort_keys=True, default=str)
        return hashlib.sha256(raw.encode()).hexdigest()[:32]

    @property
    def subject_key(self) -> tuple[str, int | None, int | None]:
        return (self.kind, self.person_id, self.account_id)


def date_of(moment: dt.datetime | None) -> str | None:
    return local_date(moment).isoformat() if moment else None


def cadence_play(
    pid: int,
    aid: int | None,
    cadence_facts: dict[str, Any],
    last_two_way: dt.datetime | None,
    as_of: dt.date,
) -> Candidate | None:
    """Overdue when the days since the last two-way contact exceed the cadence."""
    days, every = cadence_facts.get("days_since"), cadence_facts.get("every_days")
    if days is None or every is None or days <= every:
        return None
    return Candidate("cadence_overdue", pid, aid, dict(cadence_facts), date_of(last_two_way), as_of)


def contact_plays(
    pid: int | None,
    aid: int | None,
    c: f.ContactFacts,
    as_of: dt.date,
    cfg: EngineConfig,
    *,
    person: bool,
) -> list[Candidate]:
    out = []
    # Silence against the subject's own history (domain.md).
    reasons = []
    last_in = c.last_inbound_at
    gap = (as_of - local_date(last_in)).days if last_in else None
    if (
        c.inbound_year >= cfg.silence_min_inbound_year
        and c.first_inbound_year_at
        and gap is not None
    ):
        span = (as_of - local_date(c.first_inbound_year_at)).days
        usual = span / c.inbound_year
        if gap > max(cfg.silence_gap_factor * usual, cfg.silence_min_gap_days):
            reasons.append({"rule": "gap", "gap": gap, "usual": round(usual)})
    if c.unanswered_streak >= cfg.silence_unanswered:
        reasons.append({"rule": "unanswered", "count": c.unanswered_streak})
    if (
        c.inbound_prior >= cfg.silence_min_inbound_prior
        and c.inbound_recent <= cfg.silence_inbound_drop * c.inbound_prior
    ):
        reasons.append(
            {
                "rule": "inbound_drop",
                "recent": c.inbound_recent,
                "prior": c.inbound_prior,
                "days": cfg.recent_days,
            }
        )
    if reasons:
        out.append(
            Candidate("going_silent", pid, aid, {"reasons": reasons}, date_of(last_in), as_of)
        )
    if (
        person
        # A trend needs enough observations on both sides: one short call is not a trend.
        and c.live_count_recent >= cfg.trend_min_observations
        and c.live_count_prior >= cfg.trend_min_observations
        and c.live_minutes_recent is not None
        and c.live_minutes_prior
        and c.live_minutes_recent < cfg.shrink_ratio * c.live_minutes_prior
    ):
        out.append(
            Candidate(
                "meetings_shrinking",
                pid,
                aid,
                {
                    "now": round(c.live_minutes_recent),
                    "before": round(c.live_minutes_prior),
                    "count_now": c.live_count_recent,
                    "count_before": c.live_count_prior,
                    "days": cfg.level_window_days,
                },
                "shrinking",
                as_of,
            )
        )
    if (
        c.levelled_window >= cfg.level_dropped_min and c.high_level_window == 0
    ):  # people and accounts
        out.append(
            Candidate(
                "level_dropped",
                pid,
                aid,
                {"levelled": c.levelled_window, "days": cfg.level_window_days},
                "operational-only",
                as_of,
            )
        )
    if person and c.total_window >= cfg.single_channel_min and c.channels_window == 1:
        out.append(
            Candidate(
                "single_channel",
                pid,
                aid,
                {"count": c.total_window, "days": cfg.level_window_days},
                "single",
                as_of,
            )
        )
    return out


def complaint_play(
    complaint_id: int,
    pid: int | None,
    aid: int | None,
    severity: str,
    age: int,
    answered: bool,
    summary: str,
    cfg: EngineConfig,
    as_of: dt.date,
) -> Candidate | None:
    """An open complaint calls for a play from its second day without an answer, or once
    past its severity's target."""
    target = complaint_target(severity, cfg)
    if not ((not answered and age >= 1) or age > target):
        return None
    facts = {
        "complaint": complaint_id,
        "severity": severity,
        "age": age,
        "answered": answered,
        "target": target,
        "text": summary[:200],
    }
    return Candidate("complaint_open", pid, aid, facts, complaint_id, as_of)


def meal_plays(
    rows: list[tuple[int, int, dt.datetime, int]],
    first_contacts: dict[int, dt.datetime | None],
    as_of: dt.date,
) -> list[Candidate]:
    """Per account, its latest meal that brought nobody new (someone whose first contact
    with us was that meal, or who had none recorded).

    ``rows``: (interaction, account, started at, person) of the meals of the window.
    """
    meals: dict[int, dict[str, Any]] = {}
    for iid, aid, started, pid in rows:
        meal = meals.setdefault(iid, {"account": aid, "at": started, "people": [], "new": False})
        meal["people"].append(pid)
        first = first_contacts.get(pid)
        if first is None or first >= started:
            meal["new"] = True
    latest: dict[int, tuple[int, dict[str, Any]]] = {}
    for iid, meal in meals.items():
        if not meal["new"] and (
            meal["account"] not in latest or meal["at"] > latest[meal["account"]][1]["at"]
        ):
            latest[meal["account"]] = (iid, meal)
    return [
        Candidate(
            "meal_without_new_contact",
            None,
            aid,
            {"interaction": iid, "date": date_of(meal["at"]), "people": len(meal["people"])},
            iid,
            as_of,
        )
        for aid, (iid, meal) in latest.items()
    ]


def moved_plays(
    ended_by_person: dict[int, list[tuple[int, int, int, dt.date | None]]],
    started: list[tuple[int, int, int, dt.date | None]],
    account_names: dict[int, str],
    as_of: dt.date,
) -> list[Candidate]:
    """A job that ended and a new one of the same person at another account: a play for
    the old account (it lost a contact) and one for the new (an opportunity).

    Rows are (employment, person, account, end or start date).
    """
    out = []
    for new_pk, pid, new_aid, start in started:
        for old_pk, _pid, old_aid, _end in ended_by_person.get(pid, []):
            if old_aid == new_aid:
                continue
            facts = {
                "from": account_names.get(old_aid, ""),
                "to": account_names.get(new_aid, ""),
                "from_id": old_aid,
                "to_id": new_aid,
                "on": start.isoformat() if start else None,
            }
            for aid, side in ((old_aid, "lost"), (new_aid, "gained")):
                out.append(
                    Candidate(
                        "contact_moved", pid, aid, facts | {"side": side}, [old_pk, new_pk], as_of
                    )
                )
    return out


# Our function best placed to talk to each of theirs (domain.md: pair uncovered functions).
OUR_COUNTERPART = {
    "production": "technical_service",
    "technical_service": "technical_service",
    "quality": "technical_service",
    "purchasing": "sales",
    "administration": "administration",
    "finance": "finance",
    "management": "management",
    "it": "it",
    "logistics": "logistics",
    "marketing": "marketing",
    "sales": "sales",
    "legal": "legal",
}
# Introductions a bow-tie play names at most.
MAX_INTRODUCTIONS = 3


def bow_tie_play(
    aid: int,
    cov: Coverage,
    team: list[f.Job],
    colleagues: list[tuple[int, str, str]],
    names: dict[int, str],
    colleague_names: dict[int, str],
    as_of: dt.date,
) -> Candidate:
    """A bow-tie account, with whom to introduce: for each of their people nobody talks
    to, a colleague of ours not yet in the relationship, of the counterpart function if
    there is one (``colleagues``: id, name, function)."""
    reached = {p.person_id for p in cov.pairs}
    ours = {p.colleague_id for p in cov.pairs}
    introductions = []
    for job in team:
        if job.person_id in reached:
            continue
        wanted = OUR_COUNTERPART.get(job.function or "other")
        match = next((c for c in colleagues if c[2] == wanted and c[0] not in ours), None) or next(
            (c for c in colleagues if c[0] not in ours), None
        )
        if match:
            introductions.append(
                {
                    "ours": match[1],
                    "our_function": match[2],
                    "theirs": names.get(job.person_id, ""),
                    "their_function": job.function,
                }
            )
    busiest = max(cov.pairs, key=lambda p: p.count)
    facts = {
        "pair": [colleague_names.get(busiest.colleague_id, ""), names.get(busiest.person_id, "")],
        "share": cov.component.facts["top_pair_share"],
        "introduce": introductions[:MAX_INTRODUCTIONS],
    }
    return Candidate("bow_tie", None, aid, facts, sorted(reached), as_of)


def no_initiative_play(
    aid: int, initiative_facts: dict[str, Any], active_recently: bool, status: str, as_of: dt.date
) -> Candidate | None:
    """An account we talk to but bring no idea to (a lost account asks for none)."""
    if status == LOST or initiative_facts.get("recent") or not active_recently:
        return None
    return Candidate(
        "no_initiative", None, aid, dict(initiative_facts), initiative_facts.get("last"), as_of
    )


def portfolio_plays(
    portfolio: list[PortfolioFacts],
    growth: list[GrowthFacts],
    year: int,
    cfg: EngineConfig,
    as_of: dt.date,
) -> list[Candidate]:
    """Reconsider (M15): the accounts the portfolio puts in "reconsider"; growth
    opportunities (M7): wallet share or lines well below the tier's peers. Lost accounts
    raise neither."""
    out = []
    judged = portfolio_quadrants(portfolio)
    for row in portfolio:
        if judged.quadrants.get(row.account_id) != "reconsider":
            continue
        out.append(
            Candidate(
                "reconsider",
                None,
                row.account_id,
                {
                    "hours": round(row.minutes / 60, 1),
                    "peer_hours": round(judged.effort_split_minutes / 60, 1),
                    "days": cfg.portfolio_window_days,
                    "revenue": round(row.revenue, 2),
                    "revenue_before": round(row.revenue_before, 2),
                    "peer_revenue": round(judged.value_split, 2),
                    "year": year,
                    "tier": row.tier,
                },
                year,
                as_of,
            )
        )
    for gap in growth_gaps(growth, cfg):
        out.append(
            Candidate(
                "growth_opportunity",
                None,
                gap.account_id,
                {
                    "share": gap.share,
                    "peer_share": gap.peer_share,
                    "lines": gap.lines,
                    "peer_lines": gap.peer_lines,
                    "tier": gap.tier,
                },
                year,
                as_of,
            )
        )
    return out
