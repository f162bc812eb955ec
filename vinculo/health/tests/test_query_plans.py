"""The query plans of the heavy fact reads, pinned (issue 11).

A full recompute reads the interactions chunk by chunk: the person facts filter the
participant links by about 10,000 ids, the account facts and the coverage pairs filter the
interactions by about 1,000 accounts. Read the wrong way round — the interactions of the
window through the date index, then a probe of the links once per listed id for each of
them — the same statement is thousands of times slower: with the statistics of `ANALYZE`
SQLite chose that plan and a 2,000-account recompute took 1,399 s instead of 15-33 s.

These tests take the statements the fact readers really send, for a chunk of one id and of
10,000, and check their plans under the statistics that led the planner astray:
- SQLite: no statistics, `ANALYZE` of a small demo, `sqlite_stat1` as `ANALYZE` wrote it
  for the 2,000-account demo, and the same scaled to 20,000 accounts (loaded with
  `ANALYZE sqlite_schema`);
- PostgreSQL: `ANALYZE` of a small demo, with the default planner and with hash and merge
  joins disabled (so the planner must choose which side of each nested loop drives).
They assert the essential only: which table drives each join and that the listed ids are
matched once, through an index on SQLite, never once per row of another table.

    .venv/bin/pytest -q -p no:cacheprovider vinculo/health/tests/test_query_plans.py
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from django.db import connection

from vinculo.demo.generator import seed_demo
from vinculo.health import facts
from vinculo.interactions.models import Interaction, InteractionColleague, InteractionPerson

AS_OF = date(2026, 11, 23)
RECENT_DAYS, WINDOW_DAYS = 90, 180

INTERACTIONS = Interaction._meta.db_table
PERSON_LINKS = InteractionPerson._meta.db_table
COLLEAGUE_LINKS = InteractionColleague._meta.db_table

# One person or account, and a chunk of the full run (1,000 accounts and their ~10,000
# people); ids that match no row still shape the plan exactly as real ones do.
CHUNKS = {
    "one": ([1], [1]),
    "chunk": (list(range(1, 10_001)), list(range(1, 1_001))),
}

# sqlite_stat1 as ANALYZE wrote it on the demo at 2,000 accounts (seed 0, 2026-11-23):
# per table, its rows and, per index (by its columns), the average rows per key prefix.
DEMO_2000: dict[str, tuple[int, dict[tuple[str, ...], list[int]]]] = {
    INTERACTIONS: (
        1_001_891,
        {
            ("started_at",): [23],
            ("account_id", "started_at"): [501, 1],
            ("account_id",): [501],
            ("created_by_id",): [1_001_891],
            ("source", "source_id"): [337_122, 1],
        },
    ),
    PERSON_LINKS: (
        1_040_901,
        {
            ("interaction_id",): [1],
            ("person_id",): [54],
            ("person_id", "interaction_id"): [54, 1],
        },
    ),
    COLLEAGUE_LINKS: (
        1_016_902,
        {
            ("interaction_id",): [1],
            ("colleague_id",): [10_170],
            ("colleague_id", "interaction_id"): [10_170, 1],
        },
    ),
}


def _scaled(stats: dict[str, Any], factor: int) -> dict[str, Any]:
    """The same demo at ``factor`` times the accounts: ten times the rows per date and
    per colleague, the same per account and per person."""
    grow = {("started_at",), ("colleague_id",), ("colleague_id", "interaction_id")}
    return {
        table: (
            rows * factor,
            {
                cols: [avg[0] * factor, *avg[1:]] if cols in grow else avg
                for cols, avg in indexes.items()
            },
        )
        for table, (rows, indexes) in stats.items()
    }


DEMO_20000 = _scaled(DEMO_2000, 10)


@pytest.fixture
def demo(db: None) -> Iterator[None]:
    seed_demo(accounts=16, seed=7, as_of=AS_OF)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    yield
    if connection.vendor == "sqlite":  # leave the connection without statistics, as found
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM sqlite_stat1")
            cursor.execute("ANALYZE sqlite_schema")


def heavy_statements(
    person_ids: list[int], account_ids: list[int]
) -> dict[str, tuple[str, list[Any]]]:
    """The statements over the interactions that the fact readers send for one chunk."""
    sent: list[tuple[str, list[Any]]] = []

    def record(execute: Callable[..., Any], sql: str, params: Any, many: bool, ctx: Any) -> Any:
        if INTERACTIONS in sql:
            sent.append((sql, list(params or ())))
        return execute(sql, params, many, ctx)

    with connection.execute_wrapper(record):
        # The per-interaction readers (the reference the daily summary is checked against).
        facts.person_contact_facts_from_interactions(AS_OF, person_ids, RECENT_DAYS, WINDOW_DAYS)
        facts.account_contact_facts_from_interactions(AS_OF, account_ids, RECENT_DAYS, WINDOW_DAYS)
        facts.coverage_pairs(AS_OF, account_ids, WINDOW_DAYS)
    names = ["person aggregates", "person streaks", "account aggregates", "account streaks"]
    assert len(sent) == 5, [sql[:80] for sql, _ in sent]
    return dict(zip([*names, "coverage"], sent, strict=True))


# --- SQLite ------------------------------------------------------------------------------


def _set_sqlite_stats(stats: dict[str, Any] | None) -> None:
    """Replace sqlite_stat1 (None: no statistics) and make the planner reload it."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM sqlite_stat1")
        for table, (rows, by_columns) in (stats or {}).items():
            cursor.execute(f'PRAGMA index_list("{table}")')
            for index in [row[1] for row in cursor.fetchall()]:
                cursor.execute(f'PRAGMA index_info("{index}")')
                columns = tuple(row[2] for row in sorted(cursor.fetchall()))
                # An index this table does not list (a unique key, say): one row per key.
                averages = by_columns.get(columns, [1] * len(columns))
                cursor.execute(
                    "INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (%s, %s, %s)",
                    [table, index, " ".join(str(n) for n in [rows, *averages])],
                )
        cursor.execute("ANALYZE sqlite_schema")


