"""The daily summary (``health.summary``): the same facts as the interactions, kept right by
every kind of write, and snapshots stored only when health changed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone

from vinculo.capture.tests.helpers import FIXTURES, run
from vinculo.demo.generator import seed_demo
from vinculo.health import facts as f
from vinculo.health.models import HealthRun, HealthSnapshot, InteractionDaySummary
from vinculo.health.services import health_recompute
from vinculo.health.summary import summary_rebuild, summary_verify, summary_verify_for
from vinculo.health.tests.stories import AS_OF, Story, at, days_before
from vinculo.interactions.models import Interaction, InteractionPerson
from vinculo.interactions.services import interaction_log, interaction_set_level
from vinculo.people.models import Account, Employment, Person
from vinculo.people.services import employment_end, employment_start, person_merge
from vinculo.vocab import Channel, Direction, Function, Level

pytestmark = pytest.mark.django_db

DEMO_AS_OF = dt.date(2026, 11, 23)


def _rows() -> list[tuple[Any, ...]]:
    return list(
        InteractionDaySummary.objects.order_by("person_id", "account_id", "day").values_list(
            "person_id", "account_id", "day", *(n for n in _COLUMNS)
        )
    )


_COLUMNS = [
    f.name
    for f in InteractionDaySummary._meta.concrete_fields
    if f.name not in ("id", "person", "account", "day")
]


def assert_summary_fresh() -> None:
    """The summary as the writes left it equals a rebuild from the interactions."""
    kept = _rows()
    with transaction.atomic():
        summary_rebuild()
        rebuilt = _rows()
        transaction.set_rollback(True)
    assert kept == rebuilt
    assert rebuilt  # there is something to compare


def _same(a: f.ContactFacts, b: f.ContactFacts) -> bool:
    for name in a.__slots__:  # type: ignore[attr-defined]
        x, y = getattr(a, name), getattr(b, name)
        if isinstance(x, float) and isinstance(y, float):
            if abs(x - y) > 1e-9 * max(1.0, abs(x)):
                return False
        elif x != y:
            return False
    return True


@pytest.mark.parametrize(
    ("as_of", "recent", "window"),
    [(DEMO_AS_OF, 90, 180), (DEMO_AS_OF, 30, 400), (dt.date(2025, 3, 30), 60, 90)],
)
def test_summary_gives_the_facts_of_the_interactions(
    as_of: dt.date, recent: int, window: int
) -> None:
    """On the demo (three years, every channel, direction and level, summer time changes
    included), for everyone and for a chunk of ids: the same facts, field by field."""
    seed_demo(accounts=6, seed=11, as_of=DEMO_AS_OF)
    assert summary_verify()  # the seed built it
    people = sorted(Person.objects.values_list("pk", flat=True))
    accounts = sorted(Account.objects.values_list("pk", flat=True))
    for ids in (None, people[::3]):
        old = f.person_contact_facts_from_interactions(as_of, ids, recent, window)
        new = f.person_contact_facts(as_of, ids, recent, window)
        assert old.keys() == new.keys()
        assert len(old) > 10
        assert [k for k in old if not _same(old[k], new[k])] == []
    assert sum(c.unanswered_streak for c in old.values()) > 0
    for ids in (None, accounts[::2]):
        old = f.account_contact_facts_from_interactions(as_of, ids, recent, window)
        new = f.account_contact_facts(as_of, ids, recent, window)
        assert old.keys() == new.keys()
        assert [k for k in old if not _same(old[k], new[k])] == []


def test_summary_moments_before_the_window_are_the_interactions_ones() -> None:
    """The all-time moments come with the windowed sums (one pass): a subject's first
    contact, last two-way and last inbound contact from its days before the longest window
    when the window has none, and subjects with no day in the window at all, are the
    interactions' own, pinned, for a chunk of ids and for everyone."""
    s = Story.new("Old Co")
    for name in ("Ana", "Gone", "Mail", "Fresh"):
        s.person(name)
    s.colleague("Luis")
    s.talk(days_before(900), ["Luis"], ["Ana"], channel=Channel.CALL)  # first contact
    s.talk(days_before(800), ["Luis"], ["Ana"], direction=Direction.INBOUND)
    s.talk(days_before(20), ["Luis"], ["Ana"], channel=Channel.EMAIL)  # not two-way
    s.talk(days_before(400), ["Luis"], ["Gone"], channel=Channel.CALL)  # nothing in a year
    s.talk(days_before(700), ["Luis"], ["Mail"], channel=Channel.EMAIL)
    s.talk(days_before(3), ["Luis"], ["Mail"], channel=Channel.EMAIL)
    s.talk(days_before(2), ["Luis"], ["Fresh"], direction=Direction.INBOUND)
    summary_rebuild()  # the story writes around the services
    ids = sorted(p.pk for p in s.people.values())
    for chunk in (ids, None):
        old = f.person_contact_facts_from_interactions(AS_OF, chunk, 90, 180)
        new = f.person_contact_facts(AS_OF, chunk, 90, 180)
        assert sorted(new) == sorted(old)
        if chunk is not None:  # a chunk's facts in id order, whatever the plan
            assert list(new) == sorted(new)
        assert [k for k in old if not _same(old[k], new[k])] == []
    ana, gone, mail, fresh = (new[s.people[n].pk] for n in ("Ana", "Gone", "Mail", "Fresh"))
    assert (ana.first_at, ana.last_two_way_at, ana.last_inbound_at, ana.recent) == (
        at(days_before(900)),
        at(days_before(800)),
        at(days_before(800)),
        1,
    )
    assert (gone.first_at, gone.last_two_way_at, gone.recent, gone.total_window) == (
        at(days_before(400)),
        at(days_before(400)),
        0,
        0,
    )
    assert (mail.first_at, mail.last_two_way_at, mail.last_inbound_at) == (
        at(days_before(700)),
        None,
        None,
    )
    assert (fresh.first_at, fresh.last_inbound_at) == (at(days_before(2)),) * 2
    for chunk in ([s.account.pk], None):
        old = f.account_contact_facts_from_interactions(AS_OF, chunk, 90, 180)
        new = f.account_contact_facts(AS_OF, chunk, 90, 180)
        assert old.keys() == new.keys() == {s.account.pk}
        assert _same(old[s.account.pk], new[s.account.pk])
    assert new[s.account.pk].last_inbound_at == at(days_before(2))


