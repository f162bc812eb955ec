"""The service rules the person page's forms rely on: personal facts need the source of
their legal basis (M18), a job change to no company or overlapping an old job (M4), the
contact plan's computed next due and its version (M17)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from vinculo.concurrency import StaleVersion
from vinculo.factories import AccountFactory, EmploymentFactory, InteractionFactory, PersonFactory
from vinculo.interactions.models import InteractionPerson
from vinculo.people.models import ContactPlan, Person
from vinculo.people.services import contact_plan_set, person_change_employment, person_update

pytestmark = pytest.mark.django_db

NEEDS_SOURCE = (
    "Personal facts need the source of their legal basis: the consent form, the contract "
    "or the assessment."
)


@pytest.fixture(autouse=True)
def _english() -> object:
    with translation.override("en"):
        yield


def test_a_personal_fact_without_its_source_is_refused_and_nothing_is_written() -> None:
    person = PersonFactory(name="Marta")

    with pytest.raises(ValidationError) as error:
        person_update(person=person, family="Dos hijas", phones="611")

    assert error.value.message_dict == {"legal_basis_source": [NEEDS_SOURCE]}
    person.refresh_from_db()
    assert (person.family, person.phones, person.version) == ("", "", 1)


def test_a_personal_fact_with_its_source_is_saved() -> None:
    person = PersonFactory(name="Marta")

    person_update(person=person, birthday=dt.date(1980, 5, 17), legal_basis_source="Contrato 7")

    person.refresh_from_db()
    assert (person.birthday, person.legal_basis_source, person.version) == (
        dt.date(1980, 5, 17),
        "Contrato 7",
        2,
    )


def test_removing_the_source_while_facts_remain_is_refused() -> None:
    person = PersonFactory(name="Marta")
    person_update(person=person, family="Casada", legal_basis_source="Consentimiento")

    with pytest.raises(ValidationError) as error:
        person_update(person=person, legal_basis_source="")

    assert error.value.message_dict == {"legal_basis_source": [NEEDS_SOURCE]}


def test_a_change_that_touches_no_fact_is_not_refused_for_an_older_records_source() -> None:
    person = PersonFactory(name="Marta")
    Person.objects.filter(pk=person.pk).update(tastes="Vegetariana")
    person.refresh_from_db()

    person_update(person=person, phones="699")

    person.refresh_from_db()
    assert person.phones == "699"


def test_leaving_for_no_company_ends_the_current_job_the_day_before() -> None:
    person = PersonFactory(name="Marta")
    job = EmploymentFactory(person=person, start=dt.date(2020, 1, 1))

    assert person_change_employment(person=person, new_account=None, on=dt.date(2026, 3, 1)) is None

    job.refresh_from_db()
    assert job.end == dt.date(2026, 2, 28)
    with pytest.raises(ValidationError) as error:
        person_change_employment(person=person, new_account=None, on=dt.date(2026, 4, 1))
    assert error.value.message_dict == {"account": ["Marta has no current job to leave."]}


def test_a_new_job_may_not_overlap_an_old_one_at_the_same_account() -> None:
    person = PersonFactory(name="Marta")
    old = AccountFactory(name="Old Co")
    EmploymentFactory(
        person=person, account=old, start=dt.date(2018, 1, 1), end=dt.date(2021, 6, 30)
    )

    with pytest.raises(ValidationError) as error:
        person_change_employment(person=person, new_account=old, on=dt.date(2021, 6, 30))

    assert error.value.message_dict == {
        "on": ["Marta worked at Old Co until 30 Jun 2021: the new job cannot start before that."]
    }
    job = person_change_employment(person=person, new_account=old, on=dt.date(2021, 7, 1))
    assert job is not None and (job.start, job.end) == (dt.date(2021, 7, 1), None)


def test_the_plans_next_due_is_the_last_contact_plus_the_cadence_or_today() -> None:
    person = PersonFactory(name="Marta")
    today = timezone.localdate()

    assert contact_plan_set(person=person, every_days=10).next_due == today
    call = InteractionFactory(started_at=timezone.now() - dt.timedelta(days=3))
    InteractionPerson.objects.create(interaction=call, person=person)
    plan = contact_plan_set(person=person, every_days=10)
    assert (plan.next_due, plan.version) == (today + dt.timedelta(days=7), 2)
    # Given explicitly, it is kept.
    assert contact_plan_set(person=person, every_days=10, next_due=today).next_due == today


def test_a_stale_plan_version_is_refused() -> None:
    person = PersonFactory(name="Marta")
    contact_plan_set(person=person, every_days=10, version=0)

    with pytest.raises(StaleVersion):
        contact_plan_set(person=person, every_days=20, version=0)
    contact_plan_set(person=person, every_days=20, version=1)

    assert ContactPlan.objects.get(person=person).every_days == 20
