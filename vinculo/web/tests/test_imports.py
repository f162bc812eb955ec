"""The web import: upload → preview (a dry run) → confirm, the report kept; refusals and
access; fixed query counts."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from vinculo.capture.models import ImportRun, ImportStatus, UnmatchedAddress
from vinculo.capture.runs import detect_format, import_run_start
from vinculo.factories import AccountFactory, ColleagueFactory, TeamFactory, UserFactory
from vinculo.interactions.models import Interaction
from vinculo.people.models import AccountDomain, Employment, Person
from vinculo.users.models import Role, User
from vinculo.vocab import Channel

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def var_dir(settings: Any, tmp_path: Path) -> Path:
    settings.VAR_DIR = tmp_path
    return tmp_path


@pytest.fixture
def manager(db: None) -> User:
    return UserFactory(username="elena", role=Role.MANAGER, team=TeamFactory(name="Norte"))


@pytest.fixture
def ops(client: Client, manager: User) -> Client:
    client.force_login(manager)
    return client


@pytest.fixture
def book(db: None) -> None:
    """Us at vinculo.example; the client Acme Ibérica at acme.example."""
    ColleagueFactory(name="Ana Owner", email="ana@vinculo.example")
    acme = AccountFactory(name="Acme Ibérica")
    AccountDomain.objects.create(account=acme, domain="acme.example")


def upload(client: Client, name: str, **extra: str) -> Any:
    data = (FIXTURES / name).read_bytes()
    return client.post(
        reverse("web:imports"),
        {"file": SimpleUploadedFile(name, data), **extra},
    )


def test_ics_upload_preview_then_confirm(ops: Client, book: None, var_dir: Path) -> None:
    response = upload(ops, "outlook_meetings.ics")
    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("web:import_run", args=[run.pk])
    # The preview is a dry run: counted, nothing written.
    assert (run.format, run.status, run.total) == ("ics", ImportStatus.PREVIEWED, 3)
    # Marta is at a known account's domain; Pedro's domain is nobody's: unmatched.
    assert run.preview["created"] == {"interaction": 2, "person": 1, "employment": 1}
    assert run.preview["unmatched"] == 1
    assert run.preview["skipped"] == {"cancelled": 1}
    assert Interaction.objects.count() == 0
    assert Person.objects.count() == 0
    assert (var_dir / "imports" / run.stored).is_file()

    page = ops.get(response["Location"])
    text = page.content.decode()
    assert "Vista previa: lo que haría la importación" in text
    assert "Confirmar e importar" in text

    confirmed = ops.post(reverse("web:import_apply", args=[run.pk]))
    assert confirmed.status_code == 302
    run.refresh_from_db()
    assert run.status == ImportStatus.DONE
    assert run.report["created"] == {"interaction": 2, "person": 1, "employment": 1}
    assert run.progress == 3
    times = sorted(Interaction.objects.values_list("started_at", "channel"))
    # 09:30 Romance Standard Time: CET in March, CEST in June.
    assert times == [
        (datetime(2026, 3, 10, 8, 30, tzinfo=UTC), Channel.MEETING),
        (datetime(2026, 6, 16, 7, 30, tzinfo=UTC), Channel.VIDEO),
    ]
    assert sorted(Person.objects.values_list("name", flat=True)) == ["Marta Ruiz"]
    assert list(UnmatchedAddress.objects.values_list("email", "name")) == [
        ("pedro.gil@desconocida.example", "Pedro Gil")
    ]
    report_page = ops.get(reverse("web:import_run", args=[run.pk])).content.decode()
    assert "Informe" in report_page
    assert "Confirmar e importar" not in report_page
    listing = ops.get(reverse("web:imports")).content.decode()
    assert "outlook_meetings.ics" in listing and "Hecha" in listing


def test_vcard_upload_and_rerun_changes_nothing(ops: Client, book: None) -> None:
    upload(ops, "iphone_contacts.vcf")
    run = ImportRun.objects.get()
    assert (run.format, run.total) == ("vcard", 2)
    assert run.preview["created"] == {"person": 2, "employment": 2}
    ops.post(reverse("web:import_apply", args=[run.pk]))
    marta = Person.objects.get(name="Marta Ruiz")
    assert marta.birthday is not None and marta.birthday.isoformat() == "1980-05-17"
    assert list(Employment.objects.filter(person=marta).values_list("account__name", "title")) == [
        ("Acme Ibérica", "Jefa de compras")
    ]
    # The same file again: the preview says everything is there already.
    upload(ops, "iphone_contacts.vcf")
    second = ImportRun.objects.exclude(pk=run.pk).get()
    assert second.preview["created"] == {}
    ops.post(reverse("web:import_apply", args=[second.pk]))
    assert Person.objects.count() == 2
    assert Employment.objects.count() == 2


def test_a_bad_file_is_refused_with_a_translated_message(ops: Client, book: None) -> None:
    truncated = (FIXTURES / "outlook_meetings.ics").read_bytes()[:900]
    response = ops.post(
        reverse("web:imports"), {"file": SimpleUploadedFile("cut.ics", truncated)}, follow=True
    )
    run = ImportRun.objects.get()
    assert run.status == ImportStatus.REFUSED
    assert run.preview["problems"], run.preview
    assert all(p.startswith("cut.ics") for p in run.preview["problems"])
    text = response.content.decode()
    assert "Se rechazó el archivo; no se ha cambiado nada." in text
    assert "Rechazada: no se ha cambiado nada" in text
    assert "Confirmar e importar" not in text
    assert Interaction.objects.count() == 0 and Person.objects.count() == 0
    # Applying a refused run is refused too.
    ops.post(reverse("web:import_apply", args=[run.pk]))
    assert Interaction.objects.count() == 0


def test_an_empty_file_is_refused_before_anything(ops: Client) -> None:
    response = ops.post(reverse("web:imports"), {"file": SimpleUploadedFile("x.ics", b"")})
    assert response.status_code == 200
    assert ImportRun.objects.count() == 0
    # Django's own message for an empty upload, in Spanish.
    assert "El fichero enviado está vacío." in response.content.decode()


def test_a_bad_mapping_is_a_form_error(ops: Client) -> None:
    response = ops.post(
        reverse("web:imports"),
        {"file": SimpleUploadedFile("x.csv", b"a,b\n1,2\n"), "mapping": "a=shoe_size"},
    )
    assert response.status_code == 200
    assert "Campo desconocido «shoe_size»" in response.content.decode()
    assert ImportRun.objects.count() == 0


def test_an_interrupted_run_is_shown_and_runs_again_without_duplicates(
    ops: Client, book: None, manager: User
) -> None:
    upload(ops, "outlook_meetings.ics")
    run = ImportRun.objects.get()
    import_run_start(run=run, actor=manager, background=False)
    assert Interaction.objects.count() == 2
    # As a process that died half-way leaves it: running, with no thread holding it.
    ImportRun.objects.filter(pk=run.pk).update(status=ImportStatus.RUNNING, report={})
    text = ops.get(reverse("web:import_run", args=[run.pk])).content.decode()
    assert "Interrumpida" in text and "Ejecutar de nuevo" in text
    ops.post(reverse("web:import_apply", args=[run.pk]))
    run.refresh_from_db()
    assert run.status == ImportStatus.DONE
    assert run.report["unchanged"] == {"interaction": 2}
    assert Interaction.objects.count() == 2


def test_progress_panel_refreshes_the_page_when_finished(ops: Client, book: None) -> None:
    upload(ops, "outlook_meetings.ics")
    run = ImportRun.objects.get()
    ops.post(reverse("web:import_apply", args=[run.pk]))
    response = ops.get(reverse("web:import_progress", args=[run.pk]))
    assert response["HX-Refresh"] == "true"


@pytest.mark.parametrize("role", [Role.ACCOUNT_MANAGER, Role.VIEWER])
def test_only_sales_operations_import(client: Client, role: str, book: None) -> None:
    user = UserFactory(username=f"u-{role}", role=role)
    client.force_login(user)
    assert client.get(reverse("web:imports")).status_code == 403
    data = (FIXTURES / "outlook_meetings.ics").read_bytes()
    posted = client.post(
        reverse("web:imports"), {"file": SimpleUploadedFile("outlook_meetings.ics", data)}
    )
    assert posted.status_code == 403
    assert ImportRun.objects.count() == 0
    assert client.get(reverse("web:review")).status_code == 403
    assert client.post(reverse("web:review_merge"), {"keep": 1, "remove": 2}).status_code == 403


def test_admin_may_import(client: Client) -> None:
    client.force_login(UserFactory(username="root", role=Role.ADMIN))
    assert client.get(reverse("web:imports")).status_code == 200


def test_preview_page_query_count_is_fixed(
    ops: Client, book: None, django_assert_num_queries: Any
) -> None:
    bad = b"Full name,Mail\n" + b"".join(
        b"Persona %d,not-an-address-%d\n" % (i, i) for i in range(120)
    )
    ops.post(
        reverse("web:imports"),
        {"file": SimpleUploadedFile("bad.csv", bad), "mapping": "Full name=name\nMail=email"},
    )
    run = ImportRun.objects.get()
    url = reverse("web:import_run", args=[run.pk])
    # session + user, the run with its author
    with django_assert_num_queries(3):
        first = ops.get(url)
    with django_assert_num_queries(3):
        ops.get(url, {"page": 2})
    assert first.status_code == 200
    text = first.content.decode()
    assert "bad.csv:2: email: «not-an-address-0» no es una dirección de correo" in text
    assert "Página 1 de 3" in text


def test_imports_list_query_count_is_fixed(
    ops: Client, book: None, django_assert_num_queries: Any
) -> None:
    upload(ops, "outlook_meetings.ics")
    upload(ops, "iphone_contacts.vcf")
    with django_assert_num_queries(3):
        ops.get(reverse("web:imports"))


def test_format_detection() -> None:
    assert detect_format("x.txt", b"\xef\xbb\xbfBEGIN:VCALENDAR\r\n") == "ics"
    assert detect_format("x", "BEGIN:VCARD\r\n".encode("utf-16")) == "vcard"
    assert detect_format("inbox", b"From alice@example.com Mon Jan  1 00:00:00 2024\n") == "mail"
    assert detect_format("msg.eml", b"Subject: hi\n") == "mail"
    assert detect_format("export.xlsx", b"PK\x03\x04") == "csv"
    assert detect_format("contacts.csv", b"First Name,Last Name\n") == "csv"


def test_a_running_import_polls_its_progress_every_second(ops: Client, book: None) -> None:
    from vinculo.capture import runs

    upload(ops, "outlook_meetings.ics")
    run = ImportRun.objects.get()
    ImportRun.objects.filter(pk=run.pk).update(status=ImportStatus.RUNNING)
    # As the applying thread leaves it half-way: two of three items done.
    runs._live[run.pk] = 2
    try:
        response = ops.get(reverse("web:import_progress", args=[run.pk]))
        text = response.content.decode()
        assert 'hx-trigger="every 1s"' in text
        assert "Importando… 2 de 3 elementos" in text
        assert '<progress max="100" value="67">' in text
        assert "HX-Refresh" not in response
        assert (
            "Interrumpida" not in ops.get(reverse("web:import_run", args=[run.pk])).content.decode()
        )
    finally:
        runs._live.pop(run.pk, None)
