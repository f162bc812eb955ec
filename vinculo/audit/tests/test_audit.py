"""The audit trail: who changed what, before and after, and through which face."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone, translation

from vinculo.audit.context import acting
from vinculo.audit.models import Action, AuditEntry, Face
from vinculo.audit.selectors import history_for, lines, sentence
from vinculo.people.models import Person
from vinculo.people.services import account_create, employment_start, person_create, person_update
from vinculo.users.models import Role, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def ana(db: None) -> User:
    return User.objects.create_user(
        "ana", password="x", first_name="Ana", last_name="Ruiz", role=Role.ADMIN, is_staff=True,
        is_superuser=True,
    )  # fmt: skip


def test_a_service_update_records_before_and_after_with_the_actor_and_face(ana: User) -> None:
    with acting(Face.WEB, ana):
        person = person_create(name="Luis Gil", phones="600 111 222", actor=ana)
        person_update(person=person, phones="600 333 444", language="es", actor=ana)
    created, updated = AuditEntry.objects.filter(model="people.Person").order_by("id")
    assert created.action == Action.CREATE
    assert created.changes["name"] == [None, "Luis Gil"]
    assert updated.action == Action.UPDATE
    assert updated.changes == {"language": ["", "es"], "phones": ["600 111 222", "600 333 444"]}
    assert (updated.actor, updated.face, updated.person_id) == (ana, "web", person.pk)
    assert updated.object_repr == "Luis Gil"


def test_an_unchanged_save_and_book_keeping_fields_record_nothing(ana: User) -> None:
    person = person_create(name="Luis Gil")
    before = AuditEntry.objects.count()
    Person.objects.get(pk=person.pk).save()
    assert AuditEntry.objects.count() == before


def test_without_a_context_the_face_is_system_and_nobody_acts() -> None:
    person_create(name="Luis Gil")
    entry = AuditEntry.objects.get(model="people.Person")
    assert (entry.face, entry.actor) == ("system", None)


def test_a_delete_keeps_the_values_it_removed(ana: User) -> None:
    account = account_create(name="Acme")
    person = person_create(name="Luis Gil")
    job = employment_start(person=person, account=account, start=dt.date(2024, 1, 1))
    with acting(Face.CLI):
        job.delete()
    entry = AuditEntry.objects.get(model="people.Employment", action=Action.DELETE)
    assert entry.changes["start"] == ["2024-01-01", None]
    assert (entry.person_id, entry.account_id, entry.face) == (person.pk, account.pk, "cli")


def test_secrets_are_recorded_as_changed_never_with_their_value(ana: User) -> None:
    ana.set_password("otra-clave-larga")
    ana.save()
    entry = AuditEntry.objects.filter(model="users.User", action=Action.UPDATE).get()
    assert entry.changes == {"password": ["***", "***"]}


def test_history_for_a_person_includes_their_jobs_in_one_query(
    ana: User, django_assert_num_queries: Any
) -> None:
    account = account_create(name="Acme")
    person = person_create(name="Luis Gil")
    employment_start(person=person, account=account, start=dt.date(2024, 1, 1))
    with django_assert_num_queries(1):
        entries = history_for(person)
    assert [e.model for e in entries] == ["people.Employment", "people.Person"]
    assert [e.model for e in history_for(Person, person.pk)] == [e.model for e in entries]
    assert len(history_for(person, limit=1)) == 1


def test_the_sentence_reads_as_a_person_would_say_it(ana: User) -> None:
    with acting(Face.WEB, ana):
        person = person_create(name="Luis Gil", phones="600 1")
        person_update(person=person, phones="600 2", legal_basis="consent")
    entry = history_for(person)[0]
    with translation.override("en"):
        assert sentence(entry) == (
            "Ana Ruiz changed legal basis for personal data from Legitimate interest to Consent;"
            " phones from 600 1 to 600 2"
        )
        line = lines([entry])[0]
        assert line.face == "web"
        assert line.at == timezone.localtime(entry.at).strftime("%-d %b %Y %H:%M")
    with translation.override("es"):
        assert sentence(entry) == (
            "Ana Ruiz cambió base jurídica para los datos personales de Interés legítimo a"
            " Consentimiento; teléfonos de 600 1 a 600 2"
        )


def test_personal_facts_are_withheld_when_asked(ana: User) -> None:
    person = person_create(name="Luis Gil", legal_basis_source="Contrato marco 2026")
    with acting(Face.WEB, ana):
        person_update(person=person, family="dos hijas")
    with translation.override("en"):
        assert sentence(history_for(person)[0], hide=frozenset({"family"})) == (
            "Ana Ruiz changed family"
        )


def test_admin_and_web_pages_mark_their_face_and_user(ana: User) -> None:
    person = person_create(name="Luis Gil")
    client = Client()
    client.force_login(ana)
    response = client.post(
        f"/admin/people/person/{person.pk}/change/",
        {
            "name": "Luis Gil Pérez", "phones": "", "language": "", "legal_basis": "consent",
            "legal_basis_source": "Formulario firmado 2026-11-30", "owner": "", "notes": "",
            "birthday": "", "family": "", "tastes": "", "friends": "", "interests": "",
            "professional_interests": "", "emails": "",
            "emails-TOTAL_FORMS": "0", "emails-INITIAL_FORMS": "0",
            "employments-TOTAL_FORMS": "0", "employments-INITIAL_FORMS": "0",
        },
    )  # fmt: skip
    assert response.status_code == 302, response.content[:2000]
    entry = AuditEntry.objects.filter(model="people.Person", action=Action.UPDATE).get()
    assert (entry.face, entry.actor) == ("admin", ana)
    assert entry.changes["legal_basis_source"] == ["", "Formulario firmado 2026-11-30"]
    page = client.get(f"/people/{person.pk}/", headers={"accept-language": "en"})
    assert "Ana Ruiz changed" in page.content.decode()
    assert "· admin ·" in page.content.decode()


def test_the_middleware_names_the_face_from_the_path() -> None:
    from vinculo.audit.context import face_for_path

    assert [face_for_path(p) for p in ("/admin/x", "/api/people", "/people/1/")] == [
        "admin",
        "api",
        "web",
    ]


def test_an_import_is_the_import_face_with_one_summary_entry(tmp_path: Any) -> None:
    from vinculo.capture.tests.helpers import run

    card = tmp_path / "eva.vcf"
    card.write_text(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Eva Prieto\r\nN:Prieto;Eva;;;\r\n"
        "EMAIL;TYPE=WORK:eva@prieto-demo.example\r\nEND:VCARD\r\n",
        encoding="utf-8",
    )
    run("import_vcard", card)
    person = AuditEntry.objects.get(model="people.Person")
    assert (person.face, person.object_repr, person.action) == ("import", "Eva Prieto", "create")
    summary = AuditEntry.objects.get(action=Action.BULK)
    assert (summary.face, summary.model) == ("import", "capture.ImportRun")
    assert summary.changes["counts"]["created"] == {"person": 1}


@pytest.fixture
def small_book(db: None) -> None:
    """Two accounts, three people (one without a job): what a recompute counts."""
    from vinculo.factories import AccountFactory, EmploymentFactory, PersonFactory

    for name in ("Acme", "Globex"):
        EmploymentFactory(
            person=PersonFactory(), account=AccountFactory(name=name), start=dt.date(2020, 1, 1)
        )
    PersonFactory()


@pytest.mark.usefixtures("small_book", "english")
def test_a_recompute_from_the_command_line_writes_one_summary_entry() -> None:
    from io import StringIO

    from django.core.management import call_command

    before = AuditEntry.objects.count()
    with acting(Face.CLI):
        call_command(
            "recompute_health", "--from", "2026-06-01", "--as-of", "2026-06-30", "--every", "7",
            stdout=StringIO(),
        )  # fmt: skip

    assert AuditEntry.objects.count() == before + 1
    entry = AuditEntry.objects.get(action=Action.BULK)
    assert (entry.action, entry.model, entry.face, entry.actor) == (
        Action.BULK, "health.HealthRun", "cli", None,
    )  # fmt: skip
    assert entry.object_repr == "recompute_health 2026-06-01…2026-06-30"
    # 1, 8, 15, 22, 29 and 30 June
    assert entry.changes == {"counts": {
        "from": "2026-06-01", "as_of": "2026-06-30", "days": 6, "people": 3, "accounts": 2,
    }}  # fmt: skip
    assert sentence(entry) == "Someone wrote in bulk: recompute_health 2026-06-01…2026-06-30"
    assert timezone.now() - entry.at < dt.timedelta(minutes=1)


@pytest.mark.usefixtures("small_book", "english")
def test_a_recompute_task_writes_one_summary_entry_as_the_task_face(ana: User) -> None:
    from vinculo.ops.tasks import recompute

    before = AuditEntry.objects.count()
    with acting(Face.CLI):  # the worker runs under the command line's face
        result = recompute.call(as_of="2026-06-30")

    assert result == {"as_of": "2026-06-30", "days": 1, "people": 3, "accounts": 2}
    assert AuditEntry.objects.count() == before + 1
    entry = AuditEntry.objects.get(action=Action.BULK)
    assert (entry.model, entry.face, entry.actor) == ("health.HealthRun", "task", None)
    assert entry.object_repr == "recompute_health 2026-06-30"
    assert entry.changes["counts"] == {
        "from": "2026-06-30", "as_of": "2026-06-30", "days": 1, "people": 3, "accounts": 2,
    }  # fmt: skip
    assert sentence(entry) == "The system wrote in bulk: recompute_health 2026-06-30"
    # Started from a page, the task's entry is the page's user's
    with acting(Face.WEB, ana):
        recompute.call(as_of="2026-06-30")
    latest = AuditEntry.objects.filter(action=Action.BULK).first()
    assert latest is not None
    assert (latest.face, latest.actor) == ("task", ana)
