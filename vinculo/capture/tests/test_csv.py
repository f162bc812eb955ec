"""import_csv: HubSpot, Salesforce and Google Contacts layouts, --preset, --map, XLSX."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from vinculo.capture.models import ExternalId
from vinculo.capture.tabular import parse_when, recognise
from vinculo.capture.tests.helpers import account, checksum, colleague, run
from vinculo.interactions.models import Interaction
from vinculo.people.models import Account, Employment, Person
from vinculo.vocab import Channel, Source

pytestmark = pytest.mark.django_db

HUBSPOT_CONTACTS = (
    "Record ID - Contact,First Name,Last Name,Client Grade,Email,Phone Number,Contact owner,"
    "Company Name,Job Title,Record ID - Company,Company name,Phone Number\r\n"
    "101,Lucía,Martín,A,lucia@cliente.example, 600 11 22 33,Ana,Cliente S.A.,Compras,9,"
    "Cliente S.A.,+34 910 000 000\r\n"
    "102,Pablo,Sanz,B,pablo@otra.example,,Ana,Otra S.L.,CTO,10,Otra S.L.,\r\n"
)
SF_ACCOUNTS = '"Id","IsDeleted","Name","BillingCountry","Website","Industry"\n' \
    '"001A","false","Cliente S.A.","ES","https://www.cliente.example/","Food"\n'  # fmt: skip
SF_CONTACTS = (
    '"Id","IsDeleted","AccountId","FirstName","LastName","Email","Phone","Title","Birthdate",'
    '"Description"\n'
    '"003A","false","001A","Lucía","Martín","","600112233","Compras","1981-02-03","Golf"\n'
)
SF_EVENTS = (
    '"Id","WhoId","WhatId","Subject","Location","IsAllDayEvent","ActivityDateTime",'
    '"ActivityDate","DurationInMinutes","IsDeleted"\n'
    '"00UA","003A","","Revisión trimestral","Madrid","false","2025-05-06T08:30:00.000Z",'
    '"2025-05-06","90","false"\n'
    '"00UB","003A","","Borrado","","false","2025-05-07T08:30:00.000Z","2025-05-07","30","true"\n'
)
SF_TASKS = (
    '"Id","WhoId","Subject","ActivityDate","Status","CallDurationInSeconds","Type","IsDeleted"\n'
    '"00TA","003A","Llamada de seguimiento","2025-05-08","Completed","420","Call","false"\n'
    '"00TB","003A","Enviar oferta","2025-05-20","Not Started","","","false"\n'
)


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def refused(*args: Any) -> str:
    err = StringIO()
    with pytest.raises(CommandError) as error:
        call_command("import_csv", *map(str, args), stdout=StringIO(), stderr=err)
    return err.getvalue() + str(error.value)


def test_hubspot_contacts_with_their_company(tmp_path: Path) -> None:
    cliente = account("Cliente S.A.", "cliente.example")

    out, _err = run("import_csv", write(tmp_path, "contacts.csv", HUBSPOT_CONTACTS))

    lucia = Person.objects.get(emails__email="lucia@cliente.example")
    # "Phone Number" appears twice: the first is the contact's, the second the company's.
    assert (lucia.name, lucia.phones) == ("Lucía Martín", "+34600112233")
    assert Employment.objects.get(person=lucia).account == cliente
    otra = Account.objects.get(name="Otra S.L.")
    assert list(otra.domains.values_list("domain", flat=True)) == ["otra.example"]
    assert ExternalId.objects.filter(system="hubspot", external_id="101", person=lucia).exists()
    assert "read as HubSpot contacts" in out
    before = checksum()
    run("import_csv", write(tmp_path, "contacts.csv", HUBSPOT_CONTACTS))
    assert checksum() == before


def test_salesforce_accounts_contacts_events_and_tasks(tmp_path: Path) -> None:
    colleague("ana@nosotros.example")
    files = [
        write(tmp_path, "Account.csv", SF_ACCOUNTS),
        write(tmp_path, "Contact.csv", SF_CONTACTS),
        write(tmp_path, "Event.csv", SF_EVENTS),
        write(tmp_path, "Task.csv", SF_TASKS),
    ]

    out, _err = run("import_csv", *files)

    cliente = Account.objects.get()
    assert (cliente.name, cliente.country, cliente.industry) == ("Cliente S.A.", "ES", "Food")
    assert list(cliente.domains.values_list("domain", flat=True)) == ["cliente.example"]
    lucia = Person.objects.get()
    assert (lucia.birthday, lucia.notes, lucia.phones) == (
        date(1981, 2, 3), "Golf", "+34600112233"
    )  # fmt: skip
    assert Employment.objects.get(person=lucia).account == cliente  # through AccountId
    meeting, call = Interaction.objects.order_by("started_at")
    assert (meeting.started_at, meeting.duration_min, meeting.channel, meeting.place) == (
        datetime(2025, 5, 6, 8, 30, tzinfo=UTC), 90, Channel.MEETING, "Madrid"
    )  # fmt: skip
    assert (meeting.source, meeting.source_id, meeting.summary) == (
        Source.IMPORT, "salesforce:00UA", "Revisión trimestral"
    )  # fmt: skip
    assert list(meeting.people.all()) == [lucia]  # by WhoId, though she has no address
    assert meeting.account == cliente
    assert (call.channel, call.duration_min, call.started_at.date()) == (
        Channel.CALL,
        7,
        date(2025, 5, 7),
    )  # fmt: skip — 8 May at midnight in Madrid
    assert "skipped (cancelled): 1" in out  # the deleted event
    assert "skipped (not an event (task, free/busy…)): 1" in out  # the open task
    before = checksum()
    run("import_csv", *files)
    assert checksum() == before


def test_map_for_any_csv_and_xlsx(tmp_path: Path) -> None:
    from openpyxl import Workbook

    account("Cliente S.A.", "cliente.example")
    colleague("ana@nosotros.example")
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Cuándo", "Con", "Asunto", "Minutos"])
    sheet.append([datetime(2025, 3, 3, 10, 0), "eva@cliente.example", "Comida", 75])
    path = tmp_path / "agenda.xlsx"
    book.save(path)

    run("import_csv", path, "--map", "Cuándo=start", "--map", "Con=email",
        "--map", "Asunto=subject", "--map", "Minutos=duration_min")  # fmt: skip

    row = Interaction.objects.get()
    # A naive time is read in the installation's zone (Madrid, winter): 09:00Z.
    assert (row.started_at, row.duration_min, row.summary) == (
        datetime(2025, 3, 3, 9, 0, tzinfo=UTC), 75, "Comida"
    )  # fmt: skip
    assert [p.name for p in row.people.all()] == ["Eva"]


def test_bad_rows_and_unknown_layouts_are_refused(tmp_path: Path) -> None:
    colleague("ana@nosotros.example")
    bad_date = write(tmp_path, "Event.csv", SF_EVENTS.replace("2025-05-06T08:30:00.000Z", "ayer"))
    unknown = write(tmp_path, "x.csv", "Foo,Bar\n1,2\n")
    before = checksum()

    err = refused(bad_date)
    assert "Event.csv:2: start: “ayer” is not a date" in err
    err = refused(unknown)
    assert "x.csv:1: the columns map to nothing known; name them with --map COLUMN=FIELD" in err
    err = refused(unknown, "--map", "Nope=email")
    assert "x.csv:1: no column named Nope" in err
    err = refused(write(tmp_path, "y.csv", "a,b\n"), "--map", "a=colour")
    assert "Unknown field “colour”" in err
    err = refused(write(tmp_path, "z.xlsx", "not a workbook"))
    assert "z.xlsx: not an Excel (.xlsx) file" in err
    assert checksum() == before


def test_preset_forces_a_vendor() -> None:
    header = ["First Name", "Last Name", "Email", "Job Title"]
    assert recognise(header) is None
    forced = recognise(header, "hubspot")
    assert forced is not None and forced.label == "HubSpot contacts"


def test_dates() -> None:
    assert parse_when("5/7/24 10:26", month_first=True) == datetime(2024, 5, 7, 8, 26, tzinfo=UTC)
    assert parse_when("07/05/2024", month_first=False) == datetime(2024, 5, 6, 22, 0, tzinfo=UTC)
    assert parse_when("2006-04-15T03:23:15.000Z", month_first=False) == datetime(
        2006, 4, 15, 3, 23, 15, tzinfo=UTC
    )


# -- the real files ----------------------------------------------------------------------


def test_real_hubspot_companies(realdata: Path) -> None:
    path = realdata / "csv" / "hubspot__companies_export.csv"

    _out, _err = run("import_csv", path)

    assert Account.objects.count() == 32
    vision = Account.objects.get(name="Vision VMC")
    assert list(vision.domains.values_list("domain", flat=True)) == ["visionvmc.com"]
    assert vision.industry == "Real Estate"
    integration = Account.objects.get(name="Integration 4.0 Inc.")
    assert list(integration.domains.values_list("domain", flat=True)) == ["i40inc.com"]
    assert ExternalId.objects.filter(system="hubspot", external_id="19570433918").exists()
    before = checksum()
    run("import_csv", path)
    assert checksum() == before


def test_real_salesforce_data_loader_accounts_in_windows_1252(realdata: Path) -> None:
    out, err = run("import_csv", realdata / "csv" / "sf_dataloader__accountData.csv")

    assert "not UTF-8; read as Windows-1252" in err
    assert "read as Salesforce accounts" in out
    assert "423 items read" in out
    assert Account.objects.filter(name="Gravity Investments", country="US").exists()


def test_real_google_contacts(realdata: Path) -> None:
    run("import_csv", realdata / "csv" / "roundcube__gmail_google_contacts.csv")

    contact = Person.objects.get()
    assert contact.name == "Prefix Firstname Middle Lastname Suffix"
    assert contact.birthday == date(1975, 12, 12)
    assert contact.notes == 'note"note'
    assert sorted(contact.emails.values_list("email", flat=True)) == [
        "home@aaa.pl", "other@email.com", "unknown@email.com", "work@email.pl"
    ]  # fmt: skip
    assert Employment.objects.get(person=contact).title == "jobtitle"


def test_real_headers_are_recognised(realdata: Path) -> None:
    folder = realdata / "csv"
    for name, label in [
        ("hubspot__contacts_export.HEADER_ONLY.csv", "HubSpot contacts"),
        ("salesforce__dataexport_Contact.HEADER_ONLY.csv", "Salesforce contacts"),
        ("salesforce__dataexport_Event.HEADER_ONLY.csv", "Salesforce events"),
        ("salesforce__dataexport_Task.HEADER_ONLY.csv", "Salesforce tasks"),
    ]:
        out, _err = run("import_csv", folder / name, "--dry-run")
        assert f"read as {label}" in out
    err = refused(folder / "sf_dataloader__opportunityData.csv")
    assert "the columns map to nothing known" in err
