"""Deterministic demo data: realistic bilingual accounts with scripted stories, in bulk.

The same ``accounts``, ``seed`` and ``as_of`` give the same rows, ids included: every
primary key is assigned here (counting on from the table's highest id, so a fresh database
starts at 1), every date is relative to ``as_of``, and every random choice comes from a
``random.Random`` seeded per account. Rows are generated account by account and written in
chunks with :func:`vinculo.bulk.insert_rows`, so memory stays bounded at any size and the
number of statements grows with the rows / batch size, never with one query per row.

The first accounts are the scripted stories of :data:`STORIES` (one for each requirement
of product.md that needs a particular shape of data); the rest are random but plausible.
"""

from __future__ import annotations

import random
import unicodedata
from bisect import bisect_left
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import IO, Any, Final
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Max, Model
from tqdm import tqdm

from vinculo.bulk import copy_rows
from vinculo.commitments.models import Commitment, Complaint, Concern, Initiative
from vinculo.demo import texts
from vinculo.growth.models import Concession, Holding, ProductLine, ValueItem
from vinculo.health.summary import summary_rebuild
from vinculo.interactions.models import Interaction, InteractionColleague, InteractionPerson
from vinculo.people.models import (
    Account,
    AccountDomain,
    Colleague,
    ContactPlan,
    Employment,
    Person,
    PersonEmail,
    search_key,
)
from vinculo.timeline.models import EventKind, TimelineEvent
from vinculo.users.models import Role, Team, User
from vinculo.vocab import (
    AccountStatus,
    Channel,
    CommitmentStatus,
    ConcessionKind,
    DecisionRole,
    Direction,
    Function,
    LegalBasis,
    Level,
    Outcome,
    Severity,
    Tier,
    ValueKind,
)

WINDOW_DAYS: Final = 3 * 365
CHUNK_ACCOUNTS: Final = 100
LOCAL_TZ: Final = ZoneInfo("Europe/Madrid")

# Scripted stories: story -> Account.key. Tests and later features find them by key.
STORIES: Final[dict[str, str]] = {
    "bow_tie": "demo-bow-tie",  # one colleague <-> one person; meals without a new contact
    "transitional": "demo-transitional",  # two colleagues, top pair ~60 %; every promise status
    "diamond": "demo-diamond",  # many to many; growth, value items, initiatives of each outcome
    "going_silent": "demo-going-silent",  # frequency falling, last outreach unanswered
    "level_dropped": "demo-level-dropped",  # only operational talk in the last 200 days
    "shrinking_meetings": "demo-shrinking-meetings",  # meetings get shorter, contact plans
    "complaints": "demo-complaints",  # one handled fast, one slow, one still open; concerns
    "habitual_concessions": "demo-habitual-concessions",  # exceptions in each of 4 quarters
    "ordinary_concessions": "demo-ordinary-concessions",  # a peer with one ordinary exception
    "meals": "demo-meals",  # a meal that adds a new contact and one that does not
    "job_change_from": "demo-job-change-from",  # the account a contact left
    "job_change_to": "demo-job-change-to",  # the prospect that contact joined
}
# Scripted people: story -> Person.key.
STORY_PEOPLE: Final[dict[str, str]] = {
    "bow_tie_contact": "demo-person-bow-tie",
    "job_changer": "demo-person-job-changer",
    "meal_new_contact": "demo-person-meal-new-contact",
}


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: Role
    name: str
    team: str | None


# Fixed demo credentials, printed by `vinculo demo_logins`. Only for a local demo database.
DEMO_LOGINS: Final[tuple[DemoLogin, ...]] = (
    DemoLogin("admin", "demo-admin-2024", Role.ADMIN, "Admin Demo", None),
    DemoLogin("marta", "demo-manager-2024", Role.MANAGER, "Marta Villanueva", "Norte"),
    DemoLogin("lucia", "demo-kam-2024", Role.ACCOUNT_MANAGER, "Lucía Fernández", "Norte"),
    DemoLogin("james", "demo-kam-2024", Role.ACCOUNT_MANAGER, "James Whitaker", "Sur"),
    DemoLogin("victor", "demo-viewer-2024", Role.VIEWER, "Víctor Sanz", "Norte"),
)
TEAMS: Final = ("Norte", "Sur")


class DatabaseNotEmpty(Exception):
    """seed_demo fills an empty database; it never mixes demo rows with real ones."""


@dataclass
class SeedReport:
    accounts: int
    rows: dict[str, int]

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


# --------------------------------------------------------------------------- writing


_FIELDS: dict[type[Model], tuple[str, ...]] = {
    Team: ("id", "name"),
    Colleague: ("id", "name", "email", "function", "team", "user"),
    ProductLine: ("id", "name"),
    Account: (
        "id",
        "key",
        "name",
        "industry",
        "country",
        "tier",
        "size",
        "status",
        "owner",
        "wallet_yearly",
        "created_at",
    ),
    AccountDomain: ("id", "account", "domain"),
    Person: (
        "id",
        "key",
        "name",
        "phones",
        "language",
        "legal_basis",
        "notes",
        "birthday",
        "family",
        "tastes",
        "friends",
        "interests",
        "professional_interests",
        "owner",
        "created_at",
        "search_name",
    ),
    PersonEmail: ("id", "person", "email"),
    Employment: ("id", "person", "account", "title", "function", "decision_role", "start", "end"),
    ContactPlan: ("id", "person", "every_days", "channel", "place", "agreed", "next_due"),
    Interaction: (
        "id",
        "started_at",
        "duration_min",
        "channel",
        "place",
        "direction",
        "level",
        "level_suggested",
        "summary",
        "source",
        "source_id",
        "account",
    ),
    InteractionPerson: ("id", "interaction", "person"),
    InteractionColleague: ("id", "interaction", "colleague"),
    Commitment: (
        "id",
        "account",
        "person",
        "colleague",
        "interaction",
        "text",
        "made_on",
        "due",
        "status",
        "closed_on",
    ),
    Complaint: (
        "id",
        "account",
        "person",
        "opened",
        "severity",
        "category",
        "summary",
        "first_response",
        "resolved",
        "resolution",
        "satisfaction_after",
    ),
    Concern: ("id", "person", "account", "topic", "opened", "resolved"),
    Initiative: ("id", "account", "person", "proposed_on", "text", "outcome", "value"),
    Holding: ("id", "account", "product_line", "year", "revenue"),
    Concession: (
        "id",
        "account",
        "person",
        "granted_on",
        "kind",
        "size_pct",
        "amount",
        "policy",
        "reason",
        "approved_by",
    ),
    ValueItem: (
        "id",
        "account",
        "person",
        "date",
        "kind",
        "amount",
        "evidence",
        "communicated_on",
    ),
    TimelineEvent: ("id", "kind", "occurred_at", "person", "account", "data"),
}
# Parents before children, so that a reader of the finished data never sees an orphan.
_WRITE_ORDER: Final = tuple(_FIELDS)


