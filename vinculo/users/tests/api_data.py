"""A small, complete data set for the API tests: one of every record the API serves."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from vinculo.commitments import services as commitments
from vinculo.factories import AccountFactory, ColleagueFactory, EmploymentFactory, PersonFactory
from vinculo.growth import services as growth
from vinculo.health.models import HealthSnapshot, Play
from vinculo.interactions.services import interaction_log
from vinculo.people.services import contact_plan_set
from vinculo.users.models import User
from vinculo.vocab import Channel, ConcessionKind, ValueKind


def populate(user: User) -> dict[str, Any]:
    today = timezone.localdate()
    colleague = ColleagueFactory(name="Ana Vendedora", user=user)
    acme, beta = AccountFactory(name="Acme"), AccountFactory(name="Beta")
    people = [PersonFactory(name=f"Persona {n}", owner=colleague) for n in range(4)]
    for n, person in enumerate(people):
        EmploymentFactory(person=person, account=acme if n % 2 == 0 else beta)
    interaction = interaction_log(
        started_at=timezone.now() - dt.timedelta(days=3),
        channel=Channel.MEETING,
        people=people[:2],
        colleagues=[colleague],
        duration_min=45,
        summary="Revisión del contrato",
        actor=user,
    )
    contact_plan_set(person=people[0], every_days=30, actor=user)
    commitment = commitments.commitment_record(
        text="Enviar la oferta", made_on=today, due=today, person=people[0], actor=user
    )
    complaint = commitments.complaint_open(opened=today, person=people[1], account=beta, actor=user)
    concern = commitments.concern_open(topic="Plazos", opened=today, account=acme, actor=user)
    initiative = commitments.initiative_record(
        text="Ahorro logístico", proposed_on=today, account=acme, actor=user
    )
    line = growth.product_line_create(name="Mantenimiento", actor=user)
    holding = growth.holding_set(
        account=acme, product_line=line, year=today.year, revenue=Decimal("1000.00"), actor=user
    )
    concession = growth.concession_record(
        account=acme, granted_on=today, kind=ConcessionKind.DISCOUNT, size_pct=Decimal("5"),
        actor=user,
    )  # fmt: skip
    value = growth.value_item_record(
        account=acme, date=today, kind=ValueKind.SAVING, amount=Decimal("300"), actor=user
    )
    snapshot = HealthSnapshot.objects.create(
        as_of=today, person=people[0], overall=64, band="yellow", components={"cadence": {}}
    )
    play = Play.objects.create(
        kind="going_silent", person=people[0], owner=user, raised_on=today, facts={"days": 40}
    )
    return {
        "colleague": colleague, "accounts": [acme, beta], "people": people,
        "interaction": interaction, "commitment": commitment, "complaint": complaint,
        "concern": concern, "initiative": initiative, "line": line, "holding": holding,
        "concession": concession, "value": value, "snapshot": snapshot, "play": play,
    }  # fmt: skip