def _story() -> Story:
    s = Story.new("Acme")
    s.person("Ana", Function.PURCHASING)
    s.person("Pedro", Function.PRODUCTION)
    s.colleague("Luis", Function.SALES)
    s.every(10, 5, ["Luis"], ["Ana"])
    s.talk(days_before(3), ["Luis"], ["Ana", "Pedro"], channel=Channel.EMAIL)
    summary_rebuild()  # the story writes around the services
    return s


def test_summary_stays_right_after_logging_and_setting_a_level() -> None:
    s = _story()
    logged = interaction_log(
        started_at=timezone.make_aware(dt.datetime.combine(days_before(1), dt.time(9))),
        channel=Channel.CALL,
        direction=Direction.INBOUND,
        people=[s.people["Pedro"]],
        duration_min=12,
    )
    assert_summary_fresh()
    interaction_set_level(interaction=logged, level=Level.STRATEGIC)
    assert_summary_fresh()
    row = InteractionDaySummary.objects.get(person=s.people["Pedro"], day=days_before(1))
    assert (row.n, row.n_inbound, row.n_high, row.live_minutes) == (1, 1, 1, 12)


def test_summary_stays_right_when_jobs_move_interactions_between_accounts() -> None:
    s = _story()
    other = Account.objects.create(name="Other", key="other")
    ana = s.people["Ana"]
    job = Employment.objects.get(person=ana)
    # Ana left Acme 20 days ago for Other: her last interaction (with Pedro, she is
    # listed first) moves there.
    employment_end(employment=job, end=days_before(20))
    employment_start(person=ana, account=other, start=days_before(19))
    assert InteractionDaySummary.objects.filter(account=other).exists()
    assert_summary_fresh()


