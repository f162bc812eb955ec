"""CSV, XLSX and vCard exports of the list pages: the rows of the screen, every page of them,
in the reader's language, at a fixed number of queries."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
import vobject
from django.test import Client
from django.utils import timezone

from vinculo.factories import AccountFactory, EmploymentFactory, PersonEmailFactory, PersonFactory
from vinculo.people.models import Colleague

from .conftest import MakeBook  # type: ignore[attr-defined]

pytestmark = pytest.mark.django_db


def body(response) -> bytes:  # type: ignore[no-untyped-def]
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def csv_rows(response, delimiter: str) -> list[list[str]]:  # type: ignore[no-untyped-def]
    text = body(response).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=delimiter))


def test_people_csv_has_the_screens_rows_in_spanish(signed_in: Client, make_book: MakeBook) -> None:
    make_book(60)  # more than one page of 50

    response = signed_in.get("/people/export.csv", {"q": "persona 0", "sort": "-name", "page": "2"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="personas-{today}.csv"'
    rows = csv_rows(response, ";")
    assert rows[0] == [
        "Nombre", "Empresa", "Cargo", "Función", "Responsable", "Salud", "Banda",
        "Último contacto", "Correos", "Teléfonos",
    ]  # fmt: skip
    # "persona 0" matches Persona 000 to Persona 059, every one of them, newest name first,
    # whatever page the screen was on.
    assert [row[0] for row in rows[1:]] == [f"Persona {i:03d}" for i in range(59, -1, -1)]
    last = rows[-1]
    assert last[1:3] == ["Cuenta A", "Cargo 0"]
    assert last[5:7] == ["50", "Amarillo"]
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    assert last[7] == yesterday.strftime("%d/%m/%Y")
    assert last[8] == "p0@cuenta.example"


def test_people_csv_in_english_uses_commas(signed_in: Client, make_book: MakeBook) -> None:
    make_book(2)
    signed_in.cookies["django_language"] = "en"

    rows = csv_rows(signed_in.get("/people/export.csv"), ",")

    assert rows[0][:3] == ["Name", "Company", "Title"]
    assert rows[1][6] == "Yellow"


def test_export_keeps_the_mine_scope(signed_in: Client, make_book: MakeBook) -> None:
    make_book(6)  # odd ones are owned by the signed-in user's colleague

    rows = csv_rows(signed_in.get("/people/export.csv", {"scope": "mine"}), ";")

    assert [row[0] for row in rows[1:]] == ["Persona 001", "Persona 003", "Persona 005"]


def test_accounts_xlsx_has_typed_cells(signed_in: Client, colleague: Colleague) -> None:
    AccountFactory(name="Zeta Ibérica", wallet_yearly=Decimal("1234.50"), owner=colleague)
    AccountFactory(name="Alfa", tier="a")
    AccountFactory(name="Otra cosa")

    response = signed_in.get("/accounts/export.xlsx", {"q": "a", "sort": "-name"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(body(response)), read_only=True)
    sheet = book.active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0][:5] == ["Nombre", "Nivel", "Estado", "Responsable", "Personas"]
    assert [row[0] for row in rows[1:]] == ["Zeta Ibérica", "Otra cosa", "Alfa"]
    assert rows[1][3] == "Ana Owner"
    assert rows[1][4] == 0
    assert rows[1][8] == pytest.approx(1234.5)
    assert rows[3][1] == "Nivel A"


def test_xlsx_dates_are_dates(signed_in: Client, make_book: MakeBook) -> None:
    make_book(1)

    response = signed_in.get("/people/export.xlsx")

    sheet = openpyxl.load_workbook(io.BytesIO(body(response))).active
    cell = sheet.cell(row=2, column=8)
    assert cell.value == dt.datetime.combine(timezone.localdate() - dt.timedelta(days=1), dt.time())
    assert cell.number_format == "mm-dd-yy"


def test_unknown_format_is_404(signed_in: Client) -> None:
    assert signed_in.get("/accounts/export.pdf").status_code == 404
    assert signed_in.get("/accounts/export.vcf").status_code == 404


@pytest.mark.parametrize(
    "url", ["/people/export.csv", "/accounts/export.xlsx", "/people/1/card.vcf"]
)
def test_exports_need_login(client: Client, url: str) -> None:
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.parametrize("size", [3, 120])
def test_people_exports_query_count_is_fixed(
    signed_in: Client, make_book: MakeBook, django_assert_num_queries, size: int
) -> None:
    make_book(size)

    for fmt in ("csv", "xlsx", "vcf"):
        # session, user, the people, their current jobs, their addresses; for cards also
        # the people whose birthday is read (access.rules, the personal-data trail)
        with django_assert_num_queries(5 + (fmt == "vcf")):
            response = signed_in.get(f"/people/export.{fmt}", {"q": "persona"})
            assert body(response)


@pytest.mark.parametrize("size", [3, 120])
def test_accounts_exports_query_count_is_fixed(
    signed_in: Client, django_assert_num_queries, size: int
) -> None:
    for i in range(size):
        AccountFactory(name=f"Cuenta {i}")

    for fmt in ("csv", "xlsx"):
        with django_assert_num_queries(3):  # session, user, the accounts
            assert body(signed_in.get(f"/accounts/export.{fmt}"))


def test_list_pages_link_to_their_exports_with_the_filters(
    signed_in: Client, make_book: MakeBook
) -> None:
    make_book(2)

    html = signed_in.get("/", {"q": "persona", "scope": "mine", "page": "1"}).content.decode()

    assert 'href="/people/export.csv?q=persona&amp;scope=mine"' in html
    assert 'href="/people/export.vcf?q=persona&amp;scope=mine"' in html
    accounts = signed_in.get("/accounts/", {"sort": "-people"}).content.decode()
    assert 'href="/accounts/export.xlsx?sort=-people"' in accounts


def test_vcards_round_trip_through_vobject(signed_in: Client) -> None:
    account = AccountFactory(name="Acme, S.A.")
    person = PersonFactory(
        name="Íñigo Núñez Pájaro",
        phones="+34 600 111 222; +34 91 123 45 67",
        notes="Prefiere llamadas; nunca los lunes",
        birthday=dt.date(1975, 2, 28),
    )
    PersonEmailFactory(person=person, email="inigo@acme.es")
    PersonEmailFactory(person=person, email="inigo.nunez@gmail.com")
    EmploymentFactory(person=person, account=account, title="Director de compras")

    one = signed_in.get(f"/people/{person.pk}/card.vcf")
    every = signed_in.get("/people/export.vcf", {"q": "Núñez"})

    assert one["Content-Type"] == "text/vcard; charset=utf-8"
    card = vobject.readOne(body(one).decode())
    assert card.version.value == "3.0"
    assert card.fn.value == "Íñigo Núñez Pájaro"
    assert (card.n.value.given, card.n.value.family) == ("Íñigo", "Núñez Pájaro")
    assert [e.value for e in card.email_list] == ["inigo@acme.es", "inigo.nunez@gmail.com"]
    assert [t.value for t in card.tel_list] == ["+34 600 111 222", "+34 91 123 45 67"]
    assert card.org.value == ["Acme, S.A."]
    assert card.title.value == "Director de compras"
    assert card.bday.value == "1975-02-28"
    assert card.note.value == "Prefiere llamadas; nunca los lunes"
    listed = list(vobject.readComponents(body(every).decode()))
    assert len(listed) == 1
    assert listed[0].uid.value == card.uid.value


def test_vcard_of_an_unknown_person_is_404(signed_in: Client) -> None:
    assert signed_in.get("/people/999999/card.vcf").status_code == 404


def test_vcards_round_trip_through_the_vcard_importer(signed_in: Client, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Our cards read back by ``import_vcard`` give the same people, jobs and facts."""
    pytest.importorskip("vinculo.capture.vcard", reason="the vCard importer is not merged yet")
    from django.core.management import call_command

    from vinculo.people.models import Employment, Person

    account = AccountFactory(name="Acme Ibérica")
    person = PersonFactory(
        name="Íñigo Núñez Pájaro",
        phones="+34 600 111 222",
        notes="Prefiere llamadas; nunca los lunes",
        birthday=dt.date(1975, 2, 28),
        legal_basis="consent",
    )
    PersonEmailFactory(person=person, email="inigo@acme.es")
    EmploymentFactory(person=person, account=account, title="Director de compras")
    cards = tmp_path / "people.vcf"
    cards.write_bytes(body(signed_in.get("/people/export.vcf")))
    Employment.objects.all().delete()
    Person.objects.all().delete()

    call_command("import_vcard", str(cards), "--legal-basis", "consent")

    back = Person.objects.get()
    assert back.name == "Íñigo Núñez Pájaro"
    assert list(back.emails.values_list("email", flat=True)) == ["inigo@acme.es"]
    assert back.phones == "+34600111222"  # the importer normalises to E.164
    assert (back.birthday, back.notes, back.legal_basis) == (
        dt.date(1975, 2, 28), "Prefiere llamadas; nunca los lunes", "consent",
    )  # fmt: skip
    job = Employment.objects.get(person=back)
    assert (job.account_id, job.title) == (account.pk, "Director de compras")


def test_one_card_query_count(
    signed_in: Client, make_book: MakeBook, django_assert_num_queries
) -> None:  # type: ignore[no-untyped-def]
    person = make_book(3)[1]

    # session, user, the access check, the person, their addresses, their jobs
    with django_assert_num_queries(6):
        assert b"FN:Persona 001" in body(signed_in.get(f"/people/{person.pk}/card.vcf"))
