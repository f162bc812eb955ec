"""import_vcard: 2.1 with quoted-printable, 3.0, 4.0, UTF-16; people, jobs, profile facts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from django.core.management.base import CommandError
from django.utils import translation

from vinculo.capture.tests.helpers import account, checksum, colleague, person, run
from vinculo.capture.vcard import normalise_phone
from vinculo.people.models import Account, Employment, Person
from vinculo.vocab import AccountStatus, LegalBasis

pytestmark = pytest.mark.django_db

OUTLOOK_21 = (
    "BEGIN:VCARD\r\nVERSION:2.1\r\n"
    "N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Ib=C3=A1=C3=B1ez;Mar=C3=ADa\r\n"
    "FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Mar=C3=ADa Ib=C3=A1=C3=B1ez\r\n"
    "ORG:Cliente S.A.;Compras\r\nTITLE:Jefa de compras\r\n"
    "TEL;WORK;VOICE:91 123 45 67\r\nTEL;CELL:+34 600-12-34-56\r\n"
    "EMAIL;PREF;INTERNET:Maria.Ibanez@Cliente.example\r\n"
    "NOTE;ENCODING=QUOTED-PRINTABLE:Prefiere llamadas por la ma=C3=B1ana.=0D=0AHija: Luc=\r\n"
    "=C3=ADa\r\n"
    "BDAY:19800321\r\n"
    "PHOTO;TYPE=JPEG;ENCODING=BASE64:\r\n/9j/4AAQSkZJRgABAQEASABIAAD\r\nAAAAAAAAAAAAAAAAAAAAAAAA==\r\n\r\n"
    "END:VCARD\r\n"
)
APPLE_30 = (
    "BEGIN:VCARD\nVERSION:3.0\nPRODID:-//Apple Inc.//iOS 17.0//EN\n"
    "N:Gil;Eva;;;\nFN:Eva Gil\nORG:Nueva Empresa\\, S.L.;\n"
    "item1.EMAIL;type=INTERNET;type=WORK;type=pref:eva@nueva.example\n"
    "item2.EMAIL;type=INTERNET;type=HOME:eva.gil@gmail.com\n"
    "TEL;type=CELL;type=VOICE;type=pref:611 22 33 44\nBDAY;value=date:1975-06-02\n"
    "NOTE:Le gusta el golf\\, y el jazz.\nEND:VCARD\n"
)
V40 = (
    "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Joan Puig\r\nN:Puig;Joan;;;\r\n"
    "EMAIL;TYPE=work:joan@cliente.example\r\nTEL;VALUE=uri;TYPE=\"voice,cell\":tel:+34-622-000-111\r\n"
    "BDAY:--0415\r\nEND:VCARD\r\n"
)  # fmt: skip


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def cliente() -> Account:
    colleague("ana@nosotros.example")
    return account("Cliente S.A.", "cliente.example")


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_outlook_21_quoted_printable_card(cliente: Account, tmp_path: Path) -> None:
    out, _err = run("import_vcard", write(tmp_path, "maria.vcf", OUTLOOK_21))

    maria = Person.objects.get()
    assert maria.name == "María Ibáñez"
    assert list(maria.emails.values_list("email", flat=True)) == ["maria.ibanez@cliente.example"]
    assert maria.phones == "+34911234567; +34600123456"
    assert maria.birthday == date(1980, 3, 21)
    assert maria.notes == "Prefiere llamadas por la mañana.\r\nHija: Lucía"
    assert maria.legal_basis == LegalBasis.LEGITIMATE_INTEREST
    job = Employment.objects.get(person=maria)
    assert (job.account, job.title, job.end) == (cliente, "Jefa de compras", None)
    assert "people: 1 created" in out


def test_apple_30_new_company_found_by_name_or_created(tmp_path: Path) -> None:
    existing = account("Nueva Empresa, S.L.")

    run("import_vcard", write(tmp_path, "eva.vcf", APPLE_30), "--legal-basis", "consent")

    eva = Person.objects.get()
    assert (eva.name, eva.phones, eva.birthday, eva.notes, eva.legal_basis) == (
        "Eva Gil", "+34611223344", date(1975, 6, 2), "Le gusta el golf, y el jazz.",
        LegalBasis.CONSENT,
    )  # fmt: skip
    assert sorted(eva.emails.values_list("email", flat=True)) == [
        "eva.gil@gmail.com", "eva@nueva.example"
    ]  # fmt: skip
    assert Employment.objects.get(person=eva).account == existing  # by name


def test_unknown_company_becomes_a_prospect_with_the_work_domain(tmp_path: Path) -> None:
    run("import_vcard", write(tmp_path, "eva.vcf", APPLE_30))

    created = Account.objects.get()
    assert (created.name, created.status) == ("Nueva Empresa, S.L.", AccountStatus.PROSPECT)
    # The work address gives the domain; the gmail one never does.
    assert list(created.domains.values_list("domain", flat=True)) == ["nueva.example"]


def test_v4_and_utf16_and_reimport(cliente: Account, tmp_path: Path) -> None:
    v4 = write(tmp_path, "joan.vcf", V40)
    utf16 = write(tmp_path, "utf16.vcf", OUTLOOK_21, "utf-16")
    utf16be = write(tmp_path, "utf16be.vcf", APPLE_30, "utf-16-be")  # no BOM

    run("import_vcard", v4, utf16, utf16be)

    joan = Person.objects.get(name="Joan Puig")
    assert (joan.phones, joan.birthday) == ("+34622000111", None)  # no year: no birthday
    # No company in the card: no job is made up from the address alone.
    assert not Employment.objects.filter(person=joan).exists()
    assert Person.objects.filter(name="María Ibáñez").exists()
    assert Person.objects.filter(name="Eva Gil").exists()
    before = checksum()

    out, _err = run("import_vcard", v4, utf16, utf16be)

    assert checksum() == before
    assert "people: 0 created, 0 updated, 3 unchanged" in out


def test_existing_person_is_completed_not_duplicated(cliente: Account, tmp_path: Path) -> None:
    maria = person("maria.ibanez@cliente.example", "María Ibáñez")

    out, _err = run("import_vcard", write(tmp_path, "maria.vcf", OUTLOOK_21))

    maria.refresh_from_db()
    assert Person.objects.count() == 1
    assert maria.birthday == date(1980, 3, 21)
    assert "people: 0 created, 1 updated" in out


def test_colleagues_cards_are_not_clients(cliente: Account, tmp_path: Path) -> None:
    card = "BEGIN:VCARD\nVERSION:3.0\nFN:Ana\nEMAIL:ana@nosotros.example\nEND:VCARD\n"

    out, _err = run("import_vcard", write(tmp_path, "ana.vcf", card))

    assert not Person.objects.exists()
    assert "skipped (only our own people): 1" in out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Cut\r\n", "bad.vcf: the file ends inside a card"),
        (b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "bad.vcf:1: not a vCard file"),
        (b"BEGIN:VCARD\r\nFN:Mar\xeda\r\nEND:VCARD\r\n", "bad.vcf:2: not UTF-8 or UTF-16 text"),
    ],
)
def test_bad_files_refused_nothing_changed(
    cliente: Account, tmp_path: Path, content: bytes, message: str
) -> None:
    good = write(tmp_path, "maria.vcf", OUTLOOK_21)
    bad = tmp_path / "bad.vcf"
    bad.write_bytes(content)
    before = checksum()

    from io import StringIO

    from django.core.management import call_command

    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_vcard", str(good), str(bad), stdout=StringIO(), stderr=err)

    assert checksum() == before
    assert any(line.endswith(message) or message in line for line in err.getvalue().splitlines())


def test_phone_normalisation() -> None:
    assert normalise_phone("600 12 34 56") == "+34600123456"
    assert normalise_phone("+1 954-491-9800") == "+19544919800"
    assert normalise_phone("0034 911 234 567") == "+34911234567"
    assert normalise_phone("BusinessPhone") == ""
    assert normalise_phone("12") == "12"


# -- the real files ----------------------------------------------------------------------


def test_real_vcards_of_every_producer(realdata: Path) -> None:
    """Outlook 2.1 (quoted-printable), Android 2.1 (UTF-8 inside QP), Gmail 3.0, Apple
    3.0 (a company card), FullContact 4.0 and an Apple export saved as UTF-16BE."""
    folder = realdata / "vcf"
    files = sorted(folder.glob("*.vcf"))

    run("import_vcard", *files)

    outlook = Person.objects.get(emails__email="mike.angstadt@gmail.com")
    assert outlook.name == "Mr. Michael Angstadt Jr."
    assert outlook.birthday == date(1922, 3, 10)
    assert Employment.objects.get(person=outlook).title == "TheJobTitle"
    gmail = Person.objects.filter(name="Mr. John Richter, James Doe Sr.").first()
    assert gmail is not None and gmail.birthday == date(1980, 3, 22)
    assert Person.objects.filter(name="Ǽgean ĽdaMonté").exists()  # UTF-16BE, no BOM
    assert Person.objects.filter(name__startswith="Ñ Ñ Ñ").exists()  # Android QP UTF-8
    # Apple's company card is an account, with its web domain; not a person.
    apple = Account.objects.get(name="Apple Computer AG")
    assert list(apple.domains.values_list("domain", flat=True)) == ["apple.ch"]
    assert not Person.objects.filter(name="Apple Computer AG").exists()
    full = Person.objects.get(emails__email="home@example.com")
    assert full.birthday == date(2016, 8, 1)  # vCard 4.0
    assert all(p.legal_basis == LegalBasis.LEGITIMATE_INTEREST for p in Person.objects.all())
    before = checksum()
    run("import_vcard", *files)
    assert checksum() == before


def test_real_the_bat_quoted_printable_without_charset(realdata: Path) -> None:
    run("import_vcard", realdata / "vcf" / "roundcube__thebat.vcf")

    piotr = Person.objects.get(emails__email="piotr.iksinski@somedomain.com")
    # The byte F1 with no charset named: read as Windows-1252 (ñ; the author meant
    # ISO-8859-2 ń, which nothing in the card says).
    assert piotr.name == "Piotr Iksiñski"


def test_real_unicode_outlook_data_with_any_charset(realdata: Path, tmp_path: Path) -> None:
    """The same card saved as UTF-16LE with a BOM (how Windows tools save "Unicode")."""
    data = (realdata / "vcf" / "ezvcard__outlook-2007.vcf").read_bytes().decode("utf-8")
    path = tmp_path / "unicode.vcf"
    path.write_bytes(data.encode("utf-16"))

    run("import_vcard", path)

    assert Person.objects.get().name == "Mr. Michael Angstadt Jr."
