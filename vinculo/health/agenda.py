"""The morning agenda of one user (or of one colleague who is not a user), as of a date.

One item per subject: a person (shown with the account of the job that counts on the date)
or, for account-level matters, an account. Every reason that concerns the subject is a line
of that one item, strongest first, and a fact is never told twice (a due contact and the
``cadence_overdue`` play about it are one line). Items are ordered by a priority 0-100 that
weighs the strongest reason (its severity and lateness) against what is at stake (the
account's tier and value, the person's decision role, the trend of their health); the
user's daily capacity splits ``today`` from ``later`` so that nothing is lost.

A manager's agenda also holds their team's escalations: red accounts, critical complaints
and plays the owner has left untouched for a set number of days.

The web page, the API and ``vinculo agenda`` all call ``agenda_for`` and show its result
(``Agenda.as_json`` is exchange.md section 5). The reading is a fixed number of queries
whatever the portfolio size (one more per 900 subjects, to stay under the databases'
parameter limits); the arithmetic (``line_strength``, ``stake``, ``priority``) and the
assembly (``assemble``) are pure functions over plain rows.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.utils.translation import gettext as _

from vinculo.access import rules as access
from vinculo.bulk import values_for_ids
from vinculo.commitments.models import Commitment, Complaint
from vinculo.growth.models import Holding
from vinculo.health import facts as f
from vinculo.health.config import EngineConfig
from vinculo.health.models import HealthSettings, HealthSnapshot, Play, PlayKind, PlayStatus
from vinculo.health.plays import reason_and_action
from vinculo.health.words import (
    complaint_words,
    contact_due_words,
    critical_complaint_words,
    promise_words,
    red_account_words,
    untouched_words,
)
from vinculo.interactions.models import InteractionPerson
from vinculo.people.models import Account, Colleague, Employment, Person
from vinculo.people.rules import job_precedence, jobs_on
from vinculo.users.models import DEFAULT_DAILY_CAPACITY, Role, User
from vinculo.vocab import LIVE_CHANNELS, Channel

# Line kinds that are not plays (exchange.md section 5 uses the play kinds for the rest).
CONTACT_DUE = "contact_due"
RED_ACCOUNT = "red_account"
CRITICAL_COMPLAINT = "critical_complaint"
UNTOUCHED_PLAY = "untouched_play"

# Priorities from which an item is shown as urgent, or as pressing.
URGENT_FROM = 75
PRESSING_FROM = 55

# A recommended channel of "" means: the channel agreed with the person, else the live
# channel they use most, else a call.
THEIR_CHANNEL = ""


@dataclass(frozen=True)
class AgendaConfig:
    """How the agenda weighs things. Defaults are starting points, like ``EngineConfig``'s.

    Stored changes live under the ``"agenda"`` key of the health settings' overrides.
    """

    # A contact is on the agenda this many days before its cadence falls due.
    due_soon_days: int = 3
    # Strength 0-100 of a reason line, by kind, before lateness.
    kind_strength: dict[str, int] = field(
        default_factory=lambda: {
            CONTACT_DUE: 35,
            PlayKind.CADENCE_OVERDUE: 40,
            PlayKind.GOING_SILENT: 75,
            PlayKind.MEETINGS_SHRINKING: 45,
            PlayKind.LEVEL_DROPPED: 40,
            PlayKind.SINGLE_CHANNEL: 30,
            PlayKind.PROMISE_OVERDUE: 55,
            PlayKind.PROMISE_BROKEN: 70,
            PlayKind.BOW_TIE: 45,
            PlayKind.NO_INITIATIVE: 30,
            PlayKind.MEAL_WITHOUT_NEW_CONTACT: 20,
            PlayKind.CONCESSION_OUTLIER: 35,
            PlayKind.CONTACT_MOVED: 55,
            PlayKind.VALUE_NOT_COMMUNICATED: 30,
            PlayKind.RECONSIDER: 35,
            PlayKind.GROWTH_OPPORTUNITY: 35,
            RED_ACCOUNT: 60,
        }
    )
    # Complaints are as strong as their severity, more when unanswered or past the target.
    complaint_strength: dict[str, int] = field(
        default_factory=lambda: {"low": 30, "medium": 50, "high": 75, "critical": 85}
    )
    complaint_unanswered_points: int = 10
    complaint_late_points: int = 5
    # Lateness: a cadence this many times over adds its full points; a promise late by
    # ``promise_late_full_days`` adds its full points; the redder an account, the stronger.
    cadence_late_points: int = 15
    promise_late_points: int = 25
    promise_late_full_days: int = 30
    red_account_points: int = 20
    # An untouched play escalated to the manager is this much stronger than the play.
    untouched_points: int = 10
    untouched_days: int = 14
    escalate_severities: tuple[str, ...] = ("critical",)
    # Each reason after the first adds this much, up to the cap.
    extra_reason_points: int = 3
    extra_reason_max: int = 9
    # What is at stake, 0-1: a weighted mean of the account's tier and value, the person's
    # decision role and the fall of their health over ``trend_days``.
    stake_weights: dict[str, float] = field(
        default_factory=lambda: {"tier": 30, "value": 30, "role": 25, "trend": 15}
    )
    tier_stake: dict[str, float] = field(
        default_factory=lambda: {"a": 1.0, "b": 0.6, "c": 0.3, "": 0.4}
    )
    role_stake: dict[str, float] = field(
        default_factory=lambda: {
            "decision_maker": 1.0,
            "influencer": 0.7,
            "gatekeeper": 0.4,
            "user": 0.3,
            "": 0.3,
        }
    )
    # Account-level matters concern everyone there.
    account_role_stake: float = 0.6
    # Last year's revenue at which the value counts fully.
    value_full: float = 500_000.0
    trend_days: int = 30
    trend_full_drop: int = 20
    # Priority = urgency x (floor + (1 - floor) x stake): the severity of the reason leads,
    # the stake orders reasons of like severity.
    stake_floor: float = 0.7
    # The channel to recommend by the kind of the strongest reason (None: an internal
    # matter, no client channel).
    kind_channel: dict[str, str | None] = field(
        default_factory=lambda: {
            CONTACT_DUE: THEIR_CHANNEL,
            PlayKind.CADENCE_OVERDUE: THEIR_CHANNEL,
            PlayKind.GOING_SILENT: Channel.CALL,
            PlayKind.MEETINGS_SHRINKING: Channel.MEETING,
            PlayKind.LEVEL_DROPPED: Channel.MEETING,
            PlayKind.SINGLE_CHANNEL: Channel.MEETING,
            PlayKind.PROMISE_OVERDUE: Channel.CALL,
            PlayKind.PROMISE_BROKEN: Channel.MEETING,
            PlayKind.COMPLAINT_OPEN: Channel.CALL,
            PlayKind.BOW_TIE: Channel.MEETING,
            PlayKind.NO_INITIATIVE: Channel.MEETING,
            PlayKind.MEAL_WITHOUT_NEW_CONTACT: Channel.MEAL,
            PlayKind.CONCESSION_OUTLIER: None,
            PlayKind.CONTACT_MOVED: Channel.CALL,
            PlayKind.VALUE_NOT_COMMUNICATED: Channel.MEETING,
            PlayKind.RECONSIDER: None,
            PlayKind.GROWTH_OPPORTUNITY: Channel.MEETING,
            RED_ACCOUNT: None,
            CRITICAL_COMPLAINT: Channel.CALL,
            UNTOUCHED_PLAY: None,
        }
    )

    @classmethod
    def from_overrides(cls, overrides: dict[str, Any] | None) -> AgendaConfig:
        """Defaults with stored changes applied (dicts merged). A change the check refuses
        (``agenda_settings_problems``) is skipped: a bad stored value never breaks a page."""
        if not isinstance(overrides, dict) or not overrides:
            return cls()
        base = cls()
        values: dict[str, Any] = {}
        for item in dataclasses.fields(cls):
            if item.name not in overrides or _setting_problem(item.name, overrides[item.name]):
                continue
            current, value = getattr(base, item.name), overrides[item.name]
            if isinstance(current, dict) and isinstance(value, dict):
                value = {**current, **value}
            elif isinstance(current, tuple) and isinstance(value, list):
                value = tuple(value)
            values[item.name] = value
        return dataclasses.replace(base, **values)


def _setting_problem(name: object, value: object) -> str | None:
    """Why a stored change to one agenda setting cannot be used (None: it can)."""
    names = {item.name for item in dataclasses.fields(AgendaConfig)}
    if not isinstance(name, str) or name not in names:
        return _("Unknown agenda setting: %(name)s") % {"name": name}
    current = getattr(AgendaConfig(), name)

    def number(v: object) -> bool:
        return isinstance(v, int | float) and not isinstance(v, bool) and v >= 0

    if isinstance(current, dict):
        fine = isinstance(value, dict) and all(
            v is None or number(v) or (isinstance(v, str) and not number(current.get(k)))
            for k, v in value.items()
        )
    elif isinstance(current, tuple):
        fine = isinstance(value, list | tuple) and all(isinstance(v, str) for v in value)
    else:
        fine = number(value) and (not isinstance(current, int) or float(value).is_integer())  # type: ignore[arg-type]
    if fine:
        return None
    return _("The agenda setting %(name)s needs a value like %(example)s.") % {
        "name": name,
        "example": json.dumps(current, default=str),
    }


def agenda_settings_problems(overrides: object) -> list[str]:
    """What is wrong with stored changes to the agenda's settings (empty: nothing).

    For the health settings' check: the changes live under their ``"agenda"`` key.
    """
    if not isinstance(overrides, dict):
        return [_("Write the agenda's settings as a JSON object: names and their values.")]
    return [
        problem
        for name, value in overrides.items()
        if (problem := _setting_problem(name, value)) is not None
    ]


def agenda_settings() -> tuple[EngineConfig, AgendaConfig]:
    """The engine's and the agenda's settings, from the one stored row (one query)."""
    row = HealthSettings.objects.order_by("pk").values_list("overrides", flat=True).first()
    overrides = dict(row or {})
    agenda = overrides.pop("agenda", None)
    return (
        EngineConfig.from_overrides(overrides),
        AgendaConfig.from_overrides(agenda if isinstance(agenda, dict) else None),
    )


# --- the result -------------------------------------------------------------------------


@dataclass(slots=True)
class Reason:
    """One line of an item: why the subject is on the agenda, and what to do about it."""

    kind: str
    text: str
    action: str
    strength: int
    # The fact the line is about, so that one fact is told once per item.
    fact: tuple[str, Any]
    play_id: int | None = None
    # The play is the reader's: they can mark it done, snooze or dismiss it.
    actionable: bool = False

    @property
    def label(self) -> str:
        return reason_label(self.kind)


@dataclass(slots=True)
class AgendaItem:
    person_id: int | None
    account_id: int | None
    # The bundle key where the row came from a bundle, otherwise the id (exchange.md §5).
    person_key: str | int | None
    account_key: str | int | None
    person_name: str
    account_name: str
    priority: int
    channel: str | None
    reasons: list[Reason]
    stake: float = 0.0
    # Whether the reader may open the account (a person of theirs may work at someone
    # else's): the page names it without a link otherwise.
    account_link: bool = True

    @property
    def action(self) -> str:
        return self.reasons[0].action if self.reasons else ""

    @property
    def plays(self) -> list[int]:
        return sorted(r.play_id for r in self.reasons if r.play_id is not None)

    @property
    def urgency(self) -> str:
        """high, medium or normal: how the interface marks the item."""
        if self.priority >= URGENT_FROM:
            return "high"
        return "medium" if self.priority >= PRESSING_FROM else "normal"

    @property
    def channel_label(self) -> str:
        if self.channel in Channel.values:
            return str(Channel(self.channel).label)
        return self.channel or ""

    def as_json(self) -> dict[str, Any]:
        return {
            "person": self.person_key,
            "account": self.account_key,
            "priority": self.priority,
            "channel": self.channel,
            "reasons": [{"kind": str(r.kind), "text": r.text} for r in self.reasons],
            "action": self.action,
            "plays": self.plays,
        }


@dataclass(slots=True)
class Agenda:
    date: dt.date
    for_: str
    capacity: int
    today: list[AgendaItem]
    later: list[AgendaItem]

    @property
    def items(self) -> list[AgendaItem]:
        return [*self.today, *self.later]

    def as_json(self) -> dict[str, Any]:
        """exchange.md section 5."""
        return {
            "date": self.date.isoformat(),
            "for": self.for_,
            "today": [item.as_json() for item in self.today],
            "later": [item.as_json() for item in self.later],
        }


# --- the arithmetic (pure) --------------------------------------------------------------


def _clamp(value: float, low: float = 0, high: float = 100) -> float:
    return max(low, min(high, value))


def _round(value: float) -> int:
    """Half up, and blind to float noise (85 x 0.7 is 59.49999...)."""
    return math.floor(value + 0.5 + 1e-9)


def line_strength(kind: str, facts: dict[str, Any], cfg: AgendaConfig) -> int:
    """How strong a reason is, 0-100: its kind or severity, plus its lateness."""
    value: float
    if kind in (PlayKind.COMPLAINT_OPEN, CRITICAL_COMPLAINT):
        value = cfg.complaint_strength.get(facts.get("severity", ""), 50)
        if not facts.get("answered"):
            value += cfg.complaint_unanswered_points
        if facts.get("age", 0) > facts.get("target", 10**6):
            value += cfg.complaint_late_points
        return _round(_clamp(value))
    value = cfg.kind_strength.get(kind, 30)
    if kind in (PlayKind.CADENCE_OVERDUE, CONTACT_DUE):
        since, every = facts.get("days_since"), facts.get("every_days") or 0
        if since is not None and every > 0 and since > every:
            value += cfg.cadence_late_points * min(1.0, (since - every) / (2 * every))
    elif kind == PlayKind.PROMISE_OVERDUE:
        late = max(0, facts.get("days_late") or 0)
        value += cfg.promise_late_points * min(1.0, late / max(1, cfg.promise_late_full_days))
    elif kind == RED_ACCOUNT:
        red_below = max(1, facts.get("yellow_from", 40))
        value += cfg.red_account_points * _clamp(1 - facts.get("health", 0) / red_below, 0, 1)
    return _round(_clamp(value))


def stake(
    *,
    tier: str,
    revenue: float,
    role: str | None,
    health_now: int | None,
    health_before: int | None,
    cfg: AgendaConfig,
) -> float:
    """What is at stake with a subject, 0-1. ``role`` None: an account-level matter."""
    parts = {
        "tier": cfg.tier_stake.get(tier or "", cfg.tier_stake.get("", 0.4)),
        "value": _clamp(revenue / cfg.value_full, 0, 1) if cfg.value_full > 0 else 0.0,
        "role": cfg.account_role_stake
        if role is None
        else cfg.role_stake.get(role, cfg.role_stake.get("", 0.3)),
        "trend": _clamp((health_before - health_now) / cfg.trend_full_drop, 0, 1)
        if health_now is not None and health_before is not None and cfg.trend_full_drop > 0
        else 0.0,
    }
    total = sum(cfg.stake_weights.get(name, 0) for name in parts)
    if total <= 0:
        return 0.0
    return sum(value * cfg.stake_weights.get(name, 0) for name, value in parts.items()) / total


def priority(strengths: list[int], stake_value: float, cfg: AgendaConfig) -> int:
    """0-100: the strongest reason, a little more for each further one, scaled by the stake."""
    if not strengths:
        return 0
    extra = min(cfg.extra_reason_max, cfg.extra_reason_points * (len(strengths) - 1))
    urgency = _clamp(max(strengths) + extra)
    floor = _clamp(cfg.stake_floor, 0, 1)
    return _round(urgency * (floor + (1 - floor) * _clamp(stake_value, 0, 1)))


def split(items: list[AgendaItem], capacity: int) -> tuple[list[AgendaItem], list[AgendaItem]]:
    """Highest priority first; the first ``capacity`` are for today, the rest later."""
    ordered = sorted(
        items,
        key=lambda i: (
            -i.priority,
            -(i.reasons[0].strength if i.reasons else 0),
            i.person_id is None,
            i.person_name or i.account_name,
            i.person_id or 0,
            i.account_id or 0,
        ),
    )
    capacity = max(0, capacity)
    return ordered[:capacity], ordered[capacity:]


# --- the words of the lines that are not plays: in health/words.py ----------------------


def reason_label(kind: str) -> str:
    """The name of a kind of line, for a label in the interface."""
    labels = {
        CONTACT_DUE: _("Contact due"),
        RED_ACCOUNT: _("Red account"),
        CRITICAL_COMPLAINT: _("Critical complaint"),
        UNTOUCHED_PLAY: _("Left untouched"),
    }
    if kind in labels:
        return labels[kind]
    return str(PlayKind(kind).label) if kind in PlayKind.values else kind


def play_words(kind: str, facts: dict[str, Any]) -> tuple[str, str]:
    """A play's reason and action, worded now in the active language.

    A play whose stored facts lack what the words need (raised by an older engine, until the
    next recompute) is still listed, under the name of its kind: an agenda never loses a play.
    """
    try:
        return reason_and_action(kind, facts)
    except (KeyError, IndexError, TypeError):
        return reason_label(kind), ""


# --- plain rows, as read from the database ----------------------------------------------


@dataclass(slots=True)
class PlayRow:
    pk: int
    kind: str
    person_id: int | None
    account_id: int | None
    facts: dict[str, Any]
    status: str
    snoozed_until: dt.date | None
    owner_id: int | None
    owner_name: str
    raised_on: dt.date


@dataclass(slots=True)
class FactRow:
    """An overdue promise or an open complaint, with the facts its words need."""

    kind: str  # promise_overdue or complaint_open
    pk: int
    person_id: int | None
    account_id: int | None
    facts: dict[str, Any]
    mine: bool  # in the reader's own portfolio
    escalate: bool = False  # a team's complaint a manager must see
    owner_name: str = ""


@dataclass(slots=True)
class SubjectFacts:
    """What the priority needs to know about the subjects of the items."""

    person_account: dict[int, int] = field(default_factory=dict)
    person_role: dict[int, str] = field(default_factory=dict)
    person_names: dict[int, tuple[str | int | None, str]] = field(default_factory=dict)
    account_rows: dict[int, tuple[str | int | None, str, str, float]] = field(default_factory=dict)
    person_health: dict[int, tuple[int | None, int | None]] = field(default_factory=dict)
    account_health: dict[int, tuple[int | None, int | None]] = field(default_factory=dict)
    plan_channel: dict[int, str] = field(default_factory=dict)
    usual_channel: dict[int, str] = field(default_factory=dict)
    # The accounts the reader may not open, of those read (access.rules.openable).
    closed_accounts: set[int] = field(default_factory=set)


def fact_of_play(
    kind: str, person_id: int | None, pk: int, facts: dict[str, Any]
) -> tuple[str, Any]:
    """The fact a play is about: the same fact as a due contact, a promise or a complaint."""
    if kind == PlayKind.CADENCE_OVERDUE and person_id is not None:
        return ("cadence", person_id)
    if kind in (PlayKind.PROMISE_OVERDUE, PlayKind.PROMISE_BROKEN) and facts.get("commitment"):
        return ("commitment", facts["commitment"])
    if kind == PlayKind.COMPLAINT_OPEN and facts.get("complaint"):
        return ("complaint", facts["complaint"])
    return ("play", pk)


# Plays whose facts say how long the matter has waited for its owner.
LATE_KINDS = frozenset(
    {PlayKind.CADENCE_OVERDUE, PlayKind.PROMISE_OVERDUE, PlayKind.COMPLAINT_OPEN}
)


def untouched_for(play: PlayRow, day: dt.date) -> int:
    """Days the owner has left the matter as it is: since the play was raised, or, where
    the facts tell, since the contact fell due, the promise fell due or the complaint
    was opened (unanswered) or passed its target."""
    days = (day - play.raised_on).days
    facts = play.facts
    late = 0
    if play.kind == PlayKind.CADENCE_OVERDUE and facts.get("days_since") is not None:
        late = int(facts["days_since"]) - int(facts.get("every_days") or 0)
    elif play.kind == PlayKind.PROMISE_OVERDUE:
        late = int(facts.get("days_late") or 0)
    elif play.kind == PlayKind.COMPLAINT_OPEN:
        age = int(facts.get("age") or 0)
        late = age if not facts.get("answered") else age - int(facts.get("target") or 0)
    return max(days, late)


def _subject(person_id: int | None, account_id: int | None) -> tuple[str, int]:
    if person_id is not None:
        return ("person", person_id)
    assert account_id is not None
    return ("account", account_id)


def assemble(
    *,
    day: dt.date,
    mine: list[PlayRow],
    escalated: list[PlayRow],
    suppressing: set[tuple[str, Any]],
    due_contacts: dict[int, dict[str, Any]],
    facts: list[FactRow],
    red_accounts: list[tuple[int, int, str]],
    subjects: SubjectFacts,
    engine: EngineConfig,
    cfg: AgendaConfig,
    reader_id: int | None,
) -> list[AgendaItem]:
    """The items, unordered, from the rows read (pure: no database)."""
    lines: dict[tuple[str, int], list[Reason]] = defaultdict(list)
    told: dict[tuple[str, int], set[tuple[str, Any]]] = defaultdict(set)

    def add(subject: tuple[str, int], reason: Reason) -> None:
        if reason.fact in told[subject]:
            if reason.play_id is None:
                return
            # Two plays about one fact (a stale one): never lose a play, list both.
            reason.fact = ("play", reason.play_id)
        told[subject].add(reason.fact)
        lines[subject].append(reason)

    # Plays first: a non-play line about the same fact is then not told again.
    for play in mine:
        reason, action = play_words(play.kind, play.facts)
        add(
            _subject(play.person_id, play.account_id),
            Reason(
                play.kind,
                reason,
                action,
                line_strength(play.kind, play.facts, cfg),
                fact_of_play(play.kind, play.person_id, play.pk, play.facts),
                play.pk,
                actionable=reader_id is not None and play.owner_id == reader_id,
            ),
        )
    for play in escalated:
        play_reason, _action = play_words(play.kind, play.facts)
        words = {"owner": play.owner_name, "days": untouched_for(play, day)}
        text, action = untouched_words(words, play_reason)
        add(
            _subject(play.person_id, play.account_id),
            Reason(
                UNTOUCHED_PLAY,
                text,
                action,
                _round(_clamp(line_strength(play.kind, play.facts, cfg) + cfg.untouched_points)),
                fact_of_play(play.kind, play.person_id, play.pk, play.facts),
                play.pk,
            ),
        )
    for pid, cadence in due_contacts.items():
        text, action = contact_due_words(cadence)
        add(
            ("person", pid),
            Reason(
                CONTACT_DUE,
                text,
                action,
                line_strength(CONTACT_DUE, cadence, cfg),
                ("cadence", pid),
            ),
        )
    for row in facts:
        fact = ("commitment" if row.kind == PlayKind.PROMISE_OVERDUE else "complaint", row.pk)
        if row.mine and fact not in suppressing:
            render = promise_words if row.kind == PlayKind.PROMISE_OVERDUE else complaint_words
            text, action = render(row.facts)
            add(
                _subject(row.person_id, row.account_id),
                Reason(row.kind, text, action, line_strength(row.kind, row.facts, cfg), fact),
            )
        if row.kind == PlayKind.COMPLAINT_OPEN and row.escalate:
            text, action = critical_complaint_words(row.facts | {"owner": row.owner_name})
            add(
                _subject(row.person_id, row.account_id),
                Reason(
                    CRITICAL_COMPLAINT,
                    text,
                    action,
                    line_strength(CRITICAL_COMPLAINT, row.facts, cfg),
                    fact,
                ),
            )
    for aid, health, owner in red_accounts:
        words = {"health": health, "owner": owner, "yellow_from": engine.yellow_from}
        text, action = red_account_words(words)
        add(
            ("account", aid),
            Reason(RED_ACCOUNT, text, action, line_strength(RED_ACCOUNT, words, cfg), ("red", aid)),
        )

    items = []
    for (kind, sid), reasons in lines.items():
        reasons.sort(key=lambda r: (-r.strength, r.kind, r.play_id or 0))
        person_id: int | None
        account_id: int | None
        role: str | None
        if kind == "person":
            person_id, account_id = sid, subjects.person_account.get(sid)
            role = subjects.person_role.get(sid, "")
            now, before = subjects.person_health.get(sid, (None, None))
        else:
            person_id, account_id, role = None, sid, None
            now, before = subjects.account_health.get(sid, (None, None))
        account_key, account_name, tier, revenue = (
            subjects.account_rows.get(account_id, (None, "", "", 0.0))
            if account_id
            else (None, "", "", 0.0)
        )
        person_key, person_name = (
            subjects.person_names.get(person_id, (None, "")) if person_id else (None, "")
        )
        at_stake = stake(
            tier=tier,
            revenue=revenue,
            role=role,
            health_now=now,
            health_before=before,
            cfg=cfg,
        )
        channel = cfg.kind_channel.get(reasons[0].kind, THEIR_CHANNEL)
        if channel == THEIR_CHANNEL:
            channel = (
                (
                    subjects.plan_channel.get(person_id)
                    or subjects.usual_channel.get(person_id)
                    or Channel.CALL
                )
                if person_id
                else Channel.MEETING
            )
        items.append(
            AgendaItem(
                person_id=person_id,
                account_id=account_id,
                person_key=person_key,
                account_key=account_key,
                person_name=person_name,
                account_name=account_name,
                account_link=account_id not in subjects.closed_accounts,
                priority=priority([r.strength for r in reasons], at_stake, cfg),
                channel=str(channel) if channel else None,
                reasons=reasons,
                stake=round(at_stake, 3),
            )
        )
    return items


# --- reading ----------------------------------------------------------------------------


def _scope(colleagues: QuerySet[Colleague], day: dt.date) -> tuple[QuerySet[Any], QuerySet[Any]]:
    """(people, accounts) the colleagues look after on ``day``, as subqueries of ids.

    Accounts they own; people they own, and the people with a job that day at those accounts.
    """
    accounts = Account.objects.filter(owner__in=colleagues).order_by().values("pk")
    staff = Employment.objects.filter(jobs_on(day), account_id__in=accounts)
    # A UNION of two index ranges (people by owner, jobs by account), not a scan of the
    # people with an OR of two tests per row (PostgreSQL cannot answer that OR from the
    # indexes: it read all 200,000 people of the 20,000-account demo for each use).
    people = (
        Person.objects.filter(owner__in=colleagues)
        .order_by()
        .values("pk")
        .union(staff.order_by().values("person_id"))
    )
    return people, accounts


def _any_of(model: type[Model], *parts: Q) -> Q:
    """Rows of ``model`` that meet any of ``parts``, as ``pk IN (part UNION part …)``.

    Each part is then answered from its own index (a range by person, by account or by
    owner) and the rows are fetched by their ids; an OR of ``IN (subquery)`` tests in one
    WHERE is, on PostgreSQL, a scan of the whole table testing each row."""
    if not parts:
        return Q(pk__in=[])
    selects = [model._default_manager.filter(part).order_by().values("pk") for part in parts]
    return Q(pk__in=selects[0].union(*selects[1:]) if len(selects) > 1 else selects[0])


def _open_on(day: dt.date) -> Q:
    """Plays to act on at ``day``: open, or snoozed until then; raised by then."""
    return Q(raised_on__lte=day) & (
        Q(status=PlayStatus.OPEN) | Q(status=PlayStatus.SNOOZED, snoozed_until__lte=day)
    )


def _user_name(first: str, last: str, username: str, colleague: str | None) -> str:
    return colleague or f"{first} {last}".strip() or username


def _chunks(
    queryset: QuerySet[Any], ids: Iterable[int], *fields: str, field: str = "pk"
) -> Iterator[tuple[Any, ...]]:
    return values_for_ids(queryset, ids, *fields, field=field)


@dataclass(slots=True)
class Reader:
    """Who the agenda is for: a user, or a colleague who does not sign in."""

    user: User | None
    colleague_id: int | None
    email: str
    capacity: int


class UnknownColleague(LookupError):
    pass


def reader_for(*, user: User | None = None, colleague_email: str | None = None) -> Reader:
    """The reader, with their colleague record (one query)."""
    if user is not None:
        row = Colleague.objects.filter(user=user).values_list("pk", "email").first()
        return Reader(
            user,
            row[0] if row else None,
            user.email or (row[1] if row and row[1] else "") or user.username,
            user.daily_capacity,
        )
    found = (
        Colleague.objects.filter(email__iexact=(colleague_email or "").strip())
        .select_related("user")
        .first()
    )
    if found is None:
        raise UnknownColleague(colleague_email)
    if found.user is not None:
        return Reader(found.user, found.pk, found.email or "", found.user.daily_capacity)
    return Reader(None, found.pk, found.email or "", DEFAULT_DAILY_CAPACITY)


def agenda_for(
    *,
    day: dt.date,
    user: User | None = None,
    colleague_email: str | None = None,
    engine: EngineConfig | None = None,
    cfg: AgendaConfig | None = None,
) -> Agenda:
    """The agenda of ``user`` (or of the colleague with that email) as of ``day``.

    Reads facts dated on or before ``day`` and the plays raised by then. Without settings
    given, reads them (one query more).
    """
    if engine is None or cfg is None:
        stored_engine, stored_cfg = agenda_settings()
        engine, cfg = engine or stored_engine, cfg or stored_cfg
    reader = reader_for(user=user, colleague_email=colleague_email)
    me = (
        Colleague.objects.filter(pk=reader.colleague_id)
        if reader.colleague_id is not None
        else Colleague.objects.none()
    )
    my_people, my_accounts = _scope(me, day)
    manager = reader.user is not None and reader.user.role == Role.MANAGER
    team_id = reader.user.team_id if reader.user is not None else None
    # Nothing the user may not read, whatever owns it (access.rules; subqueries, no query).
    readable = Q()
    readable_people: QuerySet[Any] = Person.objects.values("pk")
    readable_accounts: QuerySet[Any] = Account.objects.values("pk")
    open_accounts: QuerySet[Any] | None = None  # for the links: all, unless a user's
    if reader.user is not None and not access.is_admin(reader.user):
        readable_people = access.readable_people_ids(reader.user)
        readable_accounts = access.readable_account_ids(reader.user)
        open_accounts = readable_accounts
        readable = Q(person_id__in=readable_people) | Q(account_id__in=readable_accounts)

    # Plays: mine to act on, those about my facts (they decide whether a promise or a
    # complaint needs its own line), and the team's untouched ones for a manager.
    # Each part of an OR over the scope is its own index range (by owner, or by the
    # subjects of my scope), the rows found by their ids: never a scan of the table with
    # a test of the scope per row (see _any_of).
    in_my_scope = [Q(person_id__in=my_people), Q(account_id__in=my_accounts)]
    fact_kinds = [PlayKind.PROMISE_OVERDUE, PlayKind.PROMISE_BROKEN, PlayKind.COMPLAINT_OPEN]
    about_my_facts = Q(kind__in=fact_kinds, raised_on__lte=day)
    plays_parts = [about_my_facts & scope for scope in in_my_scope]
    if reader.user is not None:
        plays_parts.append(Q(owner=reader.user) & _open_on(day))
    else:
        plays_parts += [scope & _open_on(day) for scope in in_my_scope]
    untouched_by = day - dt.timedelta(days=cfg.untouched_days)
    if manager and team_id is not None:
        team_untouched = (
            Q(owner__team_id=team_id, status=PlayStatus.OPEN)
            & (Q(raised_on__lte=untouched_by) | Q(kind__in=list(LATE_KINDS)))
            & ~Q(owner=reader.user)
        )
        plays_parts.append(team_untouched)
    # The rows of each part, not their ids looked up again: PostgreSQL answered
    # "pk IN (UNION)" with a hash join over every play (194,000 at 20,000 accounts).
    # UNION ALL, in the plays' order; a play met by two parts is taken once.
    play_columns = (
        "pk", "kind", "person_id", "account_id", "facts", "status", "snoozed_until",
        "owner_id", "owner__first_name", "owner__last_name", "owner__username",
        "owner__colleague__name", "raised_on", "due",
    )  # fmt: skip
    play_selects = [
        Play.objects.filter(part).filter(readable).order_by().values_list(*play_columns)
        for part in plays_parts
    ]
    rows = play_selects[0].union(*play_selects[1:], all=True).order_by("due", "-raised_on")
    mine: list[PlayRow] = []
    escalated: list[PlayRow] = []
    suppressing: set[tuple[str, Any]] = set()
    seen_plays: set[int] = set()
    for pk, kind, pid, aid, facts, status, snoozed, owner_id, fn, ln, un, cn, raised, _due in rows:
        if pk in seen_plays:
            continue
        seen_plays.add(pk)
        play = PlayRow(
            pk, kind, pid, aid, facts or {}, status, snoozed, owner_id,
            _user_name(fn or "", ln or "", un or "", cn), raised,
        )  # fmt: skip
        is_open = status == PlayStatus.OPEN or (
            status == PlayStatus.SNOOZED and snoozed is not None and snoozed <= day
        )
        ours = owner_id == reader.user.pk if reader.user is not None else True
        if is_open and ours:
            mine.append(play)
        elif (
            manager
            and status == PlayStatus.OPEN
            and owner_id is not None
            and untouched_for(play, day) >= cfg.untouched_days
            and owner_id != (reader.user.pk if reader.user else None)
        ):
            escalated.append(play)
        if kind in fact_kinds:
            # Whoever holds a play about this promise or complaint (open, snoozed,
            # done or dismissed), the play speaks for it: no second line.
            suppressing.add(fact_of_play(kind, pid, pk, play.facts))
    # An escalated play is not escalated twice if it is also about my own facts.
    mine_ids = {p.pk for p in mine}
    escalated = [p for p in escalated if p.pk not in mine_ids]

    # Contacts due, from the latest stored health of my people (the engine's cadence).
    due_contacts: dict[int, dict[str, Any]] = {}
    # Driven by the people (one index lookup each), not by the snapshots, which hold a
    # row per person per recomputed day.
    latest = HealthSnapshot.objects.filter(person_id=OuterRef("pk"), as_of__lte=day).order_by(
        "-as_of"
    )
    cadence_rows = (
        Person.objects.filter(pk__in=my_people)
        .filter(pk__in=readable_people)
        .annotate(
            snapshot_day=Subquery(latest.values("as_of")[:1]),
            cadence=Subquery(latest.values("components__cadence__facts")[:1]),
        )
        .order_by()
        .values_list("pk", "snapshot_day", "cadence")
    )
    for pid, as_of, cadence in cadence_rows:
        if isinstance(cadence, str):  # a JSON text where the database returns one
            cadence = json.loads(cadence)
        if as_of is None or not isinstance(cadence, dict) or cadence.get("every_days") is None:
            continue
        every, since = int(cadence["every_days"]), cadence.get("days_since")
        if since is None:
            due_contacts[pid] = {"days_since": None, "every_days": every, "due_in": 0}
            continue
        shift = (day - as_of).days
        if since > every:
            continue  # overdue when the engine last looked: its play speaks for it
        due_in = every - (since + shift)
        if due_in <= cfg.due_soon_days:
            due_contacts[pid] = {"days_since": since + shift, "every_days": every, "due_in": due_in}

    # Overdue promises and open complaints of my portfolio (and promises I made); for a
    # manager also the team's complaints of the escalated severities.
    facts_rows: list[FactRow] = []
    promise_parts = list(in_my_scope)
    if reader.colleague_id is not None:  # the promises I made
        promise_parts.append(Q(colleague_id=reader.colleague_id))
    promises = (
        Commitment.objects.filter(
            _any_of(Commitment, *(part & Q(due__lt=day) for part in promise_parts)),
            made_on__lte=day,
        )
        .filter(readable)
        .filter(Q(closed_on__isnull=True) | Q(closed_on__gt=day))
        .values_list("pk", "person_id", "account_id", "text", "due")
    )
    for pk, pid, aid, text, due in promises:
        if (pid is None and aid is None) or due is None:
            continue
        facts_rows.append(
            FactRow(
                PlayKind.PROMISE_OVERDUE,
                pk,
                pid,
                aid,
                {"text": text[:200], "due": due.isoformat(), "days_late": (day - due).days},
                mine=True,
            )
        )
    in_mine = Q(person_id__in=my_people) | Q(account_id__in=my_accounts)
    complaint_parts = list(in_my_scope)
    team_accounts: QuerySet[Any] = Account.objects.none().values("pk")
    if manager and team_id is not None:
        team = Colleague.objects.filter(Q(team_id=team_id) | Q(user__team_id=team_id))
        if reader.colleague_id is not None:
            team = team.exclude(pk=reader.colleague_id)
        team_people, team_accounts = _scope(team, day)
        escalated_severity = Q(severity__in=list(cfg.escalate_severities))
        complaint_parts += [
            escalated_severity & Q(person_id__in=team_people),
            escalated_severity & Q(account_id__in=team_accounts),
        ]
    complaints = (
        Complaint.objects.filter(
            _any_of(Complaint, *(part & Q(opened__lte=day) for part in complaint_parts))
        )
        .filter(readable)
        .filter(Q(resolved__isnull=True) | Q(resolved__gt=day))
        .annotate(mine=ExpressionWrapper(in_mine, output_field=BooleanField()))
        .values_list(
            "pk", "person_id", "account_id", "severity", "opened", "first_response", "summary",
            "mine", "account__owner__name", "person__owner__name",
        )
    )  # fmt: skip
    for row in complaints:
        pk, pid, aid, severity, opened, first_response, summary, is_mine, a_owner, p_owner = row
        if pid is None and aid is None:
            continue
        answered = first_response is not None and first_response <= day
        facts = {
            "severity": severity,
            "age": (day - opened).days,
            "answered": answered,
            "target": engine.complaint_target_days.get(severity, 14),
            "text": summary[:200],
        }
        facts_rows.append(
            FactRow(
                PlayKind.COMPLAINT_OPEN,
                pk,
                pid,
                aid,
                facts,
                mine=bool(is_mine),
                escalate=manager and not is_mine and severity in cfg.escalate_severities,
                owner_name=a_owner or p_owner or "",
            )
        )

    # Red accounts of the team, for a manager.
    red_accounts: list[tuple[int, int, str]] = []
    if manager and team_id is not None:
        red_accounts = [
            (aid, overall, owner or "")
            for aid, overall, band, owner in Account.objects.filter(pk__in=team_accounts)
            .filter(pk__in=readable_accounts)
            .annotate(
                health=_latest_value("account_id", day, "overall"),
                band=_latest_value("account_id", day, "band"),
            )
            .order_by()
            .values_list("pk", "health", "band", "owner__name")
            if band == "red" and overall is not None
        ]

    subjects = _subject_facts(
        day,
        people={p.person_id for p in [*mine, *escalated] if p.person_id}
        | set(due_contacts)
        | {r.person_id for r in facts_rows if r.person_id},
        accounts={p.account_id for p in [*mine, *escalated] if not p.person_id and p.account_id}
        | {r.account_id for r in facts_rows if not r.person_id and r.account_id}
        | {aid for aid, _h, _o in red_accounts},
        cfg=cfg,
        readable_accounts=open_accounts,
    )
    items = assemble(
        day=day,
        mine=mine,
        escalated=escalated,
        suppressing=suppressing,
        due_contacts=due_contacts,
        facts=facts_rows,
        red_accounts=red_accounts,
        subjects=subjects,
        engine=engine,
        cfg=cfg,
        reader_id=reader.user.pk if reader.user is not None else None,
    )
    today, later = split(items, reader.capacity)
    return Agenda(day, reader.email, reader.capacity, today, later)


def _latest_value(subject: str, day: dt.date, value: str) -> Subquery:
    """The ``value`` of the subject's latest snapshot on or before ``day`` (one index
    lookup per subject row)."""
    return Subquery(
        HealthSnapshot.objects.filter(**{subject: OuterRef("pk")}, as_of__lte=day)
        .order_by("-as_of")
        .values(value)[:1]
    )


def subject_people(day: dt.date, cfg: AgendaConfig) -> QuerySet[Person]:
    """People with what their items need: their most used live channel up to the day and
    their latest health now and ``trend_days`` before, each a lookup by the person's id
    (the plan is pinned in a test: no scan of the interactions or the snapshots)."""
    before = day - dt.timedelta(days=cfg.trend_days)
    usual = Subquery(
        InteractionPerson.objects.filter(
            person_id=OuterRef("pk"),
            interaction__channel__in=[str(c) for c in LIVE_CHANNELS],
            interaction__started_at__lt=f.end_of(day),
        )
        .values("interaction__channel")
        .annotate(n=Count("pk"))
        .order_by("-n", "interaction__channel")
        .values("interaction__channel")[:1]
    )
    return Person.objects.annotate(
        usual=usual,
        health_now=_latest_value("person_id", day, "overall"),
        health_before=_latest_value("person_id", before, "overall"),
    ).order_by()


def _subject_facts(
    day: dt.date,
    *,
    people: set[int],
    accounts: set[int],
    cfg: AgendaConfig,
    readable_accounts: QuerySet[Any] | None = None,
) -> SubjectFacts:
    """Names, keys, current accounts, roles, value, health trend and channels of the
    subjects, and which accounts of theirs are not in ``readable_accounts`` (all are when
    None): three queries (one more per 900 subjects), each driven by the subjects."""
    out = SubjectFacts()
    jobs: dict[int, list[tuple[bool, int, int, int, str]]] = defaultdict(list)
    for pid, aid, start, pk, role in _chunks(
        Employment.objects.filter(jobs_on(day)),
        people,
        "person_id", "account_id", "start", "pk", "decision_role",
        field="person_id",
    ):  # fmt: skip
        jobs[pid].append((*job_precedence(start, pk), aid, role or ""))
    # The job that counts on the day, by the one rule (people/rules.py), in Python.
    for pid, held in jobs.items():
        counted = min(held)
        out.person_account[pid] = counted[3]
        out.person_role[pid] = counted[4]
    people_rows = subject_people(day, cfg)
    for pk, key, name, plan, channel, now, then in _chunks(
        people_rows, people,
        "pk", "key", "name", "contact_plan__channel", "usual", "health_now", "health_before",
    ):  # fmt: skip
        out.person_names[pk] = (key or pk, name)
        if plan:
            out.plan_channel[pk] = plan
        if channel:
            out.usual_channel[pk] = channel
        out.person_health[pk] = (now, then)
    before = day - dt.timedelta(days=cfg.trend_days)
    every_account = accounts | set(out.person_account.values())
    revenue = (
        Holding.objects.filter(account_id=OuterRef("pk"), year=day.year - 1)
        .order_by()
        .values("account_id")
        .annotate(total=Sum("revenue"))
        .values("total")
    )
    account_rows = Account.objects.annotate(
        last_revenue=Subquery(revenue),
        health_now=_latest_value("account_id", day, "overall"),
        health_before=_latest_value("account_id", before, "overall"),
        readable=access.openable("pk", readable_accounts),
    ).order_by()
    for pk, key, name, tier, value, now, then, readable in _chunks(
        account_rows, every_account,
        "pk", "key", "name", "tier", "last_revenue", "health_now", "health_before", "readable",
    ):  # fmt: skip
        if not readable:
            out.closed_accounts.add(pk)
        out.account_rows[pk] = (
            key or pk,
            name,
            tier or "",
            float(value or Decimal(0)),
        )
        if pk in accounts:
            out.account_health[pk] = (now, then)
    return out