def _sqlite_plan(sql: str, params: list[Any]) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return [row[3] for row in cursor.fetchall()]


def _table_steps(plan: list[str]) -> list[tuple[str, str]]:
    """(table, step) for each step that reads a table, in loop order (outer first)."""
    steps = []
    for line in plan:
        match = re.match(r"(?:SCAN|SEARCH) (\w+)", line)
        if match and match[1] in (INTERACTIONS, PERSON_LINKS, COLLEAGUE_LINKS):
            steps.append((match[1], line))
    return steps


INDEX = r"USING (?:COVERING )?INDEX \w+"
SQLITE_STATS = {"no statistics": "none", "ANALYZE": "analyze", "2,000": DEMO_2000}
SQLITE_STATS["20,000"] = DEMO_20000


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite query plans")
@pytest.mark.parametrize("chunk", CHUNKS)
@pytest.mark.parametrize("stats", SQLITE_STATS)
def test_sqlite_plans_read_a_chunk_from_its_ids(demo: None, stats: str, chunk: str) -> None:
    scenario = SQLITE_STATS[stats]
    if scenario == "none":
        _set_sqlite_stats(None)
    elif scenario != "analyze":
        assert isinstance(scenario, dict)
        _set_sqlite_stats(scenario)
    statements = heavy_statements(*CHUNKS[chunk])

    for name in ("person aggregates", "person streaks"):
        steps = _table_steps(_sqlite_plan(*statements[name]))
        # The links of the listed people drive; each interaction is then one rowid lookup.
        assert [table for table, _ in steps] == [PERSON_LINKS, INTERACTIONS], (name, steps)
        assert re.fullmatch(rf"SEARCH {PERSON_LINKS} {INDEX} \(person_id=\?\)", steps[0][1])
        assert steps[1][1] == f"SEARCH {INTERACTIONS} USING INTEGER PRIMARY KEY (rowid=?)"

    aggregates = _table_steps(_sqlite_plan(*statements["account aggregates"]))
    assert aggregates == [
        (
            INTERACTIONS,
            f"SEARCH {INTERACTIONS} USING INDEX interaction_account_date "
            "(account_id=? AND started_at<?)",
        )
    ]
    streaks = _table_steps(_sqlite_plan(*statements["account streaks"]))
    assert streaks == [
        (
            INTERACTIONS,
            f"SEARCH {INTERACTIONS} USING INDEX interaction_account_date "
            "(account_id=? AND started_at>? AND started_at<?)",
        )
    ]

    coverage = _table_steps(_sqlite_plan(*statements["coverage"]))
    # The interactions of the window drive (never a link table read whole) and each
    # interaction's links are found by its id.
    assert [table for table, _ in coverage] == [INTERACTIONS, COLLEAGUE_LINKS, PERSON_LINKS]
    assert re.fullmatch(
        rf"SEARCH {INTERACTIONS} {INDEX} \((?:account_id=\? AND )?started_at>\? AND "
        r"started_at<\?\)",
        coverage[0][1],
    ), coverage
    for table, step in coverage[1:]:
        assert re.fullmatch(rf"SEARCH {table} {INDEX} \(interaction_id=\?\)( LEFT-JOIN)?", step)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite query plans")
