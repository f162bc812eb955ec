"""GDPR for people: subject access, erasure (web and admin), retention."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.test import Client
from django.utils import timezone

from vinculo.audit.models import Action, AuditEntry
from vinculo.capture.models import ExternalId, UnmatchedAddress
from vinculo.commitments.models import Commitment
from vinculo.interactions.models import Interaction, InteractionPerson
from vinculo.people.models import Person, PersonEmail
from vinculo.people.services import person_create, person_update
from vinculo.privacy.selectors import subject_access
from vinculo.privacy.services import person_erase, retention_candidates, retention_purge
from vinculo.privacy.tests.conftest import EMAIL, NAME, PHONE, SOURCE, World
from vinculo.timeline.models import TimelineEvent
from vinculo.users.models import Role, User

pytestmark = pytest.mark.django_db


def _mentions(text: str) -> bool:
    return any(value.lower() in text.lower() for value in (NAME, EMAIL, PHONE))


def _everything_text() -> str:
    """Every row of the tables an erasure touches, as text (the dump tests read the files)."""
    parts = []
    for row in Person.objects.values():
        parts.append(str(row))
    for model in (PersonEmail, Interaction, TimelineEvent, AuditEntry, LogEntry, Commitment):
        parts.extend(str(row) for row in model.objects.values())
    parts.extend(str(row) for row in UnmatchedAddress.objects.values())
    return "\n".join(parts)


def test_the_subject_access_export_holds_everything_about_them(world: World) -> None:
    data = subject_access(world.person)
    assert data["person"]["name"] == NAME
    assert data["person"]["family"] == "Casada, dos hijas"
    assert data["emails"] == [EMAIL]
    assert [j["account__name"] for j in data["employments"]] == ["Acme ZQ"]
    assert len(data["interactions"]) == 1
    assert data["interactions"][0]["our_participants"] == ["Marta Colega"]
    assert [c["text"] for c in data["commitments"]] == [f"Enviar a {NAME} la oferta"]
    assert data["external_ids"] == [{"system": "hubspot", "external_id": "hs-991"}]
    assert {e["model"] for e in data["audit_trail"]} >= {"people.Person", "people.Employment"}
    json.dumps(data)  # JSON-ready as it is


def test_the_export_is_for_admins_and_managers(world: World) -> None:
    client = Client()
    client.force_login(world.admin)
    page = client.get(f"/privacy/people/{world.person.pk}/")
    assert page.status_code == 200
    assert EMAIL in page.content.decode()
    download = client.get(f"/privacy/people/{world.person.pk}/export.json")
    assert download["Content-Disposition"] == (
        f'attachment; filename="person-{world.person.pk}.json"'
    )
    assert json.loads(download.content)["emails"] == [EMAIL]
    manager = User.objects.create_user("jefa", password="x", role=Role.MANAGER)
    client.force_login(manager)
    # Within the access rules: a manager of no team sees nobody (404, not revealed).
    assert client.get(f"/privacy/people/{world.person.pk}/").status_code == 404
    assert client.get(f"/privacy/people/{world.person.pk}/erase/").status_code == 403
    seller = User.objects.create_user("vende", password="x", role=Role.ACCOUNT_MANAGER)
    client.force_login(seller)
    assert client.get(f"/privacy/people/{world.person.pk}/").status_code == 403
    assert client.get(f"/privacy/people/{world.person.pk}/export.json").status_code == 403
    assert client.get("/privacy/people/999999/").status_code == 403


def test_erasure_removes_identifiers_everywhere_and_keeps_the_counts(world: World) -> None:
    pk = world.person.pk
    interactions_before = Interaction.objects.filter(account=world.account).count()
    assert _mentions(_everything_text())

    result = person_erase(person=world.person, actor=world.admin, compact=False)

    person = Person.objects.get(pk=pk)
    assert person.name == f"Erased person #{pk}" == result.placeholder
    assert (person.phones, person.family, person.tastes, person.notes) == ("", "", "", "")
    assert not PersonEmail.objects.filter(person_id=pk).exists()
    assert not ExternalId.objects.filter(person_id=pk).exists()
    assert list(UnmatchedAddress.objects.values_list("email", flat=True)) == [
        "zq.quintanilla@acme-zq.example"
    ]
    assert not InteractionPerson.objects.filter(person_id=pk).exists()
    assert Interaction.objects.filter(account=world.account).count() == interactions_before
    world.interaction.refresh_from_db()
    assert world.interaction.summary == ""
    # The other person's facts and the promise name the erased one no more.
    world.other.refresh_from_db()
    assert world.other.friends == f"Amigo de Erased person #{pk}"
    assert Commitment.objects.get(person_id=pk).text == f"Enviar a Erased person #{pk} la oferta"
    assert not _mentions(_everything_text())
    erase = AuditEntry.objects.get(action=Action.ERASE)
    assert (erase.person_id, erase.actor, erase.object_repr) == (
        pk,
        world.admin,
        result.placeholder,
    )
    assert erase.changes["counts"]["emails"] == 1
    assert erase.changes["counts"]["participations"] == 1


def test_deleting_a_person_in_the_admin_erases_them(world: World) -> None:
    """Before: the admin's log kept their name, and their interactions their summaries."""
    client = Client()
    client.force_login(world.admin)
    pk = world.person.pk
    change = client.post(
        f"/admin/people/person/{pk}/change/",
        {
            "name": NAME, "phones": PHONE, "language": "es", "legal_basis": "consent",
            "legal_basis_source": SOURCE, "owner": "", "notes": "", "birthday": "",
            "family": "Casada, dos hijas", "tastes": "Vino de Toro", "friends": "",
            "interests": "", "professional_interests": "", "emails": EMAIL,
            "emails-TOTAL_FORMS": "0", "emails-INITIAL_FORMS": "0",
            "employments-TOTAL_FORMS": "0", "employments-INITIAL_FORMS": "0",
        },
    )  # fmt: skip
    assert change.status_code == 302
    assert LogEntry.objects.filter(object_repr=NAME).exists()

    response = client.post(f"/admin/people/person/{pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not LogEntry.objects.filter(object_repr__icontains="Quintanilla").exists()
    assert not LogEntry.objects.filter(change_message__icontains="Quintanilla").exists()
    world.interaction.refresh_from_db()
    assert world.interaction.summary == ""
    assert not InteractionPerson.objects.filter(person_id=pk).exists()
    assert AuditEntry.objects.get(action=Action.ERASE).face == "admin"
    assert not _mentions(_everything_text())


def test_the_web_erasure_asks_for_confirmation_and_is_for_admins(world: World) -> None:
    client = Client()
    client.force_login(world.admin)
    pk = world.person.pk
    assert client.get(f"/privacy/people/{pk}/erase/").status_code == 200
    refused = client.post(f"/privacy/people/{pk}/erase/", {"confirm": "no"})
    assert refused.status_code == 302
    assert Person.objects.get(pk=pk).name == NAME
    done = client.post(f"/privacy/people/{pk}/erase/", {"confirm": str(pk)})
    assert done["Location"] == f"/people/{pk}/"
    assert Person.objects.get(pk=pk).name == f"Erased person #{pk}"
    assert AuditEntry.objects.get(action=Action.ERASE).face == "web"


def test_retention_purges_only_people_with_no_relationship(world: World) -> None:
    today = timezone.localdate()
    old = person_create(name="Antiguo Contacto", legal_basis_source="Contrato marco")
    person_update(person=old, family="tres hijos", birthday=dt.date(1970, 5, 1))
    recent = person_create(name="Reciente", legal_basis_source="Contrato marco")
    person_update(person=recent, family="sin hijos")
    long_ago = timezone.now() - dt.timedelta(days=800)
    Person.objects.filter(pk__in=[old.pk, world.person.pk]).update(created_at=long_ago)
    # The erased-to-be person has a current job and a recent interaction: kept.
    assert list(retention_candidates(today)) == [old]
    assert retention_purge(today, dry_run=True) == 1
    assert Person.objects.get(pk=old.pk).family == "tres hijos"
    assert retention_purge(today) == 1
    old.refresh_from_db()
    assert (old.family, old.birthday, old.name) == ("", None, "Antiguo Contacto")
    assert Person.objects.get(pk=recent.pk).family == "sin hijos"
    assert Person.objects.get(pk=world.person.pk).family == "Casada, dos hijas"
    bulk = AuditEntry.objects.get(action=Action.BULK, model="people.Person")
    assert bulk.changes == {"counts": {"people": 1, "days": 730}}
    assert retention_purge(today) == 0


def test_the_purge_command_reports_what_it_did(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    from django.core.management import call_command

    call_command("purge_personal_data", "--dry-run")
    assert capsys.readouterr().out == "0 people would have their personal facts purged\n"
    assert connection.vendor in ("sqlite", "postgresql")