def test_summary_stays_right_after_merging_people() -> None:
    s = _story()
    twin = Person.objects.create(name="Ana bis", key="ana-bis")
    interaction_log(
        started_at=timezone.make_aware(dt.datetime.combine(days_before(3), dt.time(16))),
        channel=Channel.MEETING,
        people=[twin, s.people["Ana"]],
        duration_min=30,
    )
    interaction_log(
        started_at=timezone.make_aware(dt.datetime.combine(days_before(2), dt.time(16))),
        channel=Channel.VIDEO,
        people=[twin],
        duration_min=30,
    )
    person_merge(keep=s.people["Ana"], remove=twin)
    assert not InteractionDaySummary.objects.filter(person_id=twin.pk).exists()
    assert_summary_fresh()


def test_summary_stays_right_after_calendar_imports_edits_and_deletes(tmp_path: Path) -> None:
    from vinculo.capture.tests.helpers import account, colleague

    colleague("ana@nosotros.example", "Ana Ruiz")
    account("Cliente S.A.", "cliente.example")
    wide = ("--from", "2000-01-01", "--until", "2030-12-31")
    run("import_ics", FIXTURES / "weekly_review.ics", *wide)  # creates
    assert Interaction.objects.count() == 5
    assert_summary_fresh()
    text = (FIXTURES / "weekly_review.ics").read_text()
    exdate = "EXDATE;TZID=Europe/Madrid:20250320T100000"
    fewer = tmp_path / "fewer.ics"
    fewer.write_text(text.replace(exdate, exdate + ",20250327T100000"))
    run("import_ics", fewer, *wide)  # removes one instance
    assert Interaction.objects.count() == 4
    assert_summary_fresh()
    # One event, then a later version moved to the next day and shortened (an update),
    # then cancelled (a delete).
    body = (
        "UID:demo-1", "DTSTAMP:20250101T000000Z", "SUMMARY:Visita",
        "ORGANIZER:mailto:ana@nosotros.example", "ATTENDEE:mailto:eva@cliente.example",
    )  # fmt: skip
    versions = {
        "v1.ics": (*body, "SEQUENCE:1", "DTSTART:20250605T100000Z", "DTEND:20250605T110000Z"),
        "v2.ics": (*body, "SEQUENCE:2", "DTSTART:20250606T100000Z", "DTEND:20250606T103000Z"),
    }
    for name, lines in versions.items():
        run("import_ics", _ics(tmp_path, name, *lines))
        assert_summary_fresh()
    eva = Person.objects.get(emails__email="eva@cliente.example")
    assert list(InteractionDaySummary.objects.filter(person=eva).values_list("day", "minutes")) == [
        (dt.date(2025, 6, 6), 30)
    ]
    cancel = (*body, "SEQUENCE:3", "DTSTART:20250606T100000Z", "STATUS:CANCELLED")
    run("import_ics", _ics(tmp_path, "v3.ics", *cancel, method="CANCEL"))
    assert not InteractionDaySummary.objects.filter(person=eva).exists()
    assert_summary_fresh()


def _ics(tmp_path: Path, name: str, *body: str, method: str = "REQUEST") -> Path:
    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN", f"METHOD:{method}",
        "BEGIN:VEVENT", *body, "END:VEVENT", "END:VCALENDAR",
    ]  # fmt: skip
    path = tmp_path / name
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode())
    return path


def test_summary_stays_right_after_a_bundle_import(tmp_path: Path) -> None:
    from vinculo.exchange.bundle import bundle_import

    s = _story()
    folder = tmp_path / "bundle"
    folder.mkdir()
    (folder / "interactions.csv").write_text(
        "key,start,duration_min,channel,place,direction,level,summary,our,their,source\n"
        f"i1,{days_before(2)}T10:00:00+01:00,30,meeting,,inbound,strategic,Plan,,ana,import\n"
        f"i2,{days_before(2)}T12:00:00+01:00,5,email,,outbound,,Hola,,ana;pedro,import\n"
    )
    report = bundle_import(path=folder)
    assert report.ok, report.problems
    assert Interaction.objects.filter(key__isnull=False).count() == 2
    assert InteractionPerson.objects.filter(person=s.people["Pedro"]).count() == 2
    assert_summary_fresh()