def test_sqlite_statistics_are_the_ones_given(demo: None) -> None:
    """The scenarios above really change what the planner believes (else they test nothing)."""
    sql, params = heavy_statements(*CHUNKS["chunk"])["person streaks"]
    # The same join written for the planner to order as it likes, as before the fix.
    free = sql.replace(" CROSS JOIN ", " JOIN ")
    _set_sqlite_stats(DEMO_2000)
    assert any("interaction_date" in step for _, step in _table_steps(_sqlite_plan(free, params)))
    _set_sqlite_stats(None)
    assert not any("interaction_date" in line for line in _sqlite_plan(free, params))


# --- PostgreSQL --------------------------------------------------------------------------


def _pg_plan(sql: str, params: list[Any], settings: list[str]) -> dict[str, Any]:
    with connection.cursor() as cursor:
        for setting in settings:
            cursor.execute(f"SET LOCAL {setting} = off")
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
        for setting in settings:
            cursor.execute(f"RESET {setting}")
    return (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]


def _nodes(node: dict[str, Any], inner: bool = False) -> Iterator[tuple[dict[str, Any], bool]]:
    """Every node with whether it runs once per row of an outer loop (a nested loop's inner
    side, or below it)."""
    yield node, inner
    for child in node.get("Plans", []):
        rescanned = node["Node Type"] == "Nested Loop" and child["Parent Relationship"] == "Inner"
        yield from _nodes(child, inner or rescanned)


def _conditions(node: dict[str, Any]) -> str:
    return " ".join(str(node.get(key, "")) for key in ("Index Cond", "Filter", "Recheck Cond"))


PG_SETTINGS = {"default planner": [], "nested loops only": ["enable_hashjoin", "enable_mergejoin"]}


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL query plans")
@pytest.mark.parametrize("chunk", CHUNKS)
@pytest.mark.parametrize("planner", PG_SETTINGS)
def test_postgresql_plans_match_the_ids_once(demo: None, planner: str, chunk: str) -> None:
    statements = heavy_statements(*CHUNKS[chunk])
    expected = {
        "person aggregates": (PERSON_LINKS, "person_id"),
        "person streaks": (PERSON_LINKS, "person_id"),
        "account aggregates": (INTERACTIONS, "account_id"),
        "account streaks": (INTERACTIONS, "account_id"),
        "coverage": (INTERACTIONS, "account_id"),
    }
    for name, (table, column) in expected.items():
        plan = _pg_plan(*statements[name], PG_SETTINGS[planner])
        listed = [
            (node, inner)
            for node, inner in _nodes(plan)
            # "= ANY (...)" for a list, "= 1" for one id
            if re.search(rf"\b{column} = (?:ANY \(|\d)", _conditions(node))
        ]
        # The ids are matched where the rows of `table` are read, once: never on the inner
        # side of a nested loop, where they would be matched again for each outer row.
        assert {node["Relation Name"] for node, _ in listed if "Relation Name" in node} == {
            table
        }, (name, listed)
        assert not any(inner for _, inner in listed), (name, plan)
        # And no other table is read once per row of the chunk's interactions with a filter
        # on ids: the links are found by the interaction (a hash, or the interaction_id index).
        for node, inner in _nodes(plan):
            if inner and node.get("Relation Name") in (PERSON_LINKS, COLLEAGUE_LINKS):
                assert "interaction_id = " in _conditions(node), (name, node)


# --- the daily summary (issue 16) --------------------------------------------------------

SUMMARY = "health_interactiondaysummary"


