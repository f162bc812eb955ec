"""person_merge: everything of both is kept on one, duplicates folded, who merged recorded."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone, translation

from vinculo.capture.models import ExternalId
from vinculo.commitments.models import Commitment, Complaint, Concern
from vinculo.commitments.services import commitment_record, complaint_open, concern_open
from vinculo.factories import AccountFactory, ColleagueFactory, InteractionFactory, UserFactory
from vinculo.interactions.models import InteractionPerson
from vinculo.people.models import ContactPlan, Employment, Person, PersonEmail
from vinculo.people.services import (
    contact_plan_set,
    employment_end,
    employment_start,
    person_create,
    person_merge,
)
from vinculo.timeline.models import EventKind, TimelineEvent
from vinculo.users.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def story() -> dict[str, Any]:
    """Marta twice: once from a calendar, once from a CRM, with her history split."""
    actor = UserFactory(username="elena", role=Role.MANAGER)
    acme, beta = AccountFactory(name="Acme"), AccountFactory(name="Beta")
    keep = person_create(name="Marta Ruiz", emails=["marta@acme.example"], actor=actor)
    remove = person_create(
        name="Marta Ruiz García",
        emails=["mruiz@acme.example", "marta.ruiz@gmail.com"],
        phones="+34 612 345 678",
        notes="Prefiere las mañanas.",
        actor=actor,
    )
    remove.birthday = date(1980, 5, 17)
    remove.save(update_fields=["birthday"])
    # Both are at Acme now (one job); only the removed one worked at Beta, years ago.
    employment_start(person=keep, account=acme, start=date(2020, 1, 1), title="Compras")
    employment_start(person=remove, account=acme, start=date(2021, 3, 1), title="Jefa")
    old = employment_start(person=remove, account=beta, start=date(2015, 1, 1))
    employment_end(employment=old, end=date(2019, 12, 31))
    colleague = ColleagueFactory(name="Ana")
    now = timezone.now()
    both = InteractionFactory(started_at=now - timedelta(days=3))
    only_keep = InteractionFactory(started_at=now - timedelta(days=20))
    only_remove = [InteractionFactory(started_at=now - timedelta(days=d)) for d in (5, 9)]
    InteractionPerson.objects.bulk_create(
        [
            InteractionPerson(interaction=both, person=keep),
            InteractionPerson(interaction=both, person=remove),
            InteractionPerson(interaction=only_keep, person=keep),
            *[InteractionPerson(interaction=i, person=remove) for i in only_remove],
        ]
    )
    today = date.today()
    commitment_record(text="Enviar oferta", made_on=today, due=None, person=remove,
                      colleague=colleague)  # fmt: skip
    commitment_record(text="Llamar", made_on=today, due=None, person=keep, colleague=colleague)
    complaint_open(opened=today, person=remove, summary="Retraso")
    concern_open(topic="Precio", opened=today, person=remove)
    contact_plan_set(person=remove, every_days=30)
    ExternalId.objects.create(system="hubspot", external_id="901", person=remove)
    return {"actor": actor, "keep": keep, "remove": remove, "acme": acme, "beta": beta}


def test_merge_keeps_everything_of_both(story: dict[str, Any]) -> None:
    keep, remove = story["keep"], story["remove"]
    removed_id = remove.pk
    before_events = TimelineEvent.objects.filter(person__in=[keep, remove]).count()
    with translation.override("es"):
        person_merge(actor=story["actor"], keep=keep, remove=remove)

    assert not Person.objects.filter(pk=removed_id).exists()
    assert Person.objects.count() == 1
    # Interactions: 4 distinct (the shared one once), all now hers.
    assert InteractionPerson.objects.filter(person=keep).count() == 4
    assert InteractionPerson.objects.count() == 4
    assert sorted(PersonEmail.objects.filter(person=keep).values_list("email", flat=True)) == [
        "marta.ruiz@gmail.com",
        "marta@acme.example",
        "mruiz@acme.example",
    ]
    # Jobs: the overlapping Acme job once (the kept one's), Beta's past job moved.
    assert sorted(
        Employment.objects.filter(person=keep).values_list("account__name", "title", "end")
    ) == [("Acme", "Compras", None), ("Beta", "", date(2019, 12, 31))]
    assert Employment.objects.count() == 2
    assert Commitment.objects.filter(person=keep).count() == 2
    assert Complaint.objects.filter(person=keep).count() == 1
    assert Concern.objects.filter(person=keep).count() == 1
    assert ContactPlan.objects.get().person_id == keep.pk
    assert ExternalId.objects.get().person_id == keep.pk
    keep.refresh_from_db()
    assert keep.phones == "+34 612 345 678"
    assert keep.birthday == date(1980, 5, 17)
    assert keep.notes == "Prefiere las mañanas."
    # Every timeline event of both is on her now, plus the merge itself.
    merged = TimelineEvent.objects.filter(person=keep).order_by("-id").first()
    assert TimelineEvent.objects.filter(person=keep).count() == before_events + 1
    assert merged is not None and merged.kind == EventKind.PERSON_UPDATED
    assert merged.actor == story["actor"]
    assert merged.data["merged"] == {
        "id": removed_id,
        "key": merged.data["merged"]["key"],
        "name": "Marta Ruiz García",
        "emails": ["mruiz@acme.example", "marta.ruiz@gmail.com"],
    }
    assert merged.data["text"] == f"Fusión con Marta Ruiz García (#{removed_id})"


def test_the_kept_contact_plan_wins(story: dict[str, Any]) -> None:
    keep, remove = story["keep"], story["remove"]
    contact_plan_set(person=keep, every_days=14)
    person_merge(actor=story["actor"], keep=keep, remove=remove)
    assert list(ContactPlan.objects.values_list("person_id", "every_days")) == [(keep.pk, 14)]


def test_merge_is_set_based(story: dict[str, Any], django_assert_max_num_queries: Any) -> None:
    # A fixed number of statements whatever the history's size (no query per row); 8 of
    # them keep the health engine's daily summary (the kept person's days, the accounts
    # whose interactions moved), and the audit trail adds one read and one insert per
    # delete statement (vinculo.audit); on PostgreSQL the summary's refreshes take their
    # subjects' advisory locks first (two statements for each of the two refreshes).
    locks = 4 if connection.vendor == "postgresql" else 0
    with django_assert_max_num_queries(53 + 9 + locks):
        person_merge(actor=story["actor"], keep=story["keep"], remove=story["remove"])


def test_a_person_cannot_be_merged_with_themselves(story: dict[str, Any]) -> None:
    with translation.override("es"), pytest.raises(ValidationError) as error:
        person_merge(actor=story["actor"], keep=story["keep"], remove=story["keep"])
    assert error.value.messages == ["No se puede fusionar a una persona consigo misma."]
    assert Person.objects.count() == 2
