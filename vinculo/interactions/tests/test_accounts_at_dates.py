"""`accounts_at_dates` (Python, used by the bundle importer before the INSERT) and
`interactions_assign_accounts` (SQL, everywhere else) must give every interaction the same
account: the rule lives in two places."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from vinculo.interactions.models import Interaction, InteractionPerson
from vinculo.interactions.services import accounts_at_dates, interactions_assign_accounts
from vinculo.people.models import Account, Employment, Person
from vinculo.vocab import Channel

# Around the switch to summer time in Madrid (2026-03-29), where the local date and the
# UTC date differ for one hour a day in winter and two in summer.
DAY0 = date(2026, 3, 26)
PEOPLE = 3
ACCOUNTS = 3


def _by_sql(rows: list[tuple[datetime, list[int]]]) -> list[int | None]:
    """Store the interactions with their links in order, let the SQL decide."""
    created = Interaction.objects.bulk_create(
        [Interaction(started_at=started_at, channel=Channel.CALL) for started_at, _ in rows]
    )
    InteractionPerson.objects.bulk_create(
        [
            InteractionPerson(interaction=interaction, person_id=person)
            for interaction, (_, people) in zip(created, rows, strict=True)
            for person in people
        ]
    )
    pks = [i.pk for i in created]
    interactions_assign_accounts(Interaction.objects.filter(pk__in=pks))
    found = dict(Interaction.objects.filter(pk__in=pks).values_list("pk", "account_id"))
    return [found[pk] for pk in pks]


def _jobs(draw: st.DrawFn) -> list[tuple[int, int, date | None, date | None]]:
    """Jobs as (person, account, start, end): overlapping, moves, unknown starts and
    ends, and two jobs of one person with the same start (or both unknown), which the
    later row decides."""
    jobs: list[tuple[int, int, date | None, date | None]] = []
    current: set[tuple[int, int]] = set()
    for _ in range(draw(st.integers(0, 6))):
        person = draw(st.integers(0, PEOPLE - 1))
        account = draw(st.integers(0, ACCOUNTS - 1))
        start = draw(st.none() | st.integers(0, 8).map(lambda d: DAY0 + timedelta(days=d)))
        length = draw(st.none() | st.integers(0, 4))
        end = None if length is None else (start or DAY0) + timedelta(days=length)
        if end is None and (person, account) in current:
            continue
        if end is None:
            current.add((person, account))
        jobs.append((person, account, start, end))
    return jobs


@st.composite
def _cases(
    draw: st.DrawFn,
) -> tuple[list[tuple[int, int, date | None, date | None]], list[tuple[datetime, list[int]]]]:
    jobs = _jobs(draw)
    instants = st.datetimes(
        min_value=datetime(2026, 3, 25, 12), max_value=datetime(2026, 4, 5), timezones=st.just(UTC)
    )
    # Most draws near midnight (local or UTC): where a wrong time zone shows.
    near_midnight = st.builds(
        lambda day, minute: (
            datetime(2026, 3, 25, 20, tzinfo=UTC) + timedelta(days=day, minutes=minute)
        ),
        st.integers(0, 10),
        st.integers(0, 300),
    )
    interactions = draw(
        st.lists(
            st.tuples(
                near_midnight | instants,
                st.lists(st.integers(0, PEOPLE - 1), min_size=1, max_size=PEOPLE, unique=True),
            ),
            min_size=1,
            max_size=8,
        )
    )
    return jobs, interactions


class TestBothRulesAgree(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.people = [Person.objects.create(name=f"Persona {i}") for i in range(PEOPLE)]
        cls.accounts = [Account.objects.create(name=f"Cliente {i}") for i in range(ACCOUNTS)]

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(case=_cases(), zone=st.sampled_from(["Europe/Madrid", "UTC", "America/New_York"]))
    def test_same_account_as_the_sql(
        self,
        case: tuple[
            list[tuple[int, int, date | None, date | None]], list[tuple[datetime, list[int]]]
        ],
        zone: str,
    ) -> None:
        # Given people with these jobs and interactions with these participants, in order
        jobs, interactions = case
        Employment.objects.bulk_create(
            [
                Employment(person=self.people[p], account=self.accounts[a], start=start, end=end)
                for p, a, start, end in jobs
            ]
        )
        rows = [
            (started_at, [self.people[i].pk for i in people]) for started_at, people in interactions
        ]
        with timezone.override(zone):
            # When each rule picks the accounts
            by_sql = _by_sql(rows)
            by_python = accounts_at_dates(interactions=rows)
        # Then they agree on every interaction
        assert by_python == by_sql


@pytest.mark.django_db
class TestCases:
    """Readable cases; each is also checked against the SQL."""

    def _setup(self) -> tuple[list[int], list[int]]:
        people = [Person.objects.create(name=f"P{i}").pk for i in range(3)]
        accounts = [Account.objects.create(name=f"A{i}").pk for i in range(3)]
        return people, accounts

    def _both(self, rows: list[tuple[datetime, list[int]]]) -> list[int | None]:
        by_python = accounts_at_dates(interactions=rows)
        assert by_python == _by_sql(rows)
        return by_python

    def test_a_move_changes_the_account_on_the_first_day_of_the_new_job(self) -> None:
        # Given a person who left A0 on 10 March and joined A1 on 11 March
        (p, _, _), (a0, a1, _) = self._setup()
        Employment.objects.create(person_id=p, account_id=a0, start=None, end=date(2026, 3, 10))
        Employment.objects.create(person_id=p, account_id=a1, start=date(2026, 3, 11))
        # When accounts are derived on the last day, the first day and a day before any job
        found = self._both(
            [
                (datetime(2026, 3, 10, 12, tzinfo=UTC), [p]),
                (datetime(2026, 3, 11, 12, tzinfo=UTC), [p]),
                (datetime(2020, 1, 1, 12, tzinfo=UTC), [p]),
            ]
        )
        # Then the unknown start covers the past, the move takes effect on its day
        assert found == [a0, a1, a0]

    def test_overlapping_jobs_the_most_recently_started_wins_unknown_start_last(self) -> None:
        # Given a person with an old job of unknown start, one from 2024 and one from 2025
        (p, _, _), (a0, a1, a2) = self._setup()
        Employment.objects.create(person_id=p, account_id=a0, start=None)
        Employment.objects.create(person_id=p, account_id=a1, start=date(2024, 1, 1))
        Employment.objects.create(person_id=p, account_id=a2, start=date(2025, 1, 1))
        # When accounts are derived in 2023, 2024 and 2025
        found = self._both(
            [
                (datetime(2023, 6, 1, 12, tzinfo=UTC), [p]),
                (datetime(2024, 6, 1, 12, tzinfo=UTC), [p]),
                (datetime(2025, 6, 1, 12, tzinfo=UTC), [p]),
            ]
        )
        # Then each day goes to the latest job started by then
        assert found == [a0, a1, a2]

    def test_the_earliest_listed_participant_with_a_job_decides(self) -> None:
        # Given P0 without a job, P1 at A1 and P2 at A2
        (p0, p1, p2), (_, a1, a2) = self._setup()
        Employment.objects.create(person_id=p1, account_id=a1, start=date(2024, 1, 1))
        Employment.objects.create(person_id=p2, account_id=a2, start=date(2024, 1, 1))
        at = datetime(2025, 1, 1, 12, tzinfo=UTC)
        # When the participants are listed in different orders
        found = self._both([(at, [p0, p2, p1]), (at, [p1, p2]), (at, [p0])])
        # Then the first one listed with a job that day decides; nobody, no account
        assert found == [a2, a1, None]

    def test_the_date_is_the_local_date_in_madrid_not_the_utc_date(self) -> None:
        # Given a job that starts on 1 April 2026 (Madrid is UTC+2 then)
        (p, _, _), (a0, _, _) = self._setup()
        Employment.objects.create(person_id=p, account_id=a0, start=date(2026, 4, 1))
        rows: list[tuple[datetime, list[int]]] = [
            (datetime(2026, 3, 31, 21, 59, tzinfo=UTC), [p]),  # 23:59 on 31 March in Madrid
            (datetime(2026, 3, 31, 22, 0, tzinfo=UTC), [p]),  # 00:00 on 1 April in Madrid
        ]
        # When accounts are derived in Madrid and in UTC
        with timezone.override("Europe/Madrid"):
            in_madrid = self._both(rows)
        with timezone.override("UTC"):
            in_utc = accounts_at_dates(interactions=rows)
        # Then 22:00 UTC on 31 March is already 1 April in Madrid, not in UTC
        assert in_madrid == [None, a0]
        assert in_utc == [None, None]
