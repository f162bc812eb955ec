"""The database itself refuses impossible data, whatever path wrote it."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from vinculo.factories import AccountFactory, EmploymentFactory, InteractionFactory, PersonFactory
from vinculo.people.models import Employment

pytestmark = pytest.mark.django_db


def test_employment_cannot_end_before_it_starts() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        EmploymentFactory(start=dt.date(2024, 5, 1), end=dt.date(2024, 4, 30))
    assert Employment.objects.count() == 0


def test_only_one_current_employment_per_person_and_account() -> None:
    person, account = PersonFactory(), AccountFactory()
    EmploymentFactory(person=person, account=account, end=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        EmploymentFactory(person=person, account=account, end=None)
    # An ended job at the same account is history, and allowed.
    EmploymentFactory(person=person, account=account, end=dt.date(2021, 1, 1))
    assert Employment.objects.filter(person=person, account=account).count() == 2


def test_duration_cannot_be_negative() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        InteractionFactory(duration_min=-5)


def test_source_id_is_unique_per_source() -> None:
    InteractionFactory(source="calendar", source_id="uid-1")
    InteractionFactory(source="mail", source_id="uid-1")
    InteractionFactory(source="calendar", source_id="")
    InteractionFactory(source="calendar", source_id="")
    with pytest.raises(IntegrityError), transaction.atomic():
        InteractionFactory(source="calendar", source_id="uid-1")