class _Writer:
    """Buffers rows per model, hands out primary keys, and writes in chunks."""

    def __init__(self) -> None:
        self.buffers: dict[type[Model], list[tuple[Any, ...]]] = {m: [] for m in _FIELDS}
        self.written: dict[type[Model], int] = dict.fromkeys(_FIELDS, 0)
        self.next_id: dict[type[Model], int] = {}
        for model in _FIELDS:
            highest = model._default_manager.aggregate(top=Max("pk"))["top"]
            self.next_id[model] = (highest or 0) + 1
        self._datetimes: dict[datetime, Any] = {}
        self._adapt_datetime = connection.ops.adapt_datetimefield_value
        json_field = TimelineEvent._meta.get_field("data")
        self.json: Callable[[Any], Any] = lambda value: json_field.get_db_prep_save(
            value, connection
        )

    def take_id(self, model: type[Model]) -> int:
        pk = self.next_id[model]
        self.next_id[model] = pk + 1
        return pk

    def add(self, model: type[Model], row: tuple[Any, ...]) -> None:
        self.buffers[model].append(row)

    def dt(self, value: datetime) -> Any:
        # A few thousand distinct instants repeat across millions of rows: adapt each once.
        adapted = self._datetimes.get(value)
        if adapted is None:
            adapted = self._datetimes[value] = self._adapt_datetime(value)
        return adapted

    def flush(self) -> None:
        for model in _WRITE_ORDER:
            rows = self.buffers[model]
            if rows:
                # Columns left out (version, …) take their database defaults.
                self.written[model] += copy_rows(model, _FIELDS[model], rows)
                rows.clear()

    def reset_sequences(self) -> None:
        """PostgreSQL sequences do not see explicit ids; move them past ours."""
        statements = connection.ops.sequence_reset_sql(no_style(), [*_FIELDS, User])
        if statements:
            with connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)


# --------------------------------------------------------------------------- plans


@dataclass
class _Member:
    """A person as one account sees them: available for contact from/to a day offset."""

    person_id: int
    function: str
    decision_role: str
    available_from: int
    available_to: int  # inclusive day offset
    weight: float = 1.0


@dataclass
class _AccountPlan:
    index: int
    id: int
    key: str | None
    name: str
    language: str
    domain: str
    tier: str
    status: str
    owner: int
    colleagues: list[int]
    members: list[_Member] = field(default_factory=list)
    coverage: str = "transitional"
    interactions: int = 500
    rate: str = "steady"  # or "falling", "stopped" (lost accounts)
    levels: str = "normal"  # or "dropped"
    durations: str = "steady"  # or "shrinking"
    meal_share: float = 0.03
    local_parts: set[str] = field(default_factory=set)
    story: str | None = None
    # (interaction id, day offset, first client person, first colleague), for promises.
    log: list[tuple[int, int, int, int]] = field(default_factory=list)


@dataclass
class _Colleagues:
    ids: list[int]
    by_function: dict[str, list[int]]
    sales: list[int]
    names: dict[int, str]


def _slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "".join(ch if ch.isalnum() else "-" for ch in plain).strip("-").replace("--", "-")


def _local_part(name: str) -> str:
    parts = _slug(name).split("-")
    return f"{parts[0]}.{parts[-1]}" if len(parts) > 1 else parts[0]


