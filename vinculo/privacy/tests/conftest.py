from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from vinculo.capture.models import ExternalId, UnmatchedAddress
from vinculo.commitments.models import Commitment
from vinculo.interactions.models import Interaction
from vinculo.interactions.services import interaction_log
from vinculo.people.models import Account, Colleague, Person
from vinculo.people.services import (
    account_create,
    colleague_create,
    employment_start,
    person_create,
    person_update,
)
from vinculo.users.models import Role, User
from vinculo.vocab import Channel

NAME = "Zoraida Quintanilla"
EMAIL = "zoraida.quintanilla@acme-zq.example"
PHONE = "+34 611 987 654"
SOURCE = "Formulario de consentimiento firmado el 10/01/2023"


@dataclass
class World:
    person: Person
    other: Person
    account: Account
    colleague: Colleague
    interaction: Interaction
    admin: User


def build_world() -> World:
    admin = User.objects.create_superuser("root", password="x", role=Role.ADMIN)
    account = account_create(name="Acme ZQ", domains=["acme-zq.example"])
    colleague = colleague_create(name="Marta Colega", email="marta@nosotros.example")
    person = person_create(
        name=NAME,
        emails=[EMAIL],
        phones=PHONE,
        legal_basis="consent",
        legal_basis_source=SOURCE,
        actor=admin,
    )
    person_update(person=person, family="Casada, dos hijas", tastes="Vino de Toro", actor=admin)
    other = person_create(
        name="Otro Cliente", emails=["otro@acme-zq.example"], legal_basis_source="Contrato marco"
    )
    person_update(person=other, friends=f"Amigo de {NAME}")
    employment_start(person=person, account=account, start=dt.date(2023, 1, 1), title="CFO")
    employment_start(person=other, account=account, start=dt.date(2023, 1, 1))
    interaction = interaction_log(
        started_at=timezone.now() - dt.timedelta(days=3),
        channel=Channel.MEETING,
        people=[person, other],
        colleagues=[colleague],
        summary=f"Comida con {NAME}: nos habló de su hija; móvil {PHONE}",
    )
    interaction_log(
        started_at=timezone.now() - dt.timedelta(days=2),
        channel=Channel.CALL,
        people=[other],
        summary="Llamada sobre el pedido",
    )
    Commitment.objects.create(
        account=account, person=person, text=f"Enviar a {NAME} la oferta", made_on=dt.date.today()
    )
    ExternalId.objects.create(system="hubspot", external_id="hs-991", person=person)
    UnmatchedAddress.objects.create(email=EMAIL.replace("zoraida", "zq"), domain="x.example")
    UnmatchedAddress.objects.create(email=EMAIL, domain="acme-zq.example", name=NAME)
    return World(person, other, account, colleague, interaction, admin)


@pytest.fixture
def world(db: None) -> World:
    return build_world()
