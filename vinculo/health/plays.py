"""Plays: what the facts call for, with a reason, an action, an owner and a lifecycle.

``detect`` turns a computed ``Result`` (plus a few set-based reads of its own) into play
candidates; ``plays_sync`` stores them with the lifecycle rules of issue M21:
- a play is not raised again while the same condition holds (one row per kind and subject);
- a dismissed or done play stays so until its facts change (its fingerprint);
- a snoozed play comes back when its date has passed;
- an open play whose condition no longer holds is closed as done.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, Sum

from vinculo.bulk import values_for_ids
from vinculo.commitments.models import Commitment, Complaint
from vinculo.growth.models import ValueItem
from vinculo.health import facts as f
from vinculo.health.config import EngineConfig
from vinculo.health.engine import Result
from vinculo.health.models import Play, PlayKind, PlayStatus
from vinculo.health.selectors import fairness_report
from vinculo.health.words import reason_and_action
from vinculo.interactions.models import InteractionPerson
from vinculo.people.models import Account, Colleague, Employment, Person
from vinculo.vocab import Channel, CommitmentStatus, Function

__all__ = [
    "PEER_KINDS",
    "Candidate",
    "detect",
    "detect_peer_plays",
    "plays_sync",
    "reason_and_action",
]

# Our function best placed to talk to each of theirs (domain.md: pair uncovered functions).
OUR_COUNTERPART = {
    Function.PRODUCTION: Function.TECHNICAL_SERVICE,
    Function.TECHNICAL_SERVICE: Function.TECHNICAL_SERVICE,
    Function.QUALITY: Function.TECHNICAL_SERVICE,
    Function.PURCHASING: Function.SALES,
    Function.ADMINISTRATION: Function.ADMINISTRATION,
    Function.FINANCE: Function.FINANCE,
    Function.MANAGEMENT: Function.MANAGEMENT,
    Function.IT: Function.IT,
    Function.LOGISTICS: Function.LOGISTICS,
    Function.MARKETING: Function.MARKETING,
    Function.SALES: Function.SALES,
    Function.LEGAL: Function.LEGAL,
}


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


def _date(moment: dt.datetime | None) -> str | None:
    return f.local_date(moment).isoformat() if moment else None


# Kinds judged against peers: an incremental run over a few accounts cannot judge them.
PEER_KINDS = frozenset(
    {PlayKind.CONCESSION_OUTLIER, PlayKind.RECONSIDER, PlayKind.GROWTH_OPPORTUNITY}
)


def detect(
    result: Result, cfg: EngineConfig | None = None, *, peers: bool = True
) -> list[Candidate]:
    cfg = cfg or EngineConfig()
    as_of = result.as_of
    out: list[Candidate] = []
    person_account: dict[int, int] = {}
    for job in result.jobs:
        person_account.setdefault(job.person_id, job.account_id)

    for pid, health in result.people.items():
        aid = person_account.get(pid)
        contact = result.contacts.get(pid)
        cad = health.components["cadence"].facts
        if cad["days_since"] is not None and cad["days_since"] > cad["every_days"]:
            out.append(
                Candidate(
                    PlayKind.CADENCE_OVERDUE,
                    pid,
                    aid,
                    dict(cad),
                    _date(contact.last_two_way_at if contact else None),
                    as_of,
                )
            )
        if contact is None:
            continue
        out.extend(_contact_plays(pid, aid, contact, as_of, cfg, person=True))

    for aid, contact in result.account_contacts.items():
        if aid in result.accounts:
            out.extend(_contact_plays(None, aid, contact, as_of, cfg, person=False))

    out.extend(_promise_plays(as_of, result))
    out.extend(_complaint_plays(as_of, result, cfg))
    out.extend(_bow_tie_plays(result))
    out.extend(_initiative_plays(result, cfg))
    out.extend(_meal_plays(result, cfg))
    out.extend(_moved_plays(result, cfg))
    out.extend(_value_plays(result))
    if peers:
        out.extend(detect_peer_plays(result))
    return out


def detect_peer_plays(result: Result) -> list[Candidate]:
    """The plays judged against peers of the same tier: they need every account at once."""
    return [*_concession_plays(result), *_portfolio_plays(result)]


def _contact_plays(
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
    gap = (as_of - f.local_date(last_in)).days if last_in else None
    if c.inbound_year >= 3 and c.first_inbound_year_at and gap is not None:
        span = (as_of - f.local_date(c.first_inbound_year_at)).days
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
            {"rule": "inbound_drop", "recent": c.inbound_recent, "prior": c.inbound_prior}
        )
    if reasons:
        out.append(
            Candidate(PlayKind.GOING_SILENT, pid, aid, {"reasons": reasons}, _date(last_in), as_of)
        )
    if (
        person
        and c.live_count_recent >= 2
        and c.live_count_prior >= 2
        and c.live_minutes_recent is not None
        and c.live_minutes_prior
        and c.live_minutes_recent < cfg.shrink_ratio * c.live_minutes_prior
    ):
        out.append(
            Candidate(
                PlayKind.MEETINGS_SHRINKING,
                pid,
                aid,
                {"now": round(c.live_minutes_recent), "before": round(c.live_minutes_prior)},
                "shrinking",
                as_of,
            )
        )
    if c.levelled_window >= 3 and c.high_level_window == 0:  # people and accounts
        out.append(
            Candidate(
                PlayKind.LEVEL_DROPPED,
                pid,
                aid,
                {"levelled": c.levelled_window, "days": cfg.level_window_days},
                "operational-only",
                as_of,
            )
        )
    if person and c.total_window >= 4 and c.channels_window == 1:
        out.append(
            Candidate(
                PlayKind.SINGLE_CHANNEL,
                pid,
                aid,
                {"count": c.total_window, "days": cfg.level_window_days},
                "single",
                as_of,
            )
        )
    return out


def _subjects(result: Result, person: str = "person_id", account: str = "account_id") -> Q:
    """The rows about the people and accounts of the run (no filter for a full run)."""
    if not result.scoped:
        return Q()
    return Q(**{f"{person}__in": list(result.people)}) | Q(
        **{f"{account}__in": list(result.accounts)}
    )


def _accounts(result: Result, field: str = "account_id") -> Q:
    return Q(**{f"{field}__in": list(result.accounts)}) if result.scoped else Q()


def _promise_plays(as_of: dt.date, result: Result) -> list[Candidate]:
    subject = _subjects(result)
    overdue = Commitment.objects.filter(subject, made_on__lte=as_of, due__lt=as_of).filter(
        Q(closed_on__isnull=True) | Q(closed_on__gt=as_of)
    )
    broken = Commitment.objects.filter(
        subject,
        status=CommitmentStatus.BROKEN,
        closed_on__lte=as_of,
        closed_on__gt=as_of - dt.timedelta(days=30),
    )
    out = []
    for kind, qs in ((PlayKind.PROMISE_OVERDUE, overdue), (PlayKind.PROMISE_BROKEN, broken)):
        for pk, pid, aid, text, due in qs.values_list(
            "pk", "person_id", "account_id", "text", "due"
        ):
            out.append(
                Candidate(
                    kind,
                    pid,
                    aid,
                    {
                        "commitment": pk,
                        "text": text[:200],
                        "due": due.isoformat() if due else None,
                        "days_late": (as_of - due).days if due else 0,
                    },
                    pk,
                    as_of,
                )
            )
    return out


def _complaint_plays(as_of: dt.date, result: Result, cfg: EngineConfig) -> list[Candidate]:
    rows = (
        Complaint.objects.filter(_subjects(result), opened__lte=as_of)
        .filter(Q(resolved__isnull=True) | Q(resolved__gt=as_of))
        .values_list(
            "pk", "person_id", "account_id", "severity", "opened", "first_response", "summary"
        )
    )
    out = []
    for pk, pid, aid, severity, opened, first_response, summary in rows:
        age = (as_of - opened).days
        answered = first_response is not None and first_response <= as_of
        target = cfg.complaint_target_days.get(severity, 14)
        if (not answered and age >= 1) or age > target:
            out.append(
                Candidate(
                    PlayKind.COMPLAINT_OPEN,
                    pid,
                    aid,
                    {
                        "complaint": pk,
                        "severity": severity,
                        "age": age,
                        "answered": answered,
                        "target": target,
                        "text": summary[:200],
                    },
                    pk,
                    as_of,
                )
            )
    return out


def _bow_tie_plays(result: Result) -> list[Candidate]:
    bow_ties = [aid for aid, cov in result.coverages.items() if cov.cls == "bow-tie" and cov.pairs]
    if not bow_ties:
        return []
    staff: dict[int, list[f.Job]] = defaultdict(list)
    for job in result.jobs:
        staff[job.account_id].append(job)
    colleagues = list(Colleague.objects.values_list("pk", "name", "function"))
    names = dict(
        values_for_ids(
            Person.objects.all(),
            {j.person_id for aid in bow_ties for j in staff.get(aid, [])}
            | {p.person_id for aid in bow_ties for p in result.coverages[aid].pairs},
            "pk",
            "name",
        )
    )
    colleague_names = {pk: name for pk, name, _fn in colleagues}
    out = []
    for aid in bow_ties:
        cov = result.coverages[aid]
        reached = {p.person_id for p in cov.pairs}
        ours = {p.colleague_id for p in cov.pairs}
        introductions = []
        for job in staff.get(aid, []):
            if job.person_id in reached:
                continue
            wanted = OUR_COUNTERPART.get(Function(job.function) if job.function else Function.OTHER)
            match = next(
                (c for c in colleagues if c[2] == wanted and c[0] not in ours), None
            ) or next((c for c in colleagues if c[0] not in ours), None)
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
        out.append(
            Candidate(
                PlayKind.BOW_TIE,
                None,
                aid,
                {
                    "pair": [
                        colleague_names.get(busiest.colleague_id, ""),
                        names.get(busiest.person_id, ""),
                    ],
                    "share": cov.component.facts["top_pair_share"],
                    "introduce": introductions[:3],
                },
                sorted(reached),
                result.as_of,
            )
        )
    return out


def _initiative_plays(result: Result, cfg: EngineConfig) -> list[Candidate]:
    out = []
    for aid, health in result.accounts.items():
        facts = health.components["initiative"].facts
        active = result.account_contacts.get(aid)
        if facts["recent"] == 0 and active and active.recent > 0:
            out.append(
                Candidate(
                    PlayKind.NO_INITIATIVE, None, aid, dict(facts), facts["last"], result.as_of
                )
            )
    return out


def _meal_plays(result: Result, cfg: EngineConfig) -> list[Candidate]:
    t = f.end_of(result.as_of)
    rows = (
        InteractionPerson.objects.filter(
            interaction__channel=Channel.MEAL,
            interaction__started_at__lt=t,
            interaction__started_at__gte=t - dt.timedelta(days=cfg.recent_days),
        )
        .filter(_accounts(result, "interaction__account_id"))
        .values_list(
            "interaction_id", "interaction__account_id", "interaction__started_at", "person_id"
        )
    )
    meals: dict[int, dict[str, Any]] = {}
    for iid, aid, started, pid in rows:
        meal = meals.setdefault(iid, {"account": aid, "at": started, "people": [], "new": False})
        meal["people"].append(pid)
        first = result.contacts.get(pid)
        if first is None or first.first_at is None or first.first_at >= started:
            meal["new"] = True
    # One play per account, about its latest meal that added nobody.
    latest: dict[int, tuple[int, dict[str, Any]]] = {}
    for iid, meal in meals.items():
        if not meal["new"] and (
            meal["account"] not in latest or meal["at"] > latest[meal["account"]][1]["at"]
        ):
            latest[meal["account"]] = (iid, meal)
    return [
        Candidate(
            PlayKind.MEAL_WITHOUT_NEW_CONTACT,
            None,
            aid,
            {"interaction": iid, "date": _date(meal["at"]), "people": len(meal["people"])},
            iid,
            result.as_of,
        )
        for aid, (iid, meal) in latest.items()
    ]


def _moved_plays(result: Result, cfg: EngineConfig) -> list[Candidate]:
    as_of = result.as_of
    since = as_of - dt.timedelta(days=cfg.moved_window_days)
    ended = (
        Employment.objects.filter(end__gt=since, end__lte=as_of)
        .filter(_subjects(result, "person_id", "account_id"))
        .values_list("pk", "person_id", "account_id", "end")
    )
    ended_by_person = defaultdict(list)
    for row in ended:
        ended_by_person[row[1]].append(row)
    if not ended_by_person:
        return []
    started = list(
        values_for_ids(
            Employment.objects.filter(start__lte=as_of, start__gt=since - dt.timedelta(days=30)),
            ended_by_person,
            "pk",
            "person_id",
            "account_id",
            "start",
            field="person_id",
        )
    )
    names = dict(
        values_for_ids(
            Account.objects.all(),
            {r[2] for rows in ended_by_person.values() for r in rows} | {r[2] for r in started},
            "pk",
            "name",
        )
    )
    out = []
    for new_pk, pid, new_aid, start in started:
        for old_pk, _pid, old_aid, _end in ended_by_person[pid]:
            if old_aid == new_aid:
                continue
            facts = {
                "from": names.get(old_aid, ""),
                "to": names.get(new_aid, ""),
                "from_id": old_aid,
                "to_id": new_aid,
                "on": start.isoformat() if start else None,
            }
            # Warn the old account (it lost a contact) and flag the new one (an opportunity).
            out.append(
                Candidate(
                    PlayKind.CONTACT_MOVED,
                    pid,
                    old_aid,
                    facts | {"side": "lost"},
                    [old_pk, new_pk],
                    as_of,
                )
            )
            out.append(
                Candidate(
                    PlayKind.CONTACT_MOVED,
                    pid,
                    new_aid,
                    facts | {"side": "gained"},
                    [old_pk, new_pk],
                    as_of,
                )
            )
    return out


def _value_plays(result: Result) -> list[Candidate]:
    as_of = result.as_of
    rows = (
        ValueItem.objects.filter(
            _accounts(result),
            date__lte=as_of - dt.timedelta(days=30),
            date__gt=as_of - dt.timedelta(days=365),
        )
        .filter(Q(communicated_on__isnull=True) | Q(communicated_on__gt=as_of))
        .values("account_id")
        .annotate(items=Count("pk"), amount=Sum("amount"))
    )
    return [
        Candidate(
            PlayKind.VALUE_NOT_COMMUNICATED,
            None,
            row["account_id"],
            {"items": row["items"], "amount": float(row["amount"] or 0)},
            row["items"],
            as_of,
        )
        for row in rows
    ]


def _concession_plays(result: Result) -> list[Candidate]:
    """Fairness (M13): the accounts the fairness report flags, with their history."""
    out = []
    for tier in fairness_report(result.as_of)["tiers"]:
        for row in tier["rows"]:
            if not row.flagged or row.account_id not in result.accounts:
                continue
            out.append(
                Candidate(
                    PlayKind.CONCESSION_OUTLIER,
                    None,
                    row.account_id,
                    {
                        "count": row.concessions,
                        "quarters": len(row.by_quarter),
                        "habitual": row.habitual,
                        "outlier": row.outlier,
                        "tier": row.tier,
                        "rate": round(row.rate, 2),
                        "peer_median": tier["median_rate"],
                    },
                    [sorted(row.by_quarter), row.habitual, row.outlier],
                    result.as_of,
                )
            )
    return out


def _portfolio_plays(result: Result) -> list[Candidate]:
    """Reconsider (M15) and growth opportunities (M7), against peers of the same tier."""
    tiers = dict(Account.objects.filter(_accounts(result, "pk")).values_list("pk", "tier"))
    growth = {aid: h.components["growth"].facts for aid, h in result.accounts.items()}
    effort = {aid: int(c.minutes_window) for aid, c in result.account_contacts.items()}
    out = []
    by_tier: dict[str, list[int]] = defaultdict(list)
    for aid in result.accounts:
        by_tier[tiers.get(aid, "")].append(aid)
    for tier, ids in by_tier.items():
        if len(ids) < 4:
            continue
        shares = [
            growth[a]["wallet_share"] for a in ids if growth[a].get("wallet_share") is not None
        ]
        lines = [growth[a].get("lines", 0) for a in ids]
        efforts = sorted(effort.get(a, 0) for a in ids)
        revenues = sorted(growth[a].get("revenue", 0) for a in ids)
        top_effort = efforts[int(0.75 * (len(efforts) - 1))]
        low_revenue = revenues[int(0.25 * (len(revenues) - 1))]
        median_share = statistics.median(shares) if shares else None
        median_lines = statistics.median(lines)
        for aid in ids:
            g = growth[aid]
            if (
                effort.get(aid, 0) >= top_effort
                and effort.get(aid, 0) > 0
                and g.get("revenue", 0) <= low_revenue
                and g.get("revenue", 0) <= g.get("revenue_before", 0)
            ):
                out.append(
                    Candidate(
                        PlayKind.RECONSIDER,
                        None,
                        aid,
                        {
                            "effort": effort.get(aid, 0),
                            "revenue": g.get("revenue", 0),
                            "tier": tier,
                        },
                        g.get("year"),
                        result.as_of,
                    )
                )
            share = g.get("wallet_share")
            if (share is not None and median_share and share < 0.5 * median_share) or (
                g.get("lines", 0) + 2 <= median_lines
            ):
                out.append(
                    Candidate(
                        PlayKind.GROWTH_OPPORTUNITY,
                        None,
                        aid,
                        {
                            "share": share,
                            "peer_share": median_share,
                            "lines": g.get("lines", 0),
                            "peer_lines": median_lines,
                            "tier": tier,
                        },
                        g.get("year"),
                        result.as_of,
                    )
                )
    return out


# --- lifecycle ----------------------------------------------------------------------------


def _owners(candidates: Iterable[Candidate]) -> dict[tuple[int | None, int | None], int | None]:
    """The user who owns each subject: the person's owner, else the account's."""
    cands = list(candidates)
    person_owner = dict(
        values_for_ids(
            Person.objects.exclude(owner__user__isnull=True),
            {c.person_id for c in cands if c.person_id},
            "pk",
            "owner__user_id",
        )
    )
    account_owner = dict(
        values_for_ids(
            Account.objects.exclude(owner__user__isnull=True),
            {c.account_id for c in cands if c.account_id},
            "pk",
            "owner__user_id",
        )
    )
    return {
        (c.person_id, c.account_id): (person_owner.get(c.person_id) if c.person_id else None)
        or (account_owner.get(c.account_id) if c.account_id else None)
        for c in cands
    }


@transaction.atomic
def plays_sync(
    candidates: list[Candidate],
    as_of: dt.date,
    *,
    scope_people: set[int] | None = None,
    scope_accounts: set[int] | None = None,
    skip_kinds: Iterable[str] = (),
    only_kinds: Iterable[str] | None = None,
) -> dict[str, int]:
    """Store candidates as plays with the lifecycle rules; returns counts of what changed.

    Plays of subjects outside the scope (incremental runs, chunks of a full run) are left
    alone; in a scoped run an open play is closed only when its own subject is in scope
    (the person, or the account for an account's play).
    """
    existing: dict[tuple[str, int | None, int | None], Play] = {}
    qs = Play.objects.exclude(kind__in=list(skip_kinds))
    if only_kinds is not None:
        qs = qs.filter(kind__in=list(only_kinds))
    if scope_people is not None or scope_accounts is not None:
        qs = qs.filter(
            Q(person_id__in=scope_people or set()) | Q(account_id__in=scope_accounts or set())
        )
    for row in qs.order_by("id"):
        existing[(row.kind, row.person_id, row.account_id)] = row  # newest row wins
    owners = _owners(candidates)
    seen = set()
    counts = {"raised": 0, "updated": 0, "reopened": 0, "closed": 0}
    to_create, to_update = [], []
    scoped = scope_people is not None or scope_accounts is not None
    for cand in candidates:
        key = cand.subject_key
        if key in seen:
            continue
        if scoped and not (
            cand.person_id in (scope_people or set())
            or cand.account_id in (scope_accounts or set())
        ):
            continue  # about someone outside this run: their own run handles it
        seen.add(key)
        play = existing.get(key)
        if play is None or (
            play.status in (PlayStatus.DONE, PlayStatus.DISMISSED)
            and play.fingerprint != cand.fingerprint
        ):
            to_create.append(
                Play(
                    kind=cand.kind,
                    person_id=cand.person_id,
                    account_id=cand.account_id,
                    fingerprint=cand.fingerprint,
                    facts=cand.facts,
                    owner_id=owners.get((cand.person_id, cand.account_id)),
                    due=cand.due,
                    raised_on=as_of,
                )
            )
            counts["raised"] += 1
            continue
        if play.status in (PlayStatus.DONE, PlayStatus.DISMISSED):
            continue  # same facts: stays as the user left it
        reopened = (
            play.status == PlayStatus.SNOOZED
            and play.snoozed_until is not None
            and play.snoozed_until <= as_of
        )
        if reopened:
            play.status = PlayStatus.OPEN
            play.snoozed_until = None
            counts["reopened"] += 1
        if not reopened and (play.facts, play.fingerprint) == (cand.facts, cand.fingerprint):
            continue  # nothing new: no write
        play.facts, play.fingerprint = cand.facts, cand.fingerprint
        to_update.append(play)
        counts["updated"] += 1

    def own_subject_in_scope(play: Play) -> bool:
        if not scoped:
            return True
        if play.person_id is not None:
            return play.person_id in (scope_people or set())
        return play.account_id in (scope_accounts or set())

    for key, stale in existing.items():
        if (
            key not in seen
            and stale.status in (PlayStatus.OPEN, PlayStatus.SNOOZED)
            and own_subject_in_scope(stale)
        ):
            stale.status = PlayStatus.DONE
            to_update.append(stale)
            counts["closed"] += 1
    Play.objects.bulk_create(to_create, batch_size=1000)
    Play.objects.bulk_update(
        to_update,
        ["facts", "fingerprint", "status", "snoozed_until"],
        batch_size=1000,
    )
    return counts
