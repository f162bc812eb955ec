"""factory-boy factories for tests (a dev dependency; never imported by the app)."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from vinculo.interactions.models import Interaction
from vinculo.people.models import Account, Colleague, Employment, Person, PersonEmail
from vinculo.users.models import Role, Team, User
from vinculo.vocab import Channel, Function


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Equipo {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@nosotros.example")
    role = Role.ACCOUNT_MANAGER
    team = factory.SubFactory(TeamFactory)
    password = factory.django.Password("correct horse battery staple")


class ColleagueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Colleague

    name = factory.Faker("name", locale="es_ES")
    email = factory.Sequence(lambda n: f"colega{n}@nosotros.example")
    function = Function.SALES


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    name = factory.Sequence(lambda n: f"Cliente {n} S.A.")
    tier = "b"


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    name = factory.Faker("name", locale="es_ES")


class PersonEmailFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PersonEmail

    person = factory.SubFactory(PersonFactory)
    email = factory.Sequence(lambda n: f"persona{n}@cliente.example")


class EmploymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Employment

    person = factory.SubFactory(PersonFactory)
    account = factory.SubFactory(AccountFactory)
    title = "Jefe de compras"
    function = Function.PURCHASING
    start = dt.date(2020, 1, 1)


class InteractionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Interaction

    started_at = factory.LazyFunction(timezone.now)
    duration_min = 30
    channel = Channel.MEETING