def summary_statements(
    person_ids: list[int], account_ids: list[int]
) -> list[tuple[str, str, list[Any]]]:
    """(subject, sql, params) of the statements the summary readers and the refresh send."""
    from vinculo.health.summary import _sql

    sent: list[tuple[str, str, list[Any]]] = []
    kind = ["person"]

    def record(execute: Callable[..., Any], sql: str, params: Any, many: bool, ctx: Any) -> Any:
        if SUMMARY in sql and sql.lstrip().startswith("SELECT"):
            sent.append((kind[0], sql, list(params or ())))
        return execute(sql, params, many, ctx)

    with connection.execute_wrapper(record):
        facts.person_contact_facts(AS_OF, person_ids, RECENT_DAYS, WINDOW_DAYS)
        kind[0] = "account"
        facts.account_contact_facts(AS_OF, account_ids, RECENT_DAYS, WINDOW_DAYS)
    # Per kind: the windowed sums with the all-time moments (one statement), then the
    # moments alone of the subjects with no day in the window, when there are some.
    windowed = [subject for subject, sql, _ in sent if sql.startswith("SELECT g.s, ")]
    assert windowed == ["person", "account"], [sql[:80] for _, sql, _ in sent]
    assert len(sent) <= 4, [sql[:80] for _, sql, _ in sent]
    # The refresh of a chunk (what the services and importers run): its SELECT part.
    for subject, ids in (("person", person_ids[:900]), ("account", account_ids[:900])):
        _delete, insert, params = _sql(subject, ids)
        sent.append((f"{subject} refresh", insert[insert.index(" SELECT ") + 1 :], params))
    return sent


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite query plans")
@pytest.mark.parametrize("chunk", CHUNKS)
@pytest.mark.parametrize("stats", ["no statistics", "ANALYZE"])
def test_sqlite_summary_plans_read_a_range_per_id(demo: None, stats: str, chunk: str) -> None:
    if stats == "no statistics":
        _set_sqlite_stats(None)
    for subject, sql, params in summary_statements(*CHUNKS[chunk]):
        plan = _sqlite_plan(sql, params)
        if subject.endswith("refresh"):
            steps = _table_steps(plan)
            if subject.startswith("person"):
                # The chunk's links drive, each interaction by its rowid.
                assert [t for t, _ in steps] == [PERSON_LINKS, INTERACTIONS], plan
                assert re.fullmatch(rf"SEARCH {PERSON_LINKS} {INDEX} \(person_id=\?\)", steps[0][1])
            else:  # the account's interactions through an index on account_id
                assert len(steps) == 1, plan
                assert re.fullmatch(
                    rf"SEARCH {INTERACTIONS} {INDEX} \(account_id=\?\)", steps[0][1]
                )
            continue
        # (the per-subject probes of the summary after the grouping are aliased "o")
        reads = [line for line in plan if re.match(rf"(?:SCAN|SEARCH) (?:{SUMMARY}|o)\b", line)]
        # One range of the (subject, day) index per listed id; never the table scanned.
        assert reads and all(
            re.fullmatch(
                # a unique constraint's index: SQLite names it sqlite_autoindex_<table>_N
                rf"SEARCH (?:{SUMMARY}|o) USING INDEX sqlite_autoindex_{SUMMARY}_\d "
                rf"\({subject}_id=\? AND day[<>]\?(?: AND day<\?)?\)",
                line,
            )
            for line in reads
        ), (subject, plan)


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL query plans")
@pytest.mark.parametrize("chunk", CHUNKS)
@pytest.mark.parametrize("planner", PG_SETTINGS)
def test_postgresql_summary_plans_match_the_ids_once(demo: None, planner: str, chunk: str) -> None:
    for subject, sql, params in summary_statements(*CHUNKS[chunk]):
        plan = _pg_plan(sql, params, PG_SETTINGS[planner])
        kind = subject.split()[0]
        column = f"{kind}_id"
        listed = [
            (node, inner)
            for node, inner in _nodes(plan)
            if re.search(rf"\b{column} = (?:ANY \(|\d)", _conditions(node))
        ]
        table = (
            SUMMARY
            if not subject.endswith("refresh")
            else (PERSON_LINKS if kind == "person" else INTERACTIONS)
        )
        assert {node["Relation Name"] for node, _ in listed if "Relation Name" in node} == {
            table
        }, (subject, listed)
        assert not any(inner for _, inner in listed), (subject, plan)


# --- the full run's coverage pairs (issue 16) ---------------------------------------------


def full_run_coverage_statement() -> tuple[str, list[Any]]:
    """The statement a full run sends once for every account's coverage pairs (on
    PostgreSQL; SQLite reads them per chunk, the plans above)."""
    sent: list[tuple[str, list[Any]]] = []

    def record(execute: Callable[..., Any], sql: str, params: Any, many: bool, ctx: Any) -> Any:
        if INTERACTIONS in sql:
            sent.append((sql, list(params or ())))
        return execute(sql, params, many, ctx)

    with connection.execute_wrapper(record):
        facts.coverage_pairs(AS_OF, None, WINDOW_DAYS)
    assert len(sent) == 1, [sql[:80] for sql, _ in sent]
    return sent[0]


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL query plans")
@pytest.mark.parametrize("planner", PG_SETTINGS)
def test_postgresql_full_run_coverage_probes_links_by_interaction(demo: None, planner: str) -> None:
    plan = _pg_plan(*full_run_coverage_statement(), PG_SETTINGS[planner])
    nodes = list(_nodes(plan))
    # Each table is read once (a scan or a hash of it), or, on the inner side of a nested
    # loop, by the interaction's id: never filtered row by row on another condition.
    for node, inner in nodes:
        if inner and node.get("Relation Name") in (PERSON_LINKS, COLLEAGUE_LINKS):
            assert "interaction_id = " in _conditions(node), node
        if inner and node.get("Relation Name") == INTERACTIONS:
            assert re.search(r"\bid = ", _conditions(node)), node
    read = {node.get("Relation Name") for node, _ in nodes}
    assert {INTERACTIONS, PERSON_LINKS, COLLEAGUE_LINKS} <= read


