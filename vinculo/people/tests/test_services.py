"""People, accounts, employments and contact plans, through their services."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from vinculo.factories import AccountFactory, EmploymentFactory, PersonFactory
from vinculo.people.models import Account, AccountDomain, ContactPlan, Employment, Person
from vinculo.people.services import (
    account_create,
    colleague_create,
    contact_plan_set,
    person_change_employment,
    person_create,
    person_update,
)
from vinculo.timeline.models import EventKind, TimelineEvent
from vinculo.users.models import User

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


class TestPersonCreate:
    def test_emails_are_stored_lower_case_once(self, owner: User) -> None:
        # Given two spellings of the same address and a second address
        emails = [" Ana.Lopez@Cliente.example ", "ana.lopez@cliente.example", "ana@casa.example"]

        # When the person is created
        person = person_create(name="  Ana López ", emails=emails, actor=owner)

        # Then the name is trimmed and each address is stored once, in lower case
        assert person.name == "Ana López"
        assert list(person.emails.values_list("email", flat=True)) == [
            "ana.lopez@cliente.example",
            "ana@casa.example",
        ]
        event = TimelineEvent.objects.get(person=person)
        assert event.kind == EventKind.PERSON_CREATED
        assert event.actor == owner

    def test_an_address_of_someone_else_is_refused_and_nothing_is_written(self) -> None:
        # Given a person who owns an address
        person_create(name="Ana", emails=["ana@cliente.example"])

        # When someone else is created with the same address in another case
        with pytest.raises(ValidationError) as error:
            person_create(name="Otra Ana", emails=["nueva@cliente.example", "ANA@cliente.example"])

        # Then it is refused on the emails field, and no person, address or event was added
        assert (
            "Address already belongs to someone else: ana@cliente.example"
            in (error.value.message_dict["emails"][0])
        )
        assert Person.objects.count() == 1
        assert not Person.objects.filter(emails__email="nueva@cliente.example").exists()
        assert TimelineEvent.objects.count() == 1

    def test_an_invalid_address_is_a_field_error(self) -> None:
        with pytest.raises(ValidationError) as error:
            person_create(name="Ana", emails=["not an address"])

        assert error.value.message_dict == {
            "emails": ["“not an address” is not a valid email address."]
        }
        assert Person.objects.count() == 0

    def test_a_blank_name_is_refused(self) -> None:
        with pytest.raises(ValidationError) as error:
            person_create(name="   ")
        assert error.value.message_dict == {"name": ["A person needs a name."]}

    def test_messages_are_translatable(self) -> None:
        # The Spanish catalogue is written elsewhere: only check that a message comes out.
        with translation.override("es"), pytest.raises(ValidationError) as error:
            person_create(name="")
        message = error.value.message_dict["name"][0]
        assert isinstance(message, str)
        assert message
        # The Spanish catalogue has this one: it must not fall back to English.
        assert message != "A person needs a name."


class TestPersonUpdate:
    def test_only_changed_fields_are_saved_and_recorded(self) -> None:
        person = PersonFactory(name="Ana", language="es")

        person_update(person=person, name="Ana María", language="es")

        person.refresh_from_db()
        assert person.name == "Ana María"
        event = TimelineEvent.objects.get(person=person, kind=EventKind.PERSON_UPDATED)
        assert event.data == {"fields": ["name"]}

    def test_no_change_writes_no_event(self) -> None:
        person = PersonFactory(name="Ana")
        person_update(person=person, name="Ana")
        assert not TimelineEvent.objects.filter(person=person).exists()

    def test_unknown_fields_are_a_programming_error(self) -> None:
        with pytest.raises(TypeError):
            person_update(person=PersonFactory(), salary=1)


class TestAccountCreate:
    def test_domains_are_normalised_and_stored(self) -> None:
        account = account_create(
            name="Acme", domains=["@ACME.example", "acme.example", " acme-group.example "]
        )

        assert sorted(account.domains.values_list("domain", flat=True)) == [
            "acme-group.example",
            "acme.example",
        ]
        assert TimelineEvent.objects.get(account=account).kind == EventKind.ACCOUNT_CREATED

    def test_a_domain_of_another_account_is_refused(self) -> None:
        account_create(name="Acme", domains=["acme.example"])

        with pytest.raises(ValidationError) as error:
            account_create(name="Acme Clon", domains=["ACME.example"])

        assert "acme.example" in error.value.message_dict["domains"][0]
        assert Account.objects.count() == 1

    def test_an_invalid_domain_is_a_field_error(self) -> None:
        with pytest.raises(ValidationError) as error:
            account_create(name="Acme", domains=["no domain"])
        assert error.value.message_dict == {"domains": ["“no domain” is not a valid domain."]}
        assert AccountDomain.objects.count() == 0

    def test_bad_choices_and_negative_wallet_are_refused(self) -> None:
        with pytest.raises(ValidationError) as error:
            account_create(name="Acme", tier="z")
        assert "tier" in error.value.message_dict
        with pytest.raises(ValidationError) as error:
            account_create(name="Acme", wallet_yearly=-1)  # type: ignore[arg-type]
        assert "wallet_yearly" in error.value.message_dict
        assert Account.objects.count() == 0


class TestChangeEmployment:
    def test_old_job_ends_the_day_before_and_the_new_one_starts(self, owner: User) -> None:
        # Given Ana, buyer at Acme since 2020
        ana = PersonFactory(name="Ana")
        acme, globex = AccountFactory(name="Acme"), AccountFactory(name="Globex")
        old_job = EmploymentFactory(person=ana, account=acme, start=dt.date(2020, 1, 1))

        # When she moves to Globex on 1 June 2024
        new_job = person_change_employment(
            person=ana,
            new_account=globex,
            on=dt.date(2024, 6, 1),
            title="Directora de compras",
            actor=owner,
        )

        # Then the Acme job ended on 31 May, the Globex one starts on 1 June, history kept
        old_job.refresh_from_db()
        assert old_job.end == dt.date(2024, 5, 31)
        assert (new_job.account, new_job.start, new_job.end) == (globex, dt.date(2024, 6, 1), None)
        assert list(ana.employments.order_by("start").values_list("account__name", "end")) == [
            ("Acme", dt.date(2024, 5, 31)),
            ("Globex", None),
        ]
        # and each account's timeline tells its side of the move
        assert list(TimelineEvent.objects.filter(account=acme).values_list("kind", flat=True)) == [
            EventKind.EMPLOYMENT_ENDED
        ]
        assert list(
            TimelineEvent.objects.filter(account=globex).values_list("kind", flat=True)
        ) == [EventKind.EMPLOYMENT_STARTED]
        assert TimelineEvent.objects.filter(person=ana, actor=owner).count() == 2

    def test_moving_to_the_same_account_is_refused_and_nothing_changes(self) -> None:
        # Given Ana working at Acme and, part time, at Globex
        ana = PersonFactory()
        acme, globex = AccountFactory(), AccountFactory()
        EmploymentFactory(person=ana, account=acme, start=dt.date(2020, 1, 1))
        EmploymentFactory(person=ana, account=globex, start=dt.date(2021, 1, 1))

        # When someone records a move to Globex, where she already works
        with pytest.raises(ValidationError) as error:
            person_change_employment(person=ana, new_account=globex, on=dt.date(2024, 6, 1))

        # Then it is refused, and neither job was ended, whatever order they were read in
        assert "already works at" in error.value.messages[0]
        assert Employment.objects.filter(person=ana, end__isnull=True).count() == 2
        assert not TimelineEvent.objects.exists()

    def test_a_move_before_the_current_job_started_is_refused(self) -> None:
        ana = PersonFactory()
        EmploymentFactory(person=ana, start=dt.date(2024, 6, 1))

        with pytest.raises(ValidationError) as error:
            person_change_employment(
                person=ana, new_account=AccountFactory(), on=dt.date(2024, 6, 1)
            )

        assert "on" in error.value.message_dict
        assert Employment.objects.filter(person=ana).count() == 1

    def test_a_person_without_a_job_simply_starts_one(self) -> None:
        ana, acme = PersonFactory(), AccountFactory()
        job = person_change_employment(person=ana, new_account=acme, on=dt.date(2024, 6, 1))
        assert job.is_current
        assert Employment.objects.filter(person=ana).count() == 1


class TestContactPlan:
    def test_setting_a_plan_twice_updates_the_one_plan(self, owner: User) -> None:
        ana = PersonFactory()

        contact_plan_set(person=ana, every_days=30, channel="call", actor=owner)
        plan = contact_plan_set(person=ana, every_days=14, channel="meeting", agreed=True)

        assert ContactPlan.objects.count() == 1
        assert (plan.every_days, plan.channel, plan.agreed) == (14, "meeting", True)
        assert (
            TimelineEvent.objects.filter(person=ana, kind=EventKind.CONTACT_PLAN_SET).count() == 2
        )

    @pytest.mark.parametrize(
        ("every_days", "channel", "field"), [(0, "call", "every_days"), (7, "pigeon", "channel")]
    )
    def test_invalid_plans_are_refused(self, every_days: int, channel: str, field: str) -> None:
        ana = PersonFactory()
        with pytest.raises(ValidationError) as error:
            contact_plan_set(person=ana, every_days=every_days, channel=channel)
        assert field in error.value.message_dict
        assert not ContactPlan.objects.exists()


class TestColleagueCreate:
    def test_address_is_unique_whatever_the_case(self) -> None:
        colleague_create(name="Luis", email="Luis@Nosotros.example")
        with pytest.raises(ValidationError) as error:
            colleague_create(name="Luis bis", email="luis@nosotros.example")
        assert "email" in error.value.message_dict
