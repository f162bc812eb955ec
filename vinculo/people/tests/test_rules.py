"""The job a person held on a date: the SQL rule, its Python twin and the engine's reader
(`health.facts.jobs_at`) give the same job, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from vinculo.health.facts import jobs_at
from vinculo.people.models import Account, Employment, Person
from vinculo.people.rules import JobBook, account_on, job_on

DAY0 = date(2026, 1, 1)


def _every_way(person: Person, day: date) -> tuple[int | None, int | None, int | None]:
    """(SQL, Python twin, the engine's first job) for one person and day."""
    by_sql = account_on(person=person, day=day)
    by_book = JobBook.load([person.pk]).account_on(person.pk, day)
    first = next(iter(jobs_at(day, person_ids=[person.pk])), None)
    return (
        by_sql.pk if by_sql else None,
        by_book,
        first.account_id if first else None,
    )


@pytest.mark.django_db
class TestJobOnADate:
    def test_unknown_start_counts_last_on_every_database(self) -> None:
        # Given an old job of unknown start and a dated one, both still current
        person = Person.objects.create(name="Marta Gil")
        old = Account.objects.create(name="Antigua")
        new = Account.objects.create(name="Nueva")
        Employment.objects.create(person=person, account=old, start=None)
        Employment.objects.create(person=person, account=new, start=date(2025, 5, 1))
        # When each reader is asked before and after the dated job began
        before = _every_way(person, date(2025, 4, 30))
        after = _every_way(person, date(2025, 5, 1))
        # Then all three agree: the unknown start covers the past, the dated job wins
        assert before == (old.pk, old.pk, old.pk)
        assert after == (new.pk, new.pk, new.pk)

    def test_same_start_the_later_row_wins(self) -> None:
        # Given two jobs that began the same day
        person = Person.objects.create(name="Luis Roca")
        first = Account.objects.create(name="Primera")
        second = Account.objects.create(name="Segunda")
        Employment.objects.create(person=person, account=first, start=date(2025, 1, 1))
        Employment.objects.create(person=person, account=second, start=date(2025, 1, 1))
        # When asked for a day both cover
        found = _every_way(person, date(2025, 6, 1))
        # Then the one recorded last counts, whatever the database
        assert found == (second.pk, second.pk, second.pk)

    def test_no_job_on_the_day(self) -> None:
        person = Person.objects.create(name="Eva Sanz")
        account = Account.objects.create(name="Cliente")
        Employment.objects.create(
            person=person, account=account, start=date(2025, 1, 1), end=date(2025, 1, 31)
        )
        assert _every_way(person, date(2025, 2, 1)) == (None, None, None)
        assert job_on(person=person, day=date(2025, 1, 31)) is not None


class TestTwinsAgree(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.person = Person.objects.create(name="Persona")
        cls.accounts = [Account.objects.create(name=f"Cliente {i}") for i in range(3)]

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        jobs=st.lists(
            st.tuples(
                st.integers(0, 2),
                st.none() | st.integers(0, 6),
                st.none() | st.integers(0, 4),
            ),
            max_size=5,
        ),
        offset=st.integers(-1, 10),
    )
    def test_sql_python_and_engine_pick_the_same_job(
        self, jobs: list[tuple[int, int | None, int | None]], offset: int
    ) -> None:
        # Given any jobs (one current job per account, as the database requires)
        current: set[int] = set()
        for account, start_day, length in jobs:
            start = None if start_day is None else DAY0 + timedelta(days=start_day)
            end = None if length is None else (start or DAY0) + timedelta(days=length)
            if end is None and account in current:
                continue
            if end is None:
                current.add(account)
            Employment.objects.create(
                person=self.person, account=self.accounts[account], start=start, end=end
            )
        # When the three readers are asked about one day
        by_sql, by_book, by_engine = _every_way(self.person, DAY0 + timedelta(days=offset))
        # Then they agree
        assert by_sql == by_book == by_engine