def test_a_full_run_notices_rows_written_around_the_services() -> None:
    """Rows written with the ORM (a script, a test story) leave the summary behind; the
    full run's check of the totals rebuilds it, so health never reads stale days."""
    s = _story()
    s.talk(days_before(1), ["Luis"], ["Pedro"], channel=Channel.CALL)  # around the services
    assert not summary_verify()  # it noticed, and rebuilt
    assert_summary_fresh()
    assert summary_verify()


def test_a_scoped_run_checks_its_subjects_in_one_statement_and_refreshes_the_stale() -> None:
    """The incremental update's check (``summary_verify_for``): both kinds of subject in
    one statement; a person and an account whose rows were written around the services
    are refreshed, the others left as they are."""
    s = _story()
    s.talk(days_before(1), ["Luis"], ["Pedro"], channel=Channel.CALL)  # around the services
    people = [s.people["Ana"].pk, s.people["Pedro"].pk]
    sent: list[tuple[str, list[Any]]] = []

    def record(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if "pg_advisory" not in sql:  # PostgreSQL's advisory locks
            sent.append((sql, list(params or ())))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        summary_verify_for(people, [s.account.pk])
    assert sent[0][0].startswith("SELECT") and sent[0][0].count(" UNION ALL ") == 3
    # Refreshed: Pedro (the new call) and the account, not Ana.
    assert [(sql.split()[0], params) for sql, params in sent[1:] if sql.startswith("DELETE")] == [
        ("DELETE", [s.people["Pedro"].pk]),
        ("DELETE", [s.account.pk]),
    ]
    assert [sql.split()[0] for sql, _ in sent[1:]] == ["DELETE", "INSERT", "DELETE", "INSERT"]
    assert_summary_fresh()
    sent.clear()
    with connection.execute_wrapper(record):
        summary_verify_for(people, [s.account.pk])
    assert len(sent) == 1  # all fresh: the check alone


def test_snapshots_are_not_stored_again_when_health_did_not_change() -> None:
    s = _story()
    health_recompute(as_of=AS_OF, sync_plays=False)
    first = HealthSnapshot.objects.filter(as_of=AS_OF).count()
    assert first == 3  # Ana, Pedro and Acme
    # A week later Ana's and Acme's days since the last two-way contact moved on; Pedro
    # was only e-mailed (never two-way), so nothing of his changed: no new row for him.
    later = AS_OF + dt.timedelta(days=7)
    health_recompute(as_of=later, sync_plays=False)
    stored = HealthSnapshot.objects.filter(as_of=later)
    assert sorted(str(h.person or h.account) for h in stored) == ["Acme", "Ana"]
    health_recompute(as_of=later, sync_plays=False)  # the same day again: replaced, same
    assert HealthSnapshot.objects.filter(as_of=later).count() == 2
    from vinculo.health.selectors import health_on

    pedro = health_on(as_of=later, person=s.people["Pedro"])
    assert pedro is not None and pedro.as_of == AS_OF
    # A person with no facts at all has the same health every day: one row, then none.
    loner = Person.objects.create(name="Nadie", key="nadie")
    health_recompute(as_of=later + dt.timedelta(days=1), sync_plays=False)
    health_recompute(as_of=later + dt.timedelta(days=2), sync_plays=False)
    assert list(HealthSnapshot.objects.filter(person=loner).values_list("as_of", flat=True)) == [
        later + dt.timedelta(days=1)
    ]
    # ...and its health on the later day is still read (the latest on or before it).
    day_after = later + dt.timedelta(days=2)
    assert health_on(as_of=day_after, person=loner).as_of == later + dt.timedelta(days=1)
    assert HealthRun.objects.filter(as_of=day_after).exists()
