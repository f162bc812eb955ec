"""The database refuses impossible promises, complaints and concerns, whatever wrote them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from vinculo.commitments.models import Commitment, Complaint, Concern
from vinculo.factories import PersonFactory

pytestmark = pytest.mark.django_db

DAY = dt.date(2024, 3, 10)
BEFORE = dt.date(2024, 3, 9)


@pytest.mark.parametrize(
    "fields",
    [{"due": BEFORE}, {"closed_on": BEFORE}],
    ids=["due before made", "closed before made"],
)
def test_commitment_dates_cannot_precede_the_promise(fields: dict[str, dt.date]) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Commitment.objects.create(person=PersonFactory(), text="x", made_on=DAY, **fields)
    assert not Commitment.objects.exists()


def test_commitment_on_the_same_day_is_allowed() -> None:
    Commitment.objects.create(person=PersonFactory(), text="x", made_on=DAY, due=DAY, closed_on=DAY)
    assert Commitment.objects.count() == 1


@pytest.mark.parametrize(
    "fields",
    [{"first_response": BEFORE}, {"resolved": BEFORE}, {"satisfaction_after": 0},
     {"satisfaction_after": 6}],
    ids=["response before opened", "resolved before opened", "satisfaction 0", "satisfaction 6"],
)  # fmt: skip
def test_complaint_facts_are_consistent(fields: dict[str, object]) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Complaint.objects.create(person=PersonFactory(), opened=DAY, **fields)
    assert not Complaint.objects.exists()


def test_concern_cannot_be_resolved_before_it_opened() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Concern.objects.create(topic="x", opened=DAY, resolved=BEFORE)
    assert not Concern.objects.exists()
