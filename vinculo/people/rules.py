"""Which job a person held on a date: one rule, as SQL and as its Python twin.

A person may hold several jobs on one day (a consultant at two clients, a move recorded
with an overlap). The job that counts is the most recently started one; a job whose start
is unknown counts last (it covers the past, but anything dated wins over it); between two
jobs with the same start, the one recorded last (the higher id). The interactions, the
promises and the engine all ask this question; they all ask it here.

``job_covers`` / ``job_precedence`` are the Python twin of ``jobs_on`` / ``JOB_PRECEDENCE``
for bulk work that must answer before rows exist (the bundle importer); the tests in
``people/tests/test_rules.py`` and ``interactions/tests/test_accounts_at_dates.py`` check
that both give the same answer, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import F, OrderBy, Q

from vinculo.bulk import values_for_ids
from vinculo.people.models import Account, Employment, Person


def jobs_on(day: Any, prefix: str = "") -> Q:
    """The jobs that cover ``day`` (a date or an expression), both ends included."""
    return (Q(**{f"{prefix}start__isnull": True}) | Q(**{f"{prefix}start__lte": day})) & (
        Q(**{f"{prefix}end__isnull": True}) | Q(**{f"{prefix}end__gte": day})
    )


def job_precedence_order(prefix: str = "") -> list[OrderBy]:
    """ORDER BY for the jobs of one person: the one that counts first.

    NULLS LAST is spelled out: PostgreSQL puts NULL first in a descending order, SQLite
    last, and the rule must not depend on the database.
    """
    return [F(f"{prefix}start").desc(nulls_last=True), F(f"{prefix}id").desc()]


def job_covers(start: date | None, end: date | None, day: date) -> bool:
    return (start is None or start <= day) and (end is None or end >= day)


def job_precedence(start: date | None, pk: int) -> tuple[bool, int, int]:
    """Sort key: the job that counts sorts first (the twin of ``job_precedence_order``)."""
    return (start is None, -start.toordinal() if start is not None else 0, -pk)


def job_on(*, person: Person | int, day: date) -> Employment | None:
    """The job that counts for a person on a day (with its account), or None."""
    person_id = person if isinstance(person, int) else person.pk
    return (
        Employment.objects.filter(jobs_on(day), person_id=person_id)
        .select_related("account")
        .order_by(*job_precedence_order())
        .first()
    )


def account_on(*, person: Person | int, day: date) -> Account | None:
    """Where a person worked on a day, by the rule above."""
    job = job_on(person=person, day=day)
    return job.account if job is not None else None


@dataclass(slots=True)
class _Job:
    start: date | None
    end: date | None
    account_id: int
    pk: int


@dataclass
class JobBook:
    """Every job of a set of people, read at once, to answer many dates in Python.

    One query per 900 people; the jobs of each person are kept in precedence order, so
    the first that covers a day is the one the SQL would pick.
    """

    jobs: dict[int, list[_Job]] = field(default_factory=dict)

    @classmethod
    def load(cls, person_ids: Iterable[int]) -> JobBook:
        book = cls()
        rows = values_for_ids(
            Employment.objects.order_by(), set(person_ids), "person_id", "start", "end",
            "account_id", "pk", field="person_id",
        )  # fmt: skip
        for person_id, start, end, account_id, pk in rows:
            book.jobs.setdefault(person_id, []).append(_Job(start, end, account_id, pk))
        for person_jobs in book.jobs.values():
            person_jobs.sort(key=lambda job: job_precedence(job.start, job.pk))
        return book

    def account_on(self, person_id: int, day: date) -> int | None:
        for job in self.jobs.get(person_id, ()):
            if job_covers(job.start, job.end, day):
                return job.account_id
        return None

    def first_account_on(self, person_ids: Sequence[int], day: date) -> int | None:
        """The account of the first of ``person_ids`` who had a job that day."""
        for person_id in person_ids:
            account_id = self.account_on(person_id, day)
            if account_id is not None:
                return account_id
        return None
