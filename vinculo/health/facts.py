"""Set-based reads of the facts behind health, as of a date.

Every function here reads facts dated on or before ``as_of`` only, with one GROUP BY per
kind of fact whatever the number of people: the database does the heavy work and the
engine never queries per row.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Avg, Count, F, Max, Min, Q, QuerySet, Sum
from django.utils import timezone

from vinculo.commitments.models import Commitment, Complaint, Initiative
from vinculo.growth.models import Holding, ProductLine, ValueItem
from vinculo.health.ids import IdIn, id_in_sql
from vinculo.interactions.models import Interaction, InteractionPerson
from vinculo.people.models import Account, ContactPlan, Employment
from vinculo.people.rules import job_precedence_order, jobs_on
from vinculo.vocab import LIVE_CHANNELS, Channel, CommitmentStatus, Direction, Level


def day_start(day: dt.date) -> dt.datetime:
    """The first instant of ``day`` in the installation's time zone."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def end_of(as_of: dt.date) -> dt.datetime:
    """Facts strictly before this instant count as of ``as_of`` (the whole day included)."""
    return day_start(as_of + dt.timedelta(days=1))


@dataclass(slots=True)
class ContactFacts:
    """Interaction facts for one subject (a person or an account)."""

    first_at: dt.datetime | None = None
    last_two_way_at: dt.datetime | None = None
    last_inbound_at: dt.datetime | None = None
    inbound_year: int = 0
    first_inbound_year_at: dt.datetime | None = None
    recent: int = 0
    prior: int = 0
    inbound_recent: int = 0
    inbound_prior: int = 0
    live_recent: int = 0
    email_recent: int = 0
    live_minutes_recent: float | None = None
    live_minutes_prior: float | None = None
    live_count_recent: int = 0
    live_count_prior: int = 0
    levelled_window: int = 0
    high_level_window: int = 0
    channels_window: int = 0  # 0, 1, or 2 meaning "two or more"
    total_window: int = 0
    unanswered_streak: int = 0
    minutes_window: int = 0  # accounts only


def _contact_aggregates(
    prefix: str, as_of: dt.date, recent_days: int, level_days: int, *, people: bool
) -> dict[str, Any]:
    """The conditional aggregates shared by people and accounts, in one GROUP BY.

    ``prefix`` is the path from the grouped rows to the Interaction ("interaction__" for the
    participant table, "" for the interaction table itself).
    """
    t = end_of(as_of)
    recent_from = t - dt.timedelta(days=recent_days)
    prior_from = t - dt.timedelta(days=2 * recent_days)
    year_from = t - dt.timedelta(days=365)
    window_from = t - dt.timedelta(days=level_days)
    long_prior_from = t - dt.timedelta(days=2 * level_days)
    p = prefix

    def q(**kwargs: Any) -> Q:
        return Q(**{f"{p}{k}": v for k, v in kwargs.items()})

    started = f"{p}started_at"
    live = q(channel__in=[str(c) for c in LIVE_CHANNELS])
    inbound = q(direction=Direction.INBOUND)
    recent = q(started_at__gte=recent_from)
    prior = q(started_at__gte=prior_from, started_at__lt=recent_from)
    window = q(started_at__gte=window_from)
    long_prior = q(started_at__gte=long_prior_from, started_at__lt=window_from)
    # What both people and accounts need (cadence, frequency, level, silence, effort).
    aggregates: dict[str, Any] = {
        "last_two_way_at": Max(started, filter=live | inbound | q(channel=Channel.EVENT)),
        "last_inbound_at": Max(started, filter=inbound),
        "inbound_year": Count("pk", filter=inbound & q(started_at__gte=year_from)),
        "first_inbound_year_at": Min(started, filter=inbound & q(started_at__gte=year_from)),
        "recent": Count("pk", filter=recent),
        "prior": Count("pk", filter=prior),
        "inbound_recent": Count("pk", filter=inbound & recent),
        "inbound_prior": Count("pk", filter=inbound & prior),
        "live_recent": Count("pk", filter=live & recent),
        "levelled_window": Count("pk", filter=window & ~q(level="")),
        "high_level_window": Count(
            "pk", filter=window & q(level__in=[Level.STRATEGIC, Level.SATISFACTION])
        ),
    }
    if not people:
        # Effort for the portfolio (M15): minutes spent with the account in the window, the
        # same measure as the portfolio page (health.selectors.portfolio).
        return aggregates | {"minutes_window": Sum(f"{p}duration_min", filter=window)}
    # Only people's health uses depth, channel mix and first contact; each aggregate costs
    # a pass of work per row, so accounts don't pay for them.
    return aggregates | {
        "first_at": Min(started),
        "email_recent": Count("pk", filter=q(channel=Channel.EMAIL) & recent),
        "live_minutes_recent": Avg(f"{p}duration_min", filter=live & window),
        "live_minutes_prior": Avg(f"{p}duration_min", filter=live & long_prior),
        "live_count_recent": Count("pk", filter=live & window),
        "live_count_prior": Count("pk", filter=live & long_prior),
        # One channel only <=> the first and last channel names agree (cheaper than a
        # COUNT DISTINCT, which sorts).
        "first_channel_window": Min(f"{p}channel", filter=window),
        "last_channel_window": Max(f"{p}channel", filter=window),
        "total_window": Count("pk", filter=window),
    }


