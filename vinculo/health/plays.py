"""Plays: what the facts call for.

``detect`` turns a computed ``Result`` (plus a few set-based reads of its own) into play
candidates, each with the facts that raised it; ``lifecycle.plays_sync`` stores them, and
``words.reason_and_action`` (re-exported here) words them for the reader.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Count, Q, Sum

from vinculo.bulk import values_for_ids
from vinculo.commitments.models import Commitment, Complaint
from vinculo.growth.models import ValueItem
from vinculo.health import facts as f
from vinculo.health.compute import Result
from vinculo.health.config import EngineConfig
from vinculo.health.ids import IdIn
from vinculo.health.models import PlayKind
from vinculo.health.peers import GrowthFacts
from vinculo.health.rules import (
    Candidate,
    bow_tie_play,
    cadence_play,
    complaint_play,
    contact_plays,
    meal_plays,
    moved_plays,
    no_initiative_play,
    portfolio_plays,
)
from vinculo.health.selectors import fairness_report, portfolio
from vinculo.health.words import reason_and_action
from vinculo.interactions.models import InteractionPerson
from vinculo.people.models import Account, Colleague, Employment, Person
from vinculo.vocab import Channel, CommitmentStatus

__all__ = [
    "PEER_KINDS",
    "Candidate",
    "detect",
    "detect_peer_plays",
    "reason_and_action",
]

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
        overdue = cadence_play(
            pid,
            aid,
            health.components["cadence"].facts,
            contact.last_two_way_at if contact else None,
            as_of,
        )
        if overdue is not None:
            out.append(overdue)
        if contact is None:
            continue
        out.extend(contact_plays(pid, aid, contact, as_of, cfg, person=True))

    for aid, contact in result.account_contacts.items():
        if aid in result.accounts:
            out.extend(contact_plays(None, aid, contact, as_of, cfg, person=False))

    out.extend(_promise_plays(as_of, result, cfg))
    out.extend(_complaint_plays(as_of, result, cfg))
    out.extend(_bow_tie_plays(result))
    out.extend(_initiative_plays(result))
    out.extend(_meal_plays(result, cfg))
    out.extend(_moved_plays(result, cfg))
    out.extend(_value_plays(result, cfg))
    if peers:
        out.extend(detect_peer_plays(result, cfg))
    return out


def detect_peer_plays(result: Result, cfg: EngineConfig | None = None) -> list[Candidate]:
    """The plays judged against peers: they need every account at once."""
    cfg = cfg or EngineConfig()
    return [*_concession_plays(result, cfg), *_portfolio_plays(result, cfg)]


def _subjects(result: Result, person: str = "person_id", account: str = "account_id") -> Q:
    """The rows about the people and accounts of the run (no filter for a full run)."""
    if not result.scoped:
        return Q()
    return Q(IdIn(person, result.people)) | Q(IdIn(account, result.accounts))


def _accounts(result: Result, field: str = "account_id") -> Q:
    return Q(IdIn(field, result.accounts)) if result.scoped else Q()


def _promise_plays(as_of: dt.date, result: Result, cfg: EngineConfig) -> list[Candidate]:
    subject = _subjects(result)
    overdue = Commitment.objects.filter(subject, made_on__lte=as_of, due__lt=as_of).filter(
        Q(closed_on__isnull=True) | Q(closed_on__gt=as_of)
    )
    broken = Commitment.objects.filter(
        subject,
        status=CommitmentStatus.BROKEN,
        closed_on__lte=as_of,
        closed_on__gt=as_of - dt.timedelta(days=cfg.promise_broken_days),
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
        answered = first_response is not None and first_response <= as_of
        play = complaint_play(
            pk, pid, aid, severity, (as_of - opened).days, answered, summary, cfg, as_of
        )
        if play is not None:
            out.append(play)
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
    return [
        bow_tie_play(
            aid,
            result.coverages[aid],
            staff.get(aid, []),
            colleagues,
            names,
            colleague_names,
            result.as_of,
        )
        for aid in bow_ties
    ]


def _initiative_plays(result: Result) -> list[Candidate]:
    out = []
    for aid, health in result.accounts.items():
        active = result.account_contacts.get(aid)
        play = no_initiative_play(
            aid,
            health.components["initiative"].facts,
            bool(active and active.recent > 0),
            result.account_facts.get(aid, ("", ""))[1],
            result.as_of,
        )
        if play is not None:
            out.append(play)
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
    first_contacts = {pid: c.first_at for pid, c in result.contacts.items()}
    return meal_plays(list(rows), first_contacts, result.as_of)


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
            Employment.objects.filter(
                start__lte=as_of, start__gt=since - dt.timedelta(days=cfg.moved_start_slack_days)
            ),
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
    return moved_plays(ended_by_person, started, names, as_of)


def _value_plays(result: Result, cfg: EngineConfig) -> list[Candidate]:
    as_of = result.as_of
    rows = (
        ValueItem.objects.filter(
            _accounts(result),
            date__lte=as_of - dt.timedelta(days=cfg.value_told_after_days),
            date__gt=as_of - dt.timedelta(days=cfg.value_window_days),
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


def _concession_plays(result: Result, cfg: EngineConfig) -> list[Candidate]:
    """Fairness (M13): the accounts the fairness report flags, with their history."""
    out = []
    for tier in fairness_report(result.as_of, cfg)["tiers"]:
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
                        "of_quarters": cfg.fairness_quarters,
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


def _portfolio_plays(result: Result, cfg: EngineConfig) -> list[Candidate]:
    """Reconsider (M15), as the portfolio page judges it, and growth opportunities (M7)."""
    # The medians are the whole portfolio's, as on the page, whatever the run's scope.
    rows = [row.facts() for row in portfolio(as_of=result.as_of, days=cfg.portfolio_window_days)]
    growth = []
    for aid, health in result.accounts.items():
        g = health.components["growth"].facts
        tier, status = result.account_facts.get(aid, ("", ""))
        growth.append(GrowthFacts(aid, tier, status, g.get("wallet_share"), g.get("lines", 0)))
    return [
        play
        for play in portfolio_plays(rows, growth, result.as_of.year - 1, cfg, result.as_of)
        if play.account_id in result.accounts
    ]