# --- Today and the people list of an account manager (issue 16) ---------------------------

# The tables whose reading must follow the reader's own subjects: at 20,000 accounts
# PostgreSQL read all 200,000 people (and the plays, promises and complaints) once per
# statement when the scope was an OR of ``IN (subquery)`` tests, Today 2.6-3.5 s.
SCOPED_TABLES = (
    "people_person",
    "people_employment",
    "health_play",
    "health_healthsnapshot",
    "commitments_commitment",
    "commitments_complaint",
    "interactions_interactionperson",
)


def page_statements() -> dict[str, tuple[str, list[Any]]]:
    """The statements of Today's ``agenda_for`` and of the people list (its count and its
    first page) for the demo's account manager."""
    from django.core.paginator import Paginator
    from django.http import QueryDict

    from vinculo.health.agenda import agenda_for
    from vinculo.users.models import User
    from vinculo.web import lists

    lucia = User.objects.get(username="lucia")
    sent: list[tuple[str, list[Any]]] = []

    def record(execute: Callable[..., Any], sql: str, params: Any, many: bool, ctx: Any) -> Any:
        sent.append((sql, list(params or ())))
        return execute(sql, params, many, ctx)

    with connection.execute_wrapper(record):
        agenda_for(day=AS_OF, user=lucia)
        _chosen, people = lists.people_for(QueryDict(""), user=lucia)
        list(Paginator(people, 50).page(1).object_list)
    names = [
        "settings", "reader", "plays", "contacts due", "promises", "complaints",
        "jobs", "people", "accounts", "list count", "list page", "list jobs",
    ]  # fmt: skip
    assert len(sent) == len(names), [sql[:80] for sql, _ in sent]
    return dict(zip(names, sent, strict=True))


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite query plans")
def test_sqlite_today_and_people_list_read_the_readers_subjects(demo: None) -> None:
    """Without statistics (a fresh SQLite file: nothing runs ANALYZE until a recompute
    has); with the statistics of a small demo SQLite rightly reads its few jobs whole."""
    _set_sqlite_stats(None)
    for name, (sql, params) in page_statements().items():
        plan = _sqlite_plan(sql, params)
        # Every read of these tables is an index range (or a rowid), never the table read
        # whole; the scope's UNION parts each through their own index.
        scans = [
            line
            for line in plan
            if re.match(rf"SCAN (?:{'|'.join(SCOPED_TABLES)})\b", line)
            or re.match(r"SCAN [UVWXY]\d\b", line)
        ]
        assert not scans, (name, "\n".join(plan), sql)


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL query plans")
def test_postgresql_today_and_people_list_can_read_the_readers_subjects(demo: None) -> None:
    """On a small demo PostgreSQL rightly reads small tables whole; what must hold at any
    size is that an index path exists: with sequential scans priced out, none of the
    scoped tables is read whole (an OR of ``IN (subquery)`` tests has no index path and
    stays a sequential scan whatever its price)."""
    for name, (sql, params) in page_statements().items():
        plan = _pg_plan(sql, params, ["enable_seqscan"])
        whole = [
            node["Relation Name"]
            for node, _inner in _nodes(plan)
            if node["Node Type"] == "Seq Scan" and node.get("Relation Name") in SCOPED_TABLES
        ]
        assert not whole, (name, whole)


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL settings")
def test_postgresql_full_run_does_not_jit_compile_its_statements(db: None) -> None:
    """A full run turns PostgreSQL's JIT off for its transaction (compiling its big
    statements cost more than it saved); the setting ends with the transaction."""
    from vinculo.health.services import health_recompute

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = on")  # whatever the server's default
        health_recompute(as_of=AS_OF, sync_plays=False)
        cursor.execute("SHOW jit")  # still in the test's transaction
        assert cursor.fetchone()[0] == "off"