# The index of the interactions by account and date (interactions.Interaction.Meta).
ACCOUNT_DATE_INDEX = "interaction_account_date"


def _unanswered_streaks(
    subject: str, ids: list[int] | None, as_of: dt.date, level_days: int
) -> Iterator[tuple[Any, ...]]:
    """(subject, outbound contacts since their last reply in the window), in one statement.

    ``subject`` is "person" or "account". One pass over the subjects' interactions of the
    window: a window function gives each row its subject's last reply (a live contact or
    one they started), and the database counts the contacts after it, so no row per
    contact reaches Python.

    The join order is written down, not left to the planner: with statistics (``ANALYZE``)
    SQLite used to read the whole window through the date index and probe the link index
    once per listed id for every interaction, thousands of times slower on a chunk of
    10,000 people (docs/benchmarks.md). A person chunk is read from its links (the link
    table drives the join: CROSS JOIN on SQLite), an account chunk through the account and
    date index (INDEXED BY on SQLite, so a dropped index fails loudly instead of slowly).
    ``test_query_plans`` pins both plans.
    """
    if ids is not None and not ids:
        return
    using = Interaction.objects.db
    connection = connections[using]
    ops = connection.ops
    sqlite = connection.vendor == "sqlite"
    # Full table names, no aliases: the query plans (and their test) name the tables.
    i = ops.quote_name(Interaction._meta.db_table)
    t = end_of(as_of)
    live = sorted(str(c) for c in LIVE_CHANNELS)
    reply = (
        f"CASE WHEN {i}.channel IN ({', '.join(['%s'] * len(live))}) OR {i}.direction = %s "
        "THEN 1 ELSE 0 END"
    )
    reply_params: list[Any] = [*live, str(Direction.INBOUND)]
    window = f"{i}.started_at >= %s AND {i}.started_at < %s"
    params: list[Any] = [
        ops.adapt_datetimefield_value(t - dt.timedelta(days=level_days)),
        ops.adapt_datetimefield_value(t),
    ]
    if subject == "person":
        links = ops.quote_name(InteractionPerson._meta.db_table)
        column = f"{links}.person_id"
        if ids is None:  # everyone: the window drives, through the date index
            source = f"{i} JOIN {links} ON {links}.interaction_id = {i}.id"
            where = window
        else:
            join = "CROSS JOIN" if sqlite else "JOIN"
            source = f"{links} {join} {i} ON {i}.id = {links}.interaction_id"
            where = f"{column} IN ({', '.join(['%s'] * len(ids))}) AND {window}"
            params = [*ids, *params]
    elif subject == "account":
        column = f"{i}.account_id"
        if ids is None:
            source, where = i, f"{column} IS NOT NULL AND {window}"
        else:
            hint = f" INDEXED BY {ops.quote_name(ACCOUNT_DATE_INDEX)}" if sqlite else ""
            source = f"{i}{hint}"
            where = f"{column} IN ({', '.join(['%s'] * len(ids))}) AND {window}"
            params = [*ids, *params]
    else:
        raise ValueError(subject)
    sql = (
        "SELECT s, COUNT(*) FROM (SELECT s, moment, reply,"
        " MAX(CASE WHEN reply = 1 THEN moment END) OVER (PARTITION BY s) AS last_reply"
        f" FROM (SELECT {column} AS s, {i}.started_at AS moment, {reply} AS reply"
        f" FROM {source} WHERE {where}) b"
        ") w WHERE reply = 0 AND (last_reply IS NULL OR moment > last_reply) GROUP BY s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*reply_params, *params])
        yield from cursor.fetchall()


def _links_first(sql: str, vendor: str) -> str:
    """On SQLite, make the participant table the outer loop of its join to the interactions.

    The person aggregates filter the links by the chunk's ids and the interactions by date:
    read the other way round (the interactions by date, then a probe of the links per
    listed id) the statement is thousands of times slower, and SQLite's planner can be led
    there by statistics. CROSS JOIN is SQLite's documented way to keep the written order.
    """
    if vendor != "sqlite":
        return sql
    head, sep, tail = sql.partition(" INNER JOIN ")
    if not sep or " INNER JOIN " in tail or " JOIN " in head:
        raise ValueError("expected one join from the links to the interactions")
    return f"{head} CROSS JOIN {tail}"


def _raw_rows(queryset: QuerySet[Any], *, links_first: bool = False) -> Iterator[tuple[Any, ...]]:
    """The rows of a values() query straight from the cursor, in its column order.

    Skips Django's per-value converters: on SQLite they parse every date-time with a
    regular expression, which on a full run costs more than the aggregation itself. The
    date-times come back as the database stores them (UTC text on SQLite), which compare
    correctly with each other; the few that are kept are converted by ``_to_datetime``.
    """
    try:
        sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
    except EmptyResultSet:  # filtered on an empty list of ids
        return
    if links_first:
        sql = _links_first(sql, connections[queryset.db].vendor)
    # A plain cursor, not a server-side one: PostgreSQL plans a cursor's query for its
    # first rows, which for a GROUP BY over the whole table is a much slower plan.
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(5000):
            yield from batch


def _to_datetime(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


_MOMENTS = ("first_at", "last_two_way_at", "last_inbound_at", "first_inbound_year_at")


def _contact_facts(
    rows: QuerySet[Any], streaks: Iterable[tuple[Any, ...]], *, links_first: bool = False
) -> dict[int, ContactFacts]:
    names = [
        *rows.query.values_select,
        *rows.query.annotation_select,
    ]
    facts: dict[int, ContactFacts] = {}
    for row in _raw_rows(rows, links_first=links_first):
        values = dict(zip(names, row, strict=True))
        key = values.pop(names[0])
        for name in _MOMENTS:
            if name in values:
                values[name] = _to_datetime(values[name])
        if values.get("minutes_window") is None and "minutes_window" in values:
            values["minutes_window"] = 0
        for name in ("live_minutes_recent", "live_minutes_prior"):
            if values.get(name) is not None:
                values[name] = float(values[name])
        if "first_channel_window" in values:
            first, last = values.pop("first_channel_window"), values.pop("last_channel_window")
            values["channels_window"] = 0 if first is None else 1 if first == last else 2
        facts[key] = ContactFacts(**values)
    for key, count in streaks:
        if key in facts:
            facts[key].unanswered_streak = count
    return facts


def person_contact_facts_from_interactions(
    as_of: dt.date, person_ids: Iterable[int] | None, recent_days: int, level_days: int
) -> dict[int, ContactFacts]:
    ids = None if person_ids is None else list(person_ids)
    links = InteractionPerson.objects.filter(interaction__started_at__lt=end_of(as_of))
    if ids is not None:
        links = links.filter(IdIn("person_id", ids))
    rows = (
        links.values("person_id")
        .annotate(
            **_contact_aggregates("interaction__", as_of, recent_days, level_days, people=True)
        )
        .order_by()
    )
    streaks = _unanswered_streaks("person", ids, as_of, level_days)
    return _contact_facts(rows, streaks, links_first=True)


def account_contact_facts_from_interactions(
    as_of: dt.date, account_ids: Iterable[int] | None, recent_days: int, level_days: int
) -> dict[int, ContactFacts]:
    ids = None if account_ids is None else list(account_ids)
    interactions = Interaction.objects.filter(
        started_at__lt=end_of(as_of), account_id__isnull=False
    )
    if ids is not None:
        interactions = interactions.filter(IdIn("account_id", ids))
    rows = (
        interactions.values("account_id")
        .annotate(**_contact_aggregates("", as_of, recent_days, level_days, people=False))
        .order_by()
    )
    streaks = _unanswered_streaks("account", ids, as_of, level_days)
    return _contact_facts(rows, streaks)


def lookback_days(recent_days: int, level_days: int) -> int:
    """How far back the windowed contact facts reach (the longest window)."""
    return max(365, 2 * recent_days, 2 * level_days)


# Where the unanswered streak goes among the windowed sums (a probe per subject, below).
STREAK: tuple[str, list[Any]] = ("", [])


def _summary_contact_facts(
    subject: str, ids: list[int] | None, as_of: dt.date, recent_days: int, level_days: int
) -> dict[int, ContactFacts]:
    """The contact facts of people or accounts read from ``InteractionDaySummary``.

    The same facts as ``*_contact_facts_from_interactions``, exactly: every window of
    those is "from the first instant of a local day", so it is a range of the summary's
    days. For a chunk of ids, one statement per subject kind: the windowed sums over the
    days of the longest window (one year by default), with per subject the unanswered
    streak and the all-time moments (first contact, last two-way and inbound contact) as
    probes of the same index; then, for the subjects with no day in that window, their
    moments alone. For everyone, the moments first, then the windowed sums. Each reads the
    summary through its (subject, day) index, so a chunk of ids is a range per id,
    whatever the statistics.
    """
    from vinculo.health.models import InteractionDaySummary

    if ids is not None and not ids:
        return {}
    connection = connections[InteractionDaySummary.objects.db]
    ops = connection.ops
    table = ops.quote_name(InteractionDaySummary._meta.db_table)
    column = "person_id" if subject == "person" else "account_id"
    people = subject == "person"

    def day(n: int) -> Any:  # the first day of a window of n days ending on as_of
        return ops.adapt_datefield_value(as_of + dt.timedelta(days=1 - n))

    last = ops.adapt_datefield_value(as_of)
    scope_params: list[Any]
    if ids is None:
        scope, scope_params = f"{column} IS NOT NULL", []
    else:
        scope, scope_params = id_in_sql(connection.vendor, column, ids)

    facts: dict[int, ContactFacts] = {}
    since = day(lookback_days(recent_days, level_days))

    def moments_of(scope: str, scope_params: list[Any]) -> None:
        """The all-time moments of every subject of ``scope`` with a day up to ``as_of``."""
        moments = "MIN(first_at), " if people else ""
        cursor.execute(
            f"SELECT {column}, {moments}MAX(last_two_way_at), MAX(last_inbound_at)"
            f" FROM {table} WHERE {scope} AND day <= %s GROUP BY {column}",
            [*scope_params, last],
        )
        while batch := cursor.fetchmany(5000):
            for row in batch:
                if people:
                    key, first, two_way, inbound = row
                    facts[key] = ContactFacts(
                        first_at=_to_datetime(first),
                        last_two_way_at=_to_datetime(two_way),
                        last_inbound_at=_to_datetime(inbound),
                    )
                else:
                    key, two_way, inbound = row
                    facts[key] = ContactFacts(
                        last_two_way_at=_to_datetime(two_way),
                        last_inbound_at=_to_datetime(inbound),
                    )

    with connection.cursor() as cursor:
        # Everyone (no ids): the moments in a pass of their own, as below for the few.
        if ids is None:
            moments_of(scope, scope_params)
        recent, prior = day(recent_days), day(2 * recent_days)
        year, window, long_prior = day(365), day(level_days), day(2 * level_days)

        def total(col: str, since: Any, before: Any = None) -> tuple[str, list[Any]]:
            if before is None:
                return f"SUM(CASE WHEN day >= %s THEN {col} ELSE 0 END)", [since]
            return f"SUM(CASE WHEN day >= %s AND day < %s THEN {col} ELSE 0 END)", [
                since,
                before,
            ]

        parts: list[tuple[str, list[Any]]] = [
            total("n_inbound", year),
            ("MIN(CASE WHEN day >= %s THEN first_inbound_at END)", [year]),
            total("n", recent),
            total("n", prior, recent),
            total("n_inbound", recent),
            total("n_inbound", prior, recent),
            total("n_live", recent),
            total("n_levelled", window),
            total("n_high", window),
            STREAK,
        ]
        if people:
            parts += [
                total("n_email", recent),
                total("live_minutes", window),
                total("live_minutes", long_prior, window),
                total("n_live", window),
                total("n_live", long_prior, window),
                ("MIN(CASE WHEN day >= %s THEN min_channel END)", [window]),
                ("MAX(CASE WHEN day >= %s THEN max_channel END)", [window]),
                total("n", window),
            ]
        else:
            parts.append(("SUM(CASE WHEN day >= %s THEN minutes END)", [window]))
        # One GROUP BY over the subjects' days of the longest window, in the index's
        # order (no window function, no sort); per subject (group), probes of the same
        # (subject, day) index for what needs the group's result first:
        # - the unanswered streak: lrd is the subject's last day of the level window
        #   with a reply; the streak is the contacts after that day's last reply plus
        #   those of the later days (from lrd on: usually a day or two), or every
        #   contact of the level window when there was no reply;
        # - for a chunk of ids, the all-time moments (the summary read once, not twice):
        #   the window's, or, when the subject has days before it, from those days: the
        #   first contact is that of its first day, the last two-way and inbound
        #   contacts are read there only when the window has none (days are local dates
        #   of the moments, so a later day's moments are later).
        probe = f"FROM {table} o WHERE o.{column} = g.s AND o.day"
        inner: list[tuple[str, list[Any]]] = []
        outer: list[tuple[str, list[Any]]] = []
        for part in parts:
            if part is STREAK:
                outer.append(
                    (
                        "COALESCE((SELECT SUM(CASE WHEN o.day = g.lrd THEN o.n_quiet_after"
                        f" ELSE o.n_quiet END) {probe} >= COALESCE(g.lrd, %s)"
                        " AND o.day <= %s), 0)",
                        [window, last],
                    )
                )
                continue
            outer.append((f"g.a{len(inner)}", []))
            inner.append((f"{part[0]} AS a{len(inner)}", part[1]))
        inner.append(
            ("MAX(CASE WHEN day >= %s AND last_reply_at IS NOT NULL THEN day END) AS lrd", [window])
        )
        if ids is not None:
            if people:
                inner.append(("MIN(first_at) AS m_first", []))
                outer.append(
                    (
                        f"COALESCE((SELECT o.first_at {probe} < %s ORDER BY o.day LIMIT 1),"
                        " g.m_first)",
                        [since],
                    )
                )
            inner += [
                ("MAX(last_two_way_at) AS m_two_way", []),
                ("MAX(last_inbound_at) AS m_in", []),
            ]
            outer += [
                (f"COALESCE(g.m_two_way, (SELECT MAX(o.last_two_way_at) {probe} < %s))", [since]),
                (f"COALESCE(g.m_in, (SELECT MAX(o.last_inbound_at) {probe} < %s))", [since]),
            ]
        cursor.execute(
            f"SELECT g.s, {', '.join(sql for sql, _ in outer)}"
            f" FROM (SELECT {column} AS s, {', '.join(sql for sql, _ in inner)} FROM {table}"
            f" WHERE {scope} AND day >= %s AND day <= %s GROUP BY {column}) g",
            [
                *(p for _, ps in outer for p in ps),
                *(p for _, ps in inner for p in ps),
                *scope_params,
                since,
                last,
            ],
        )
        while batch := cursor.fetchmany(5000):
            for row in batch:
                if ids is None:
                    c = facts[row[0]]
                elif people:
                    c = facts[row[0]] = ContactFacts(
                        first_at=_to_datetime(row[19]),
                        last_two_way_at=_to_datetime(row[20]),
                        last_inbound_at=_to_datetime(row[21]),
                    )
                else:
                    c = facts[row[0]] = ContactFacts(
                        last_two_way_at=_to_datetime(row[12]),
                        last_inbound_at=_to_datetime(row[13]),
                    )
                (
                    c.inbound_year,
                    first_inbound,
                    c.recent,
                    c.prior,
                    c.inbound_recent,
                    c.inbound_prior,
                    c.live_recent,
                    c.levelled_window,
                    c.high_level_window,
                    c.unanswered_streak,
                ) = row[1:11]
                c.first_inbound_year_at = _to_datetime(first_inbound)
                if not people:
                    c.minutes_window = int(row[11] or 0)
                    continue
                c.email_recent = row[11]
                minutes_now, minutes_before, c.live_count_recent, c.live_count_prior = row[12:16]
                c.live_minutes_recent = (
                    int(minutes_now) / c.live_count_recent if c.live_count_recent else None
                )
                c.live_minutes_prior = (
                    int(minutes_before) / c.live_count_prior if c.live_count_prior else None
                )
                first, last_channel, c.total_window = row[16:19]
                c.channels_window = 0 if first is None else 1 if first == last_channel else 2
        if ids is not None:
            # The subjects with days before the window only: their moments, nothing else.
            quiet = [pk for pk in ids if pk not in facts]
            if quiet:
                moments_of(*id_in_sql(connection.vendor, column, quiet))
            # In id order whatever the plan, as the grouping by the index gives it.
            facts = dict(sorted(facts.items()))
    return facts


def person_contact_facts(
    as_of: dt.date, person_ids: Iterable[int] | None, recent_days: int, level_days: int
) -> dict[int, ContactFacts]:
    """People's contact facts, from the daily summary (``health.summary``)."""
    ids = None if person_ids is None else list(person_ids)
    return _summary_contact_facts("person", ids, as_of, recent_days, level_days)


def account_contact_facts(
    as_of: dt.date, account_ids: Iterable[int] | None, recent_days: int, level_days: int
) -> dict[int, ContactFacts]:
    """Accounts' contact facts, from the daily summary (``health.summary``)."""
    ids = None if account_ids is None else list(account_ids)
    return _summary_contact_facts("account", ids, as_of, recent_days, level_days)


@dataclass(slots=True)
class PromiseFacts:
    due: int = 0
    kept_on_time: int = 0
    kept_late: int = 0
    broken: int = 0
    overdue_open: int = 0
    oldest_overdue_days: int = 0


def promise_facts(
    as_of: dt.date, field_name: str, ids: Iterable[int] | None
) -> dict[int, PromiseFacts]:
    """Promises due by ``as_of``, with their status as it was then (closed later = open)."""
    qs = Commitment.objects.filter(
        made_on__lte=as_of, due__lte=as_of, **{f"{field_name}__isnull": False}
    )
    if ids is not None:
        qs = qs.filter(IdIn(f"{field_name}_id", ids))
    closed_by_then = Q(closed_on__lte=as_of)
    rows = qs.values(field_name).annotate(
        due_count=Count("pk"),
        kept_on_time=Count(
            "pk",
            filter=closed_by_then & Q(status=CommitmentStatus.KEPT) & Q(closed_on__lte=F("due")),
        ),
        kept_late=Count(
            "pk",
            filter=closed_by_then
            & (
                Q(status=CommitmentStatus.KEPT_LATE)
                | Q(status=CommitmentStatus.KEPT, closed_on__gt=F("due"))
            ),
        ),
        broken=Count("pk", filter=closed_by_then & Q(status=CommitmentStatus.BROKEN)),
        overdue_open=Count(
            "pk",
            filter=(Q(closed_on__isnull=True) | Q(closed_on__gt=as_of))
            & ~Q(status=CommitmentStatus.RENEGOTIATED, closed_on__lte=as_of),
        ),
        oldest_due=Min(
            "due",
            filter=(Q(closed_on__isnull=True) | Q(closed_on__gt=as_of)),
        ),
    )
    out: dict[int, PromiseFacts] = {}
    for row in rows:
        oldest = row["oldest_due"]
        out[row[field_name]] = PromiseFacts(
            due=row["due_count"],
            kept_on_time=row["kept_on_time"],
            kept_late=row["kept_late"],
            broken=row["broken"],
            overdue_open=row["overdue_open"],
            oldest_overdue_days=(as_of - oldest).days if oldest else 0,
        )
    return out


@dataclass(slots=True)
class OpenComplaint:
    id: int
    severity: str
    age_days: int
    answered: bool
    summary: str


@dataclass(slots=True)
class VoiceFacts:
    open: list[OpenComplaint] = field(default_factory=list)
    resolved_year: int = 0
    resolution_days_avg: float | None = None


def voice_facts(
    as_of: dt.date, field_name: str, ids: Iterable[int] | None
) -> dict[int, VoiceFacts]:
    qs = Complaint.objects.filter(opened__lte=as_of, **{f"{field_name}__isnull": False})
    if ids is not None:
        qs = qs.filter(IdIn(f"{field_name}_id", ids))
    out: dict[int, VoiceFacts] = defaultdict(VoiceFacts)
    open_rows = qs.filter(Q(resolved__isnull=True) | Q(resolved__gt=as_of)).values_list(
        field_name, "pk", "severity", "opened", "first_response", "summary"
    )
    for subject, pk, severity, opened, first_response, summary in open_rows:
        out[subject].open.append(
            OpenComplaint(
                id=pk,
                severity=severity,
                age_days=(as_of - opened).days,
                answered=first_response is not None and first_response <= as_of,
                summary=summary,
            )
        )
    year_ago = as_of - dt.timedelta(days=365)
    resolved = qs.filter(resolved__lte=as_of, resolved__gt=year_ago).values_list(
        field_name, "opened", "resolved"
    )
    totals: dict[int, list[int]] = defaultdict(list)
    for subject, opened, done in resolved:
        totals[subject].append((done - opened).days)
    for subject, days in totals.items():
        out[subject].resolved_year = len(days)
        out[subject].resolution_days_avg = sum(days) / len(days)
    return dict(out)


def initiative_counts(
    as_of: dt.date, field_name: str, ids: Iterable[int] | None, window_days: int
) -> dict[int, dict[str, Any]]:
    since = as_of - dt.timedelta(days=window_days)
    qs = Initiative.objects.filter(proposed_on__lte=as_of, **{f"{field_name}__isnull": False})
    if ids is not None:
        qs = qs.filter(IdIn(f"{field_name}_id", ids))
    rows = qs.values(field_name).annotate(
        recent=Count("pk", filter=Q(proposed_on__gt=since)),
        accepted=Count("pk", filter=Q(proposed_on__gt=since, outcome="accepted")),
        last=Max("proposed_on"),
    )
    return {row.pop(field_name): row for row in rows}


def value_counts(
    as_of: dt.date, field_name: str, ids: Iterable[int] | None, window_days: int
) -> dict[int, dict[str, Any]]:
    since = as_of - dt.timedelta(days=window_days)
    qs = ValueItem.objects.filter(
        date__lte=as_of, date__gt=since, **{f"{field_name}__isnull": False}
    )
    if ids is not None:
        qs = qs.filter(IdIn(f"{field_name}_id", ids))
    rows = qs.values(field_name).annotate(
        items=Count("pk"),
        communicated=Count("pk", filter=Q(communicated_on__lte=as_of)),
        amount=Sum("amount"),
    )
    return {row.pop(field_name): row for row in rows}


@dataclass(slots=True)
class Job:
    person_id: int
    account_id: int
    function: str
    decision_role: str
    title: str


def jobs_at(
    as_of: dt.date,
    person_ids: Iterable[int] | None = None,
    account_ids: Iterable[int] | None = None,
) -> list[Job]:
    """Employments current at ``as_of``; each person's jobs in the order of
    ``people.rules`` (the first is the job that counts), the same on every database."""
    qs = Employment.objects.filter(jobs_on(as_of))
    if person_ids is not None:
        qs = qs.filter(IdIn("person_id", person_ids))
    if account_ids is not None:
        qs = qs.filter(IdIn("account_id", account_ids))
    return [
        Job(*row)
        for row in qs.order_by("person_id", *job_precedence_order()).values_list(
            "person_id", "account_id", "function", "decision_role", "title"
        )
    ]


def cadence_plans(person_ids: Iterable[int] | None) -> dict[int, tuple[int, str, bool]]:
    qs = ContactPlan.objects.all()
    if person_ids is not None:
        qs = qs.filter(IdIn("person_id", person_ids))
    return {
        pid: (every, channel, agreed)
        for pid, every, channel, agreed in qs.values_list(
            "person_id", "every_days", "channel", "agreed"
        )
    }


@dataclass(slots=True)
class Pair:
    colleague_id: int
    person_id: int
    count: int


def coverage_pairs(
    as_of: dt.date, account_ids: Iterable[int] | None, window_days: int
) -> dict[int, list[Pair]]:
    """Per account, the (colleague, client person) pairs and their shared interactions."""
    t = end_of(as_of)
    # From the interactions, with the links LEFT JOINed: the interactions of the window
    # (through the account and date index) drive the join on SQLite and PostgreSQL alike,
    # whatever the statistics; a link table read first would be read whole.
    qs = Interaction.objects.filter(
        started_at__lt=t,
        started_at__gte=t - dt.timedelta(days=window_days),
        account_id__isnull=False,
    )
    if account_ids is not None:
        qs = qs.filter(IdIn("account_id", account_ids))
    rows = (
        qs.values_list("account_id", "colleague_links__colleague_id", "person_links__person_id")
        # Each link is unique (one per person or colleague and interaction), so a group's
        # rows are distinct interactions: COUNT(*) is the count, without DISTINCT's sort.
        .annotate(n=Count("pk"))
        .order_by()
    )
    out: dict[int, list[Pair]] = defaultdict(list)
    for account_id, colleague_id, person_id, n in rows:
        if person_id is not None and colleague_id is not None:
            out[account_id].append(Pair(colleague_id, person_id, n))
    for pairs in out.values():  # the grouping's order, whatever plan the database chose
        pairs.sort(key=lambda pair: (pair.colleague_id, pair.person_id))
    return dict(out)


def growth_facts(as_of: dt.date, account_ids: Iterable[int] | None) -> dict[int, dict[str, Any]]:
    """Wallet share and product lines for the last complete year and the one before."""
    year = as_of.year - 1
    qs = Holding.objects.filter(year__in=[year, year - 1])
    if account_ids is not None:
        qs = qs.filter(IdIn("account_id", account_ids))
    rows = qs.values("account_id").annotate(
        year_revenue=Sum("revenue", filter=Q(year=year)),
        year_before_revenue=Sum("revenue", filter=Q(year=year - 1)),
        lines=Count("product_line", distinct=True, filter=Q(year=year, revenue__gt=0)),
        lines_before=Count("product_line", distinct=True, filter=Q(year=year - 1, revenue__gt=0)),
    )
    wallets = dict(
        (
            Account.objects.filter(IdIn("pk", account_ids))
            if account_ids is not None
            else Account.objects
        )
        .exclude(wallet_yearly__isnull=True)
        .values_list("pk", "wallet_yearly")
    )
    total_lines = ProductLine.objects.count()
    out = {}
    for row in rows:
        account_id = row.pop("account_id")
        row["revenue"] = row.pop("year_revenue")
        row["revenue_before"] = row.pop("year_before_revenue")
        row["year"] = year
        row["wallet"] = wallets.get(account_id)
        row["total_lines"] = total_lines
        out[account_id] = row
    return out
