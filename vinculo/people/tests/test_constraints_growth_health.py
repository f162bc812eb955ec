"""The database refuses impossible holdings, concessions, snapshots and addresses."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from vinculo.factories import AccountFactory, PersonFactory
from vinculo.growth.models import Concession, Holding, ProductLine
from vinculo.health.models import HealthSnapshot
from vinculo.people.models import AccountDomain, ContactPlan, PersonEmail

pytestmark = pytest.mark.django_db

DAY = dt.date(2024, 3, 10)


def test_one_holding_per_account_line_and_year() -> None:
    account, line = AccountFactory(), ProductLine.objects.create(name="Mantenimiento")
    Holding.objects.create(account=account, product_line=line, year=2024, revenue=Decimal(10))
    Holding.objects.create(account=account, product_line=line, year=2023, revenue=Decimal(10))
    with pytest.raises(IntegrityError), transaction.atomic():
        Holding.objects.create(account=account, product_line=line, year=2024, revenue=Decimal(5))
    assert Holding.objects.count() == 2


def test_holding_revenue_cannot_be_negative() -> None:
    line = ProductLine.objects.create(name="Mantenimiento")
    with pytest.raises(IntegrityError), transaction.atomic():
        Holding.objects.create(
            account=AccountFactory(), product_line=line, year=2024, revenue=Decimal(-1)
        )


@pytest.mark.parametrize(
    "fields",
    [{"size_pct": Decimal("100.01")}, {"size_pct": Decimal(-1)}, {"amount": Decimal(-1)}],
    ids=["over 100 %", "negative %", "negative amount"],
)
def test_concession_sizes_are_bounded(fields: dict[str, Decimal]) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Concession.objects.create(account=AccountFactory(), granted_on=DAY, kind="gift", **fields)
    assert not Concession.objects.exists()


def test_snapshot_has_exactly_one_subject() -> None:
    person, account = PersonFactory(), AccountFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        HealthSnapshot.objects.create(as_of=DAY, overall=50, band="yellow")
    with pytest.raises(IntegrityError), transaction.atomic():
        HealthSnapshot.objects.create(
            as_of=DAY, person=person, account=account, overall=50, band="yellow"
        )
    assert not HealthSnapshot.objects.exists()


def test_snapshot_is_at_most_100_and_one_per_subject_and_day() -> None:
    person = PersonFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        HealthSnapshot.objects.create(as_of=DAY, person=person, overall=101, band="green")
    HealthSnapshot.objects.create(as_of=DAY, person=person, overall=80, band="green")
    with pytest.raises(IntegrityError), transaction.atomic():
        HealthSnapshot.objects.create(as_of=DAY, person=person, overall=70, band="yellow")
    assert HealthSnapshot.objects.count() == 1


def test_addresses_and_domains_are_lower_case_and_unique() -> None:
    person, account = PersonFactory(), AccountFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        PersonEmail.objects.create(person=person, email="Ana@Cliente.example")
    with pytest.raises(IntegrityError), transaction.atomic():
        AccountDomain.objects.create(account=account, domain="Cliente.example")
    PersonEmail.objects.create(person=person, email="ana@cliente.example")
    with pytest.raises(IntegrityError), transaction.atomic():
        PersonEmail.objects.create(person=PersonFactory(), email="ana@cliente.example")
    assert PersonEmail.objects.count() == 1
    assert not AccountDomain.objects.exists()


def test_contact_plan_cadence_is_at_least_one_day() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        ContactPlan.objects.create(person=PersonFactory(), every_days=0)