class _Generator:
    def __init__(self, *, accounts: int, seed: int, as_of: date, writer: _Writer) -> None:
        self.accounts = max(accounts, len(STORIES))
        self.seed = seed
        self.as_of = as_of
        self.start = as_of - timedelta(days=WINDOW_DAYS)
        self.writer = writer
        self.names_seen: set[str] = set()
        self.domains_seen: set[str] = set()
        self.product_lines: list[int] = []
        self.story_owner = 0
        self.colleagues = _Colleagues([], {}, [], {})
        self.users: dict[str, int] = {}
        self.users_created = 0
        # Per chunk: the last day each person was contacted (for contact plans' next due).
        self.last_contact: dict[int, int] = {}
        self.story_people: dict[str, int] = {}
        self._instants: dict[int, Any] = {}

    # ---- helpers

    def day(self, offset: int) -> date:
        return self.start + timedelta(days=offset)

    def instant(self, offset: int, minute_of_day: int) -> Any:
        """A working-hours instant in Madrid, adapted for the database (cached: the same
        few thousand instants repeat across millions of rows)."""
        cache_key = offset * 1440 + minute_of_day
        adapted = self._instants.get(cache_key)
        if adapted is None:
            local = datetime.combine(
                self.day(offset), time(minute_of_day // 60, minute_of_day % 60), LOCAL_TZ
            )
            adapted = self._instants[cache_key] = self.writer.dt(local.astimezone(UTC))
        return adapted

    def morning(self, offset: int) -> Any:
        return self.instant(offset, 9 * 60)

    def rng_for(self, *parts: object) -> random.Random:
        return random.Random(":".join(str(p) for p in (self.seed, *parts)))

    # ---- people on our side

    def seed_users_and_colleagues(self) -> None:
        w = self.writer
        rng = self.rng_for("colleagues")
        # Teams and users that already exist (a superuser made before the first run, say)
        # are kept as they are; only the missing ones are added.
        team_ids = dict(Team.objects.filter(name__in=TEAMS).values_list("name", "pk"))
        for name in TEAMS:
            if name not in team_ids:
                team_ids[name] = w.take_id(Team)
                w.add(Team, (team_ids[name], name))
        existing = set(
            User.objects.filter(username__in=[login.username for login in DEMO_LOGINS]).values_list(
                "username", flat=True
            )
        )
        missing = [login for login in DEMO_LOGINS if login.username not in existing]
        # One hash per user, each with its own salt, even where two share a password: a
        # shared hash would tell anyone who reads one that the other has the same password.
        hashes = {login.username: make_password(login.password) for login in missing}
        users = []
        first_user_id = self._first_user_id()
        for n, login in enumerate(missing):
            user_id = first_user_id + n
            self.users[login.username] = user_id
            first, _, last = login.name.partition(" ")
            users.append(
                User(
                    id=user_id,
                    username=login.username,
                    password=hashes[login.username],
                    first_name=first,
                    last_name=last,
                    email=f"{login.username}@{texts.OUR_DOMAIN}",
                    role=login.role,
                    is_staff=login.role == Role.ADMIN,
                    is_superuser=login.role == Role.ADMIN,
                    team_id=team_ids[login.team] if login.team else None,
                    language="en" if login.username == "james" else "es",
                )
            )
        w.flush()  # teams first: the users point at them
        User.objects.bulk_create(users)
        self.users_created = len(users)

        functions = [
            Function.TECHNICAL_SERVICE,
            Function.PRODUCTION,
            Function.ADMINISTRATION,
            Function.FINANCE,
            Function.MANAGEMENT,
            Function.LOGISTICS,
            Function.QUALITY,
            Function.IT,
        ]
        sales_count = max(4, self.accounts // 40)
        others_count = max(8, self.accounts // 40)
        emails: set[str] = set()
        team_names = list(TEAMS)

        def add(name: str, function: str, team: str, user: int | None) -> int:
            pk = w.take_id(Colleague)
            local = _local_part(name)
            email = f"{local}@{texts.OUR_DOMAIN}"
            suffix = 2
            while email in emails:
                email = f"{local}{suffix}@{texts.OUR_DOMAIN}"
                suffix += 1
            emails.add(email)
            w.add(Colleague, (pk, name, email, function, team_ids[team], user))
            self.colleagues.ids.append(pk)
            self.colleagues.by_function.setdefault(function, []).append(pk)
            self.colleagues.names[pk] = name
            if function == Function.SALES:
                self.colleagues.sales.append(pk)
            return pk

        for login in DEMO_LOGINS:
            if login.role == Role.ACCOUNT_MANAGER:
                pk = add(
                    login.name,
                    Function.SALES,
                    login.team or TEAMS[0],
                    self.users.get(login.username),
                )
                if login.username == "lucia":
                    self.story_owner = pk
        for i in range(sales_count - len(self.colleagues.sales)):
            add(self._person_name(rng, "es"), Function.SALES, team_names[i % 2], None)
        for i in range(others_count):
            language = "en" if i % 5 == 4 else "es"
            add(
                self._person_name(rng, language),
                functions[i % len(functions)],
                team_names[i % 2],
                None,
            )

        for name in texts.PRODUCT_LINES:
            pk = w.take_id(ProductLine)
            self.product_lines.append(pk)
            w.add(ProductLine, (pk, name))
        w.flush()

    def _first_user_id(self) -> int:
        highest = User.objects.aggregate(top=Max("pk"))["top"]
        return (highest or 0) + 1

    @staticmethod
    def _person_name(rng: random.Random, language: str) -> str:
        if language == "es":
            first, last, second = (
                rng.choice(texts.ES_FIRST),
                rng.choice(texts.ES_LAST),
                rng.choice(texts.ES_LAST),
            )
            return f"{first} {last} {second}"
        return f"{rng.choice(texts.EN_FIRST)} {rng.choice(texts.EN_LAST)}"

    # ---- accounts

    def run(self, *, progress: IO[str] | None) -> None:
        self.seed_users_and_colleagues()
        bar = tqdm(
            total=self.accounts,
            unit="account",
            disable=progress is None,
            file=progress,
            desc="seed_demo",
        )
        for first in range(0, self.accounts, CHUNK_ACCOUNTS):
            indexes = range(first, min(first + CHUNK_ACCOUNTS, self.accounts))
            plans = [self.plan_account(i) for i in indexes]
            self.move_people(plans, first)
            self.last_contact = {}
            for plan in plans:
                self.emit_interactions(plan)
                self.emit_account_facts(plan)
            self.emit_contact_plans(plans)
            self.writer.flush()
            bar.update(len(plans))
        bar.close()
        self.writer.reset_sequences()

    def plan_account(self, index: int) -> _AccountPlan:
        rng = self.rng_for("account", index)
        stories = list(STORIES)
        story = stories[index] if index < len(stories) else None
        language = _STORY_LANGUAGE.get(story, "") if story else ""
        language = language or ("en" if rng.random() < 0.3 else "es")
        name = _STORY_NAMES.get(story, "") if story else ""
        name = name or self.company_name(rng, language)
        self.names_seen.add(name)
        domain = self.domain_for(name, language)
        w = self.writer
        account_id = w.take_id(Account)
        if story:
            owner = self.story_owner if language == "es" else self.colleagues.sales[1]
            tier: str = Tier.B if "concessions" in story else Tier.A
            status = AccountStatus.PROSPECT if story == "job_change_to" else AccountStatus.ACTIVE
        else:
            owner = self.colleagues.sales[index % len(self.colleagues.sales)]
            tier = rng.choices(list(Tier.values), weights=(2, 5, 3))[0]
            roll = rng.random()
            status = (
                AccountStatus.PROSPECT
                if roll < 0.08
                else AccountStatus.LOST
                if roll < 0.12
                else AccountStatus.ACTIVE
            )
        plan = _AccountPlan(
            index=index,
            id=account_id,
            key=STORIES[story] if story else None,
            name=name,
            language=language,
            domain=domain,
            tier=tier,
            status=status,
            owner=owner,
            colleagues=[owner],
            story=story,
        )
        self.shape(plan, rng)
        size = {Tier.A: "1000+", Tier.B: "201-1000", Tier.C: "51-200"}[Tier(tier)]
        wallet = Decimal({Tier.A: 2_000_000, Tier.B: 600_000, Tier.C: 150_000}[Tier(tier)])
        wallet = (wallet * Decimal(rng.randint(60, 140)) / 100).quantize(Decimal("1000"))
        trade = name.split(" ")[0]
        industry = (texts.ES_INDUSTRIES if language == "es" else texts.EN_INDUSTRIES).get(
            trade, "Industria" if language == "es" else "Manufacturing"
        )
        country = "ES" if language == "es" else rng.choice(("GB", "GB", "GB", "IE"))
        created = rng.randint(0, 60)
        w.add(
            Account,
            (
                account_id,
                plan.key,
                name,
                industry,
                country,
                tier,
                size,
                status,
                owner,
                wallet,
                self.morning(created),
            ),
        )
        w.add(AccountDomain, (w.take_id(AccountDomain), account_id, domain))
        w.add(
            TimelineEvent,
            (
                w.take_id(TimelineEvent),
                EventKind.ACCOUNT_CREATED,
                self.morning(created),
                None,
                account_id,
                w.json({"name": name}),
            ),
        )
        self.plan_people(plan, rng)
        return plan

    def company_name(self, rng: random.Random, language: str) -> str:
        for _ in range(6):
            if language == "es":
                if rng.random() < 0.75:
                    name = (
                        f"{rng.choice(texts.ES_TRADES)} {rng.choice(texts.ES_PLACES)} "
                        f"{rng.choice(texts.ES_SUFFIXES)}"
                    )
                else:
                    name = (
                        f"{rng.choice(texts.ES_TRADES)} {rng.choice(texts.ES_LAST)} "
                        f"{rng.choice(('Hermanos', 'e Hijos', 'y Asociados'))} "
                        f"{rng.choice(texts.ES_SUFFIXES)}"
                    )
            else:
                name = (
                    f"{rng.choice(texts.EN_PLACES)} {rng.choice(texts.EN_TRADES)} "
                    f"{rng.choice(texts.EN_SUFFIXES)}"
                )
            if name not in self.names_seen:
                return name
        cities = texts.ES_CITIES if language == "es" else texts.EN_CITIES
        return f"{name} ({rng.choice(cities)})"

    def domain_for(self, name: str, language: str) -> str:
        words = [w for w in _slug(name).split("-") if w and w not in _LEGAL_WORDS]
        base = "-".join(words[:3]) or "empresa"
        domain = f"{base}.example"
        n = 2
        while domain in self.domains_seen:
            domain = f"{base}-{n}.example"
            n += 1
        self.domains_seen.add(domain)
        return domain

    def shape(self, plan: _AccountPlan, rng: random.Random) -> None:
        """Coverage and rhythm: scripted for the stories, drawn at random for the rest."""
        by_function = self.colleagues.by_function
        extra_pool = [pk for pk in self.colleagues.ids if pk not in self.colleagues.sales]
        # About 500 a year per account overall, once prospects and lost accounts count.
        plan.interactions = int(550 * rng.uniform(0.4, 1.6))
        if plan.story is None:
            plan.coverage = rng.choices(("bow_tie", "transitional", "diamond"), (35, 45, 20))[0]
            if plan.status == AccountStatus.PROSPECT:
                plan.interactions //= 8
            elif plan.status == AccountStatus.LOST:
                plan.rate = "stopped"
            elif rng.random() < 0.05:
                plan.rate = "falling"
            if rng.random() < 0.05:
                plan.levels = "dropped"
            if rng.random() < 0.05:
                plan.durations = "shrinking"
        else:
            plan.coverage = _STORY_COVERAGE.get(plan.story, "transitional")
            plan.interactions = 420
            plan.rate = "falling" if plan.story == "going_silent" else "steady"
            plan.levels = "dropped" if plan.story == "level_dropped" else "normal"
            plan.durations = "shrinking" if plan.story == "shrinking_meetings" else "steady"
            plan.meal_share = 0.0 if plan.story == "meals" else 0.03
            if plan.story == "job_change_to":
                plan.interactions = 30
        if plan.coverage == "transitional":
            plan.colleagues.append(rng.choice(extra_pool))
        elif plan.coverage == "diamond":
            functions = [Function.TECHNICAL_SERVICE, Function.PRODUCTION, Function.QUALITY]
            for function in rng.sample(functions, 2):
                plan.colleagues.append(rng.choice(by_function[function]))

    def plan_people(self, plan: _AccountPlan, rng: random.Random) -> None:
        count = {"bow_tie": rng.randint(4, 10), "transitional": rng.randint(7, 14)}.get(
            plan.coverage, rng.randint(10, 18)
        )
        if plan.story:
            count = {"bow_tie": 4, "diamond": 6, "meals": 5}.get(plan.story, 5)
        functions = [
            Function.MANAGEMENT,
            Function.PURCHASING,
            Function.PRODUCTION,
            Function.TECHNICAL_SERVICE,
            Function.FINANCE,
            Function.QUALITY,
            Function.LOGISTICS,
            Function.IT,
            Function.ADMINISTRATION,
        ]
        for n in range(count):
            function = functions[n] if n < 3 else rng.choice(functions)
            role = (
                DecisionRole.DECISION_MAKER
                if n == 0
                else DecisionRole.INFLUENCER
                if n in (1, 2)
                else rng.choice((DecisionRole.USER, DecisionRole.USER, DecisionRole.GATEKEEPER))
            )
            # A tenth of the people join during the window: new contacts to meet.
            joins = n >= 3 and rng.random() < 0.1
            available_from = rng.randint(60, WINDOW_DAYS - 60) if joins else 0
            key = None
            if plan.story == "bow_tie" and n == 0:
                key = STORY_PEOPLE["bow_tie_contact"]
            elif plan.story == "job_change_from" and n == 1:
                key = STORY_PEOPLE["job_changer"]
            elif plan.story == "meals" and n == 4:
                key = STORY_PEOPLE["meal_new_contact"]
                available_from = WINDOW_DAYS - 200
            member = self.add_person(
                plan, rng, function=function, role=role, available_from=available_from, key=key
            )
            # A story's new contact is met at a scripted meal first, never by chance before.
            if key == STORY_PEOPLE["meal_new_contact"]:
                member.available_from = WINDOW_DAYS - 149
            if key:
                self.story_people[key] = member.person_id
        self.weigh_pairs(plan, rng)

    def add_person(
        self,
        plan: _AccountPlan,
        rng: random.Random,
        *,
        function: str,
        role: str,
        available_from: int,
        key: str | None,
    ) -> _Member:
        w = self.writer
        language = plan.language
        name = self._person_name(rng, language)
        person_id = w.take_id(Person)
        start = (
            self.day(available_from)
            if available_from
            else self.start - timedelta(days=rng.randint(30, 4000))
        )
        created_offset = max(available_from - 1, rng.randint(0, 90) if not available_from else 0)
        created = self.morning(created_offset)
        birthday = (
            date(rng.randint(1962, 1994), rng.randint(1, 12), rng.randint(1, 28))
            if rng.random() < 0.35
            else None
        )
        profile = rng.random() < 0.4
        w.add(
            Person,
            (
                person_id,
                key,
                name,
                f"+{'34 6' if language == 'es' else '44 7'}{rng.randint(10_000_000, 99_999_999)}",
                language,
                LegalBasis.LEGITIMATE_INTEREST if rng.random() < 0.85 else LegalBasis.CONSENT,
                rng.choice(texts.PERSON_NOTES[language]),
                birthday,
                rng.choice(texts.FAMILY[language]) if profile else "",
                rng.choice(texts.TASTES[language]) if profile else "",
                "",
                rng.choice(texts.INTERESTS[language]) if profile else "",
                rng.choice(texts.INTERESTS[language]) if rng.random() < 0.5 else "",
                plan.owner,
                created,
                search_key(name),
            ),
        )
        self.add_email(plan, person_id, name)
        titles = texts.TITLES[language].get(Function(function), ("",))
        w.add(
            Employment,
            (
                w.take_id(Employment),
                person_id,
                plan.id,
                rng.choice(titles),
                function,
                role,
                start,
                None,
            ),
        )
        w.add(
            TimelineEvent,
            (
                w.take_id(TimelineEvent),
                EventKind.PERSON_CREATED,
                created,
                person_id,
                plan.id,
                w.json({"name": name}),
            ),
        )
        member = _Member(person_id, function, role, available_from, WINDOW_DAYS - 1)
        plan.members.append(member)
        return member

    def add_email(self, plan: _AccountPlan, person_id: int, name: str) -> None:
        local = _local_part(name)
        candidate, n = local, 2
        while candidate in plan.local_parts:
            candidate, n = f"{local}{n}", n + 1
        plan.local_parts.add(candidate)
        w = self.writer
        w.add(PersonEmail, (w.take_id(PersonEmail), person_id, f"{candidate}@{plan.domain}"))

    def weigh_pairs(self, plan: _AccountPlan, rng: random.Random) -> None:
        members = plan.members
        if plan.coverage == "bow_tie":
            for n, member in enumerate(members):
                member.weight = 92.0 if n == 0 else 8.0 / max(1, len(members) - 1)
        elif plan.coverage == "transitional":
            for n, member in enumerate(members):
                member.weight = 60.0 if n == 0 else 40.0 / max(1, len(members) - 1)
        else:
            for member in members:
                member.weight = rng.uniform(0.7, 1.3)

    def move_people(self, plans: list[_AccountPlan], first: int) -> None:
        """Job changes (M4): people who leave one account of the chunk for another."""
        rng = self.rng_for("moves", first)
        by_story = {plan.story: plan for plan in plans if plan.story}
        moves: list[tuple[_AccountPlan, _Member, _AccountPlan, int]] = []
        if "job_change_from" in by_story:
            source = by_story["job_change_from"]
            mover_id = self.story_people[STORY_PEOPLE["job_changer"]]
            mover = next(m for m in source.members if m.person_id == mover_id)
            moves.append((source, mover, by_story["job_change_to"], WINDOW_DAYS - 120))
        randoms = [plan for plan in plans if plan.story is None]
        if len(randoms) >= 2:
            for plan in randoms:
                for member in plan.members[1:]:
                    if member.available_from == 0 and rng.random() < 0.015:
                        target = rng.choice([p for p in randoms if p is not plan])
                        moves.append((plan, member, target, rng.randint(200, WINDOW_DAYS - 30)))
        w = self.writer
        for source, member, target, day in moves:
            member.available_to = day - 1
            moved = _Member(
                member.person_id,
                member.function,
                DecisionRole.INFLUENCER,
                day,
                WINDOW_DAYS - 1,
                weight=max(m.weight for m in target.members) / 2,
            )
            target.members.append(moved)
            person_name = self._name_of(member.person_id)
            w.buffers[Employment] = [
                (*row[:7], self.day(day - 1))
                if row[1] == member.person_id and row[2] == source.id
                else row
                for row in w.buffers[Employment]
            ]
            titles = texts.TITLES[target.language].get(Function(member.function), ("",))
            w.add(
                Employment,
                (
                    w.take_id(Employment),
                    member.person_id,
                    target.id,
                    titles[0],
                    member.function,
                    DecisionRole.INFLUENCER,
                    self.day(day),
                    None,
                ),
            )
            self.add_email(target, member.person_id, person_name)
            for kind, account in (
                (EventKind.EMPLOYMENT_ENDED, source),
                (EventKind.EMPLOYMENT_STARTED, target),
            ):
                w.add(
                    TimelineEvent,
                    (
                        w.take_id(TimelineEvent),
                        kind,
                        self.morning(day),
                        member.person_id,
                        account.id,
                        w.json({"account": account.name, "from": source.name, "to": target.name}),
                    ),
                )

    def _name_of(self, person_id: int) -> str:
        for row in self.writer.buffers[Person]:
            if row[0] == person_id:
                return str(row[2])
        raise LookupError(person_id)

    # ---- interactions

    def emit_interactions(self, plan: _AccountPlan) -> None:
        rng = self.rng_for("interactions", plan.index)
        language = plan.language
        summaries = texts.SUMMARIES[language]
        places = texts.PLACES[language]
        # Plain strings, not the enums: they compare and bind faster in this hot loop.
        levels = [str(level) for level in summaries]
        level_weights = (55, 22, 13, 10)
        channels = ("email", "call", "meeting", "video", "message", "event")
        channel_weights = (36, 24, 18, 14, 5, 1)
        members = plan.members
        cum_weights = []
        total = 0.0
        for member in members:
            total += member.weight
            cum_weights.append(total)
        colleagues = plan.colleagues
        first_last = {
            "steady": (0, WINDOW_DAYS),
            "falling": (0, WINDOW_DAYS - 50),
            "stopped": (0, WINDOW_DAYS - 365),
        }[plan.rate]

        days = []
        for _ in range(plan.interactions):
            d = rng.randrange(*first_last)
            # Falling frequency: the last nine months thin out towards a trickle.
            if (
                plan.rate == "falling"
                and d > WINDOW_DAYS - 320
                and rng.random() > (WINDOW_DAYS - d) / 320 * 0.8
            ):
                continue
            days.append(d)
        days.sort()
        scripted = _scripted_interactions(self, plan)

        for d in days:
            member = members[_pick(cum_weights, rng.random() * total)]
            if not member.available_from <= d <= member.available_to:
                candidates = [m for m in members if m.available_from <= d <= m.available_to]
                if not candidates:
                    continue
                member = candidates[int(rng.random() * len(candidates))]
            # Bow-tie: one pair carries it all. Transitional: the owner and the main contact
            # carry most of it (about 60 %), others talk now and then. Diamond: anyone.
            pair_colleague = (
                colleagues[0]
                if plan.coverage == "bow_tie"
                or (plan.coverage == "transitional" and member is members[0])
                else colleagues[int(rng.random() * len(colleagues))]
            )
            if rng.random() < plan.meal_share:
                channel = "meal"
            else:
                channel = channels[_pick_fixed(channel_weights, rng.random() * 98)]
            level = levels[_pick_fixed(level_weights, rng.random() * 100)]
            # Dropped level: only operational talk for the last 200 days, longer than the
            # engine's 180-day window for the level of the conversations.
            if plan.levels == "dropped" and d > WINDOW_DAYS - 200:
                level = "operational"
            elif plan.levels == "dropped" and level == "operational" and rng.random() < 0.5:
                level = "strategic"
            direction = "inbound" if rng.random() < 0.42 else "outbound"
            if plan.rate == "falling" and d > WINDOW_DAYS - 110:
                direction = "outbound"
            people = [member.person_id]
            ours = [pair_colleague]
            if plan.coverage != "bow_tie" and channel in _GROUP_CHANNELS:
                if rng.random() < 0.2:
                    other = members[int(rng.random() * len(members))]
                    if other.person_id != member.person_id and (
                        other.available_from <= d <= other.available_to
                    ):
                        people.append(other.person_id)
                if rng.random() < 0.12 and len(colleagues) > 1:
                    second = colleagues[int(rng.random() * len(colleagues))]
                    if second != pair_colleague:
                        ours.append(second)
            duration = _duration(channel, rng)
            if plan.durations == "shrinking" and duration:
                duration = max(10, int(duration * (1.3 - 0.9 * d / WINDOW_DAYS)))
            # A share of the levels are left for the suggester of a later issue to fill in.
            stored_level = "" if rng.random() < 0.15 and plan.story is None else level
            summary = rng.choice(summaries[level])
            self.add_interaction(
                plan,
                d,
                8 * 60 + 15 * int(rng.random() * 40),
                duration,
                channel,
                rng.choice(places[channel]) if channel in places else "",
                direction,
                stored_level,
                summary,
                people,
                ours,
            )
        for spec in scripted:
            self.add_interaction(plan, *spec)

    def add_interaction(
        self,
        plan: _AccountPlan,
        d: int,
        minute: int,
        duration: int,
        channel: str,
        place: str,
        direction: str,
        level: str,
        summary: str,
        people: Sequence[int],
        ours: Sequence[int],
    ) -> None:
        # The hot path of a large seed (millions of calls): plain lists and counters.
        w = self.writer
        ids = w.next_id
        pk = ids[Interaction]
        ids[Interaction] = pk + 1
        if channel == "email":
            source, source_id = "mail", f"<demo-{pk}@{plan.domain}>"
        elif channel == "meeting" or channel == "video":
            source, source_id = "calendar", f"demo-{pk}"
        else:
            source, source_id = "manual", ""
        instant = self._instants.get(d * 1440 + minute) or self.instant(d, minute)
        w.buffers[Interaction].append(
            (pk, instant, duration, channel, place, direction, level, False, summary, source,
             source_id, plan.id)
        )  # fmt: skip
        plan.log.append((pk, d, people[0], ours[0]))
        last = self.last_contact
        links = w.buffers[InteractionPerson]
        link_id = ids[InteractionPerson]
        for person_id in people:
            links.append((link_id, pk, person_id))
            link_id += 1
            if last.get(person_id, -1) < d:
                last[person_id] = d
        ids[InteractionPerson] = link_id
        links = w.buffers[InteractionColleague]
        link_id = ids[InteractionColleague]
        for colleague_id in ours:
            links.append((link_id, pk, colleague_id))
            link_id += 1
        ids[InteractionColleague] = link_id

    # ---- everything else an account has

    def emit_account_facts(self, plan: _AccountPlan) -> None:
        rng = self.rng_for("facts", plan.index)
        self.emit_commitments(plan, rng)
        self.emit_complaints_and_concerns(plan, rng)
        self.emit_initiatives(plan, rng)
        if plan.status != AccountStatus.PROSPECT:
            self.emit_holdings(plan, rng)
        self.emit_concessions(plan, rng)
        self.emit_value(plan, rng)

    def _anchor(self, plan: _AccountPlan, rng: random.Random, d: int) -> int:
        """A person of the account available on day ``d`` (the first if none is)."""
        available = [m for m in plan.members if m.available_from <= d <= m.available_to]
        member = rng.choice(available) if available else plan.members[0]
        return member.person_id

    def emit_commitments(self, plan: _AccountPlan, rng: random.Random) -> None:
        w = self.writer
        promises = texts.PROMISES[plan.language]
        interactions = sorted(plan.log, key=lambda row: row[1])
        if not interactions:
            return
        scripted: list[str] = []
        if plan.story == "transitional":
            scripted = [
                CommitmentStatus.KEPT,
                CommitmentStatus.KEPT_LATE,
                CommitmentStatus.BROKEN,
                CommitmentStatus.RENEGOTIATED,
                "overdue",
                CommitmentStatus.OPEN,
            ]
        count = len(scripted) or max(1, len(interactions) // 60)
        today = WINDOW_DAYS
        for n in range(count):
            wanted = scripted[n] if scripted else None
            if wanted in ("overdue", CommitmentStatus.OPEN) or (
                wanted is None and rng.random() < 0.08
            ):
                made = today - (40 if wanted == "overdue" else 10) - rng.randint(0, 10)
            else:
                made = rng.randint(0, WINDOW_DAYS - 60)
            interaction_id, made, person, colleague = _nearest(interactions, made)
            due = made + rng.choice((7, 14, 21, 30))
            if wanted is None:
                wanted = _promise_outcome(rng, today - due)
            if wanted == CommitmentStatus.OPEN:
                due = max(due, today + 5)
            if wanted == "overdue":  # late by days or weeks, as a busy team leaves a few
                due = min(max(due, today - PROMISE_OVERDUE_MAX_DAYS), today - 5)
            closing: dict[str, int] = {
                CommitmentStatus.KEPT: due - rng.randint(0, 3),
                CommitmentStatus.KEPT_LATE: due + rng.randint(3, 20),
                CommitmentStatus.BROKEN: due + 30,
                CommitmentStatus.RENEGOTIATED: due - 1,
            }
            closed = closing.get(str(wanted))
            if closed is not None:
                closed = min(max(closed, made), today - 1)
            status = CommitmentStatus.OPEN if wanted == "overdue" else wanted
            w.add(
                Commitment,
                (
                    w.take_id(Commitment),
                    plan.id,
                    person,
                    colleague,
                    interaction_id,
                    rng.choice(promises),
                    self.day(made),
                    self.day(due),
                    status,
                    self.day(closed) if closed is not None else None,
                ),
            )

    def emit_complaints_and_concerns(self, plan: _AccountPlan, rng: random.Random) -> None:
        w = self.writer
        language = plan.language
        today = WINDOW_DAYS
        specs: list[tuple[int, int | None, int | None, str]] = []
        if plan.story == "complaints":
            # fast, slow, and one still open: (opened, first response after, resolved after)
            specs = [
                (today - 300, 0, 2, Severity.MEDIUM),
                (today - 200, 9, 60, Severity.HIGH),
                (today - 40, 3, None, Severity.HIGH),
            ]
        else:
            for _ in range(rng.choice((0, 0, 1, 1, 2))):
                opened = rng.randint(30, today - 10)
                response: int | None = rng.choice((0, 1, 1, 2, 5))
                resolved: int | None = (
                    rng.choice((3, 7, 14, 30, None))
                    if opened > today - 60
                    else rng.choice((3, 7, 14, 30))
                )
                specs.append((opened, response, resolved, rng.choice(list(Severity.values))))
        for opened, response, resolved, severity in specs:
            category, summary = rng.choice(texts.COMPLAINTS[language])
            person = self._anchor(plan, rng, opened)
            resolved_day = opened + resolved if resolved is not None else None
            if resolved_day is not None and resolved_day >= today:
                resolved_day = None
            w.add(
                Complaint,
                (
                    w.take_id(Complaint),
                    plan.id,
                    person,
                    self.day(opened),
                    severity,
                    category,
                    summary,
                    self.day(opened + (response or 0)) if response is not None else None,
                    self.day(resolved_day) if resolved_day is not None else None,
                    rng.choice(texts.RESOLUTIONS[language]) if resolved_day is not None else "",
                    rng.randint(3, 5) if resolved_day is not None else None,
                ),
            )
        concern_count = 3 if plan.story == "complaints" else rng.choice((0, 1, 1, 2))
        topics = rng.sample(texts.CONCERNS[language], concern_count)
        for n, topic in enumerate(topics):
            opened = rng.randint(0, today - 30)
            resolved = opened + rng.randint(20, 200) if n != 1 else None
            if resolved is not None and resolved >= today:
                resolved = None
            w.add(
                Concern,
                (
                    w.take_id(Concern),
                    self._anchor(plan, rng, opened),
                    plan.id,
                    topic,
                    self.day(opened),
                    self.day(resolved) if resolved is not None else None,
                ),
            )

    def emit_initiatives(self, plan: _AccountPlan, rng: random.Random) -> None:
        w = self.writer
        today = WINDOW_DAYS
        specs: list[tuple[int, str]]
        if plan.story == "diamond":
            specs = [
                (today - 300, Outcome.ACCEPTED),
                (today - 150, Outcome.DECLINED),
                (today - 20, Outcome.PENDING),
            ]
        elif plan.story == "going_silent":
            specs = [(today - 420, Outcome.DECLINED)]  # nothing new for over a year (M3)
        else:
            specs = []
            for _ in range(rng.choice((0, 1, 2, 3, 4))):
                proposed = rng.randint(0, today - 1)
                outcome = (
                    Outcome.PENDING
                    if proposed > today - 60
                    else rng.choices(list(Outcome.values), (15, 45, 40))[0]
                )
                specs.append((proposed, outcome))
        for proposed, outcome in specs:
            value = Decimal(rng.randint(5, 120) * 1000)
            w.add(
                Initiative,
                (
                    w.take_id(Initiative),
                    plan.id,
                    self._anchor(plan, rng, proposed),
                    self.day(proposed),
                    rng.choice(texts.INITIATIVES[plan.language]),
                    outcome,
                    value,
                ),
            )

    def emit_holdings(self, plan: _AccountPlan, rng: random.Random) -> None:
        """Product lines over four years: cross-selling and a wallet-share trend (M7)."""
        w = self.writer
        wallet = float({Tier.A: 2_000_000, Tier.B: 600_000, Tier.C: 150_000}[Tier(plan.tier)])
        lines = list(self.product_lines)
        rng.shuffle(lines)
        used = 1 if plan.story == "diamond" else rng.randint(1, 3)
        share = 0.08 if plan.story == "diamond" else rng.uniform(0.05, 0.45)
        growth = 1.0 if plan.story == "diamond" else rng.uniform(-0.3, 0.4)
        first_year = self.as_of.year - 3
        for year in range(first_year, self.as_of.year + 1):
            if year > first_year and (plan.story == "diamond" or rng.random() < 0.25):
                used = min(len(lines), used + 1)
            yearly = wallet * share
            for line in lines[:used]:
                revenue = Decimal(yearly / used * rng.uniform(0.7, 1.3)).quantize(Decimal("1"))
                w.add(Holding, (w.take_id(Holding), plan.id, line, year, revenue))
            share = max(0.01, min(0.9, share * (1 + growth * 0.5)))

    def emit_concessions(self, plan: _AccountPlan, rng: random.Random) -> None:
        """Exceptions to the standard terms (M13): habitual for one story, ordinary elsewhere."""
        w = self.writer
        today = WINDOW_DAYS
        if plan.story == "habitual_concessions":
            # One in each of the last four quarters, and a couple before.
            days = [today - 20 - 91 * q - rng.randint(0, 40) for q in range(4)]
            days += [rng.randint(0, today - 400) for _ in range(2)]
        elif plan.story == "ordinary_concessions":
            days = [today - 200]
        elif plan.story:
            days = []
        else:
            days = [rng.randint(0, today - 1) for _ in range(rng.choice((0, 0, 0, 1, 1, 2)))]
        policies = {
            ConcessionKind.DISCOUNT: "Tarifa 2024" if plan.language == "es" else "2024 price list",
            ConcessionKind.PAYMENT_TERMS: "60 días" if plan.language == "es" else "60 days",
            ConcessionKind.FREE_SERVICE: "Servicio facturable"
            if plan.language == "es"
            else "Billable service",
        }
        for d in sorted(days):
            kind = rng.choice(list(policies))
            pct = (
                Decimal(rng.choice((3, 5, 8, 10, 12))) if kind == ConcessionKind.DISCOUNT else None
            )
            amount = None if pct is not None else Decimal(rng.randint(5, 60) * 100)
            w.add(
                Concession,
                (
                    w.take_id(Concession),
                    plan.id,
                    self._anchor(plan, rng, d),
                    self.day(d),
                    kind,
                    pct,
                    amount,
                    policies[kind],
                    rng.choice(texts.CONCESSION_REASONS[plan.language]),
                    self.colleagues.names[plan.owner],
                ),
            )

    def emit_value(self, plan: _AccountPlan, rng: random.Random) -> None:
        w = self.writer
        today = WINDOW_DAYS
        if plan.story == "diamond":
            specs = [(today - 250, True), (today - 120, False), (today - 45, False)]
        else:
            specs = [
                (rng.randint(0, today - 1), rng.random() < 0.55)
                for _ in range(rng.choice((0, 1, 1, 2, 3)))
            ]
        for d, told in specs:
            kind = rng.choice(list(ValueKind.values))
            told_on = min(today - 1, d + rng.randint(5, 60)) if told else None
            w.add(
                ValueItem,
                (
                    w.take_id(ValueItem),
                    plan.id,
                    self._anchor(plan, rng, d),
                    self.day(d),
                    kind,
                    Decimal(rng.randint(2, 90) * 1000),
                    rng.choice(texts.VALUE_EVIDENCE[plan.language]),
                    self.day(told_on) if told_on is not None else None,
                ),
            )

    def emit_contact_plans(self, plans: list[_AccountPlan]) -> None:
        """Agreed cadences (M17) for decision makers and a share of the rest."""
        w = self.writer
        planned: set[int] = set()
        for plan in plans:
            rng = self.rng_for("plans", plan.index)
            every_default = {Tier.A: 30, Tier.B: 45, Tier.C: 90}[Tier(plan.tier)]
            for member in plan.members:
                if member.person_id in planned or member.available_to < WINDOW_DAYS - 1:
                    continue
                wanted = member.decision_role == DecisionRole.DECISION_MAKER or (
                    rng.random() < 0.25
                )
                if plan.story in ("shrinking_meetings", "bow_tie"):
                    wanted = True
                if not wanted:
                    continue
                planned.add(member.person_id)
                every = rng.choice((every_default, every_default, 14, 60))
                last = self.last_contact.get(member.person_id, WINDOW_DAYS - every)
                channel = rng.choice((Channel.MEETING, Channel.CALL, Channel.VIDEO, Channel.MEAL))
                place = rng.choice(texts.PLACES[plan.language].get(channel, ("",)))
                w.add(
                    ContactPlan,
                    (
                        w.take_id(ContactPlan),
                        member.person_id,
                        every,
                        channel,
                        place,
                        rng.random() < 0.6,
                        self.day(last + every),
                    ),
                )


_STORY_NAMES: Final = {
    "bow_tie": "Conservas Rías Baixas S.L.",
    "transitional": "Talleres Ebro S.A.",
    "diamond": "Northwind Components Ltd",
    "going_silent": "Hartley & Sons Engineering Ltd",
    "level_dropped": "Bodegas Sierra de Gredos S.A.",
    "shrinking_meetings": "Industrias Cárnicas del Segura S.L.",
    "complaints": "Logística Guadalquivir S.L.",
    "habitual_concessions": "Aceros del Cantábrico S.A.",
    "ordinary_concessions": "Papelera del Ter S.L.",
    "meals": "Bristol Packaging plc",
    "job_change_from": "Harinera Castellana S.A.",
    "job_change_to": "Galletas Duero S.L.",
}
_STORY_LANGUAGE: Final = {
    story: ("en" if name.endswith(("Ltd", "plc")) else "es") for story, name in _STORY_NAMES.items()
}
_STORY_COVERAGE: Final = {"bow_tie": "bow_tie", "diamond": "diamond", "meals": "diamond"}
_LEGAL_WORDS: Final = {
    "s",
    "l",
    "a",
    "u",
    "coop",
    "ltd",
    "plc",
    "group",
    "co",
    "e",
    "y",
    "del",
    "de",
}
_GROUP_CHANNELS: Final = frozenset({Channel.MEETING, Channel.VIDEO, Channel.MEAL, Channel.EVENT})


def _pick(cum_weights: list[float], x: float) -> int:
    for n, edge in enumerate(cum_weights):
        if x < edge:
            return n
    return len(cum_weights) - 1


def _pick_fixed(weights: Sequence[int], x: float) -> int:
    for n, weight in enumerate(weights):
        if x < weight:
            return n
        x -= weight
    return len(weights) - 1


# Promises left open past their due date are late by days or weeks, never by years: a
# promise forgotten for months is marked broken (or renegotiated) by then.
PROMISE_OVERDUE_MAX_DAYS: Final = 42
# Outcomes of promises whose due date has passed, by weight: most are kept on time.
_CLOSED_OUTCOMES: Final = (
    (CommitmentStatus.KEPT, 76),
    (CommitmentStatus.KEPT_LATE, 12),
    (CommitmentStatus.BROKEN, 6),
    (CommitmentStatus.RENEGOTIATED, 6),
)


def _promise_outcome(rng: random.Random, days_past_due: int) -> str:
    """How a generated promise ends, given how many days ago it fell due.

    Not yet due: open. Due in the last weeks: most kept, some still open ("overdue", at
    most PROMISE_OVERDUE_MAX_DAYS late); a broken promise is only called so a month after
    its due date. Due earlier: always closed, most kept on time.
    """
    if days_past_due <= 0:
        return CommitmentStatus.OPEN
    outcomes: list[tuple[str, int]] = [
        (str(status), weight)
        for status, weight in _CLOSED_OUTCOMES
        if status != CommitmentStatus.BROKEN or days_past_due > 30
    ]
    if days_past_due <= PROMISE_OVERDUE_MAX_DAYS:
        outcomes.append(("overdue", 20))
    statuses, weights = zip(*outcomes, strict=True)
    return rng.choices(statuses, weights)[0]


def _nearest(log: list[tuple[int, int, int, int]], day: int) -> tuple[int, int, int, int]:
    """The logged interaction closest to ``day`` (the log is sorted by day)."""
    at = bisect_left(log, day, key=lambda row: row[1])
    candidates = log[max(0, at - 1) : at + 1]
    return min(candidates, key=lambda row: abs(row[1] - day))


def _duration(channel: str, rng: random.Random) -> int:
    low, high = _DURATIONS[channel]
    return 0 if high == 0 else 5 * int(rng.uniform(low, high) / 5)


_DURATIONS: Final[dict[str, tuple[int, int]]] = {
    Channel.EMAIL: (0, 0),
    Channel.MESSAGE: (0, 0),
    Channel.CALL: (10, 35),
    Channel.VIDEO: (25, 60),
    Channel.MEETING: (45, 100),
    Channel.MEAL: (90, 130),
    Channel.EVENT: (120, 240),
}


def _scripted_interactions(gen: _Generator, plan: _AccountPlan) -> Iterator[tuple[Any, ...]]:
    """Interactions a story needs exactly: (day, minute, duration, channel, place, direction,
    level, summary, people, ours)."""
    language = plan.language
    today = WINDOW_DAYS
    if plan.rate == "falling":
        for n, summary in enumerate(texts.UNANSWERED[language]):
            yield (
                today - 40 + 14 * n,
                9 * 60,
                0,
                Channel.EMAIL,
                "",
                Direction.OUTBOUND,
                Level.OPERATIONAL,
                summary,
                [plan.members[0].person_id],
                [plan.owner],
            )
    if plan.story == "meals":
        known = plan.members[0].person_id
        new = gen.story_people[STORY_PEOPLE["meal_new_contact"]]
        place = texts.PLACES[language]["meal"][0]
        yield (
            today - 150,
            14 * 60,
            120,
            Channel.MEAL,
            place,
            Direction.OUTBOUND,
            Level.PERSONAL,
            "Lunch to meet their new operations lead, introduced by our usual contact",
            [known, new],
            [plan.owner],
        )
        yield (
            today - 60,
            14 * 60,
            110,
            Channel.MEAL,
            texts.PLACES[language]["meal"][1],
            Direction.OUTBOUND,
            Level.PERSONAL,
            "Catch-up lunch with our usual contact; nobody new at the table",
            [known],
            [plan.owner],
        )
    if plan.story == "job_change_to":
        mover = gen.story_people[STORY_PEOPLE["job_changer"]]
        yield (
            today - 100,
            10 * 60,
            25,
            Channel.CALL,
            "",
            Direction.INBOUND,
            Level.STRATEGIC,
            "Nos llamó desde su nueva empresa: quiere presentarnos a su director de compras",
            [mover],
            [plan.owner],
        )


# --------------------------------------------------------------------------- entry point


@contextmanager
def _large_sqlite_cache() -> Iterator[None]:
    """SQLite's default page cache (2 MiB) makes every index insert of a big seed spill to
    the WAL; a large cache for the length of the seed keeps the index pages in memory."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (previous,) = cursor.fetchone()
        cursor.execute("PRAGMA cache_size = -524288")  # KiB: 512 MiB at most
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(previous)}")


def database_has_people() -> bool:
    return Person.objects.exists()


def seed_demo(
    *,
    accounts: int = 60,
    seed: int = 0,
    as_of: date,
    progress: IO[str] | None = None,
) -> SeedReport:
    """Fill an empty database with demo data; one transaction, bulk statements only.

    ``progress``: where to draw a progress bar (stderr, say); none when None.
    """
    if database_has_people():
        raise DatabaseNotEmpty
    with transaction.atomic(), _large_sqlite_cache():
        writer = _Writer()
        generator = _Generator(accounts=accounts, seed=seed, as_of=as_of, writer=writer)
        generator.run(progress=progress)
        summary_rebuild()  # the engine's daily summary of what was just loaded
    # Fresh statistics: until autovacuum gets to them, the planner thinks the tables are
    # empty and picks plans that are slow on millions of rows (seen on PostgreSQL).
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    rows = {model._meta.label: count for model, count in writer.written.items()}
    rows["users.User"] = generator.users_created
    return SeedReport(accounts=generator.accounts, rows=rows)
