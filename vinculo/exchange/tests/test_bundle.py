"""The bundle of exchange.md §1: round trip, refusal, idempotence, zip, command line."""

from __future__ import annotations

import hashlib
import shutil
import zipfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import translation

from vinculo.exchange.bundle import COLUMNS, bundle_export, bundle_import
from vinculo.factories import AccountFactory, PersonFactory
from vinculo.interactions.models import Interaction, InteractionPerson
from vinculo.people.models import Account, Employment, Person, PersonEmail
from vinculo.timeline.models import EventKind, TimelineEvent

FIXTURE = Path(__file__).parent / "fixtures" / "bundle"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """The messages are asserted word for word, in English."""
    with translation.override("en"):
        yield


def table_counts() -> dict[str, int]:
    return {m._meta.db_table: m._default_manager.count() for m in apps.get_models()}


def checksum() -> str:
    """Every row of every table of ours, in pk order: any change shows. The audit trail is
    left out: it records, by design, that an import ran (one summary entry per run)."""
    digest = hashlib.sha256()
    with connection.cursor() as cursor:
        for model in apps.get_models():
            if not model.__module__.startswith("vinculo.") or model._meta.app_label == "audit":
                continue
            table = connection.ops.quote_name(model._meta.db_table)
            if model._meta.label == "health.InteractionDaySummary":
                # Derived rows, rebuilt (delete + insert) for the subjects an import touched:
                # their content must not change, their ids may.
                columns = ", ".join(
                    connection.ops.quote_name(f.column)
                    for f in model._meta.concrete_fields
                    if not f.primary_key
                )
                cursor.execute(f"SELECT {columns} FROM {table} ORDER BY {columns}")
            else:
                cursor.execute(f"SELECT * FROM {table} ORDER BY 1")
            for row in cursor.fetchall():
                digest.update(repr(row).encode())
    return digest.hexdigest()


def read_files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.csv"))}


def test_fixture_bundle_imports_with_derived_accounts() -> None:
    report = bundle_import(path=FIXTURE)

    assert report.ok, report.problems
    assert report.files["interactions.csv"].created == 6
    john = Person.objects.get(key="p-john")
    assert sorted(PersonEmail.objects.filter(person=john).values_list("email", flat=True)) == [
        "john.smith@northwind.co.uk",
        "jsmith@gmail.com",
    ]
    # John moved from Acme to Northwind: each interaction gets the account of its date.
    assert Interaction.objects.get(key="i-001").account.key == "acc-acme"
    assert Interaction.objects.get(key="i-003").account.key == "acc-northwind"
    assert Employment.objects.filter(person=john, end__isnull=True).get().account.key == (
        "acc-northwind"
    )
    assert Account.objects.get(key="acc-acme").owner.email == "lucia.fernandez@nosotros.example"
    assert Interaction.objects.get(key="i-002").level == ""
    events = TimelineEvent.objects.filter(kind=EventKind.BUNDLE_IMPORTED)
    assert events.count() == 1
    assert events.get().data["counts"]["people.csv"]["created"] == 4


def test_round_trip_is_byte_identical(tmp_path: Path, django_db_blocker: object) -> None:
    # Given the fixture plus rows made in the app without a key
    assert bundle_import(path=FIXTURE).ok
    made_here = AccountFactory(name="Hecho aquí, S.L.", key=None)
    person = PersonFactory(name="Zoë Ångström", key=None)
    Employment.objects.create(person=person, account=made_here, title="CEO", function="management")
    first, second = tmp_path / "first", tmp_path / "second"

    # When exporting, importing into an empty database and exporting again
    bundle_export(path=first)
    for model in (Interaction, Employment, Person, Account):
        model.objects.all().delete()
    for model in apps.get_models():
        if model.__module__.startswith("vinculo.") and model._meta.model_name != "user":
            model._default_manager.all().delete()
    assert Person.objects.count() == 0
    report = bundle_import(path=first)
    assert report.ok, report.problems
    bundle_export(path=second)

    # Then the files are the same, byte for byte, with the contract's header
    assert read_files(first) == read_files(second)
    assert set(read_files(first)) == set(COLUMNS)
    people = (first / "people.csv").read_text(encoding="utf-8").splitlines()
    assert people[0] == ",".join(COLUMNS["people.csv"])
    assert any(line.startswith(f"person-{person.pk},Zoë Ångström") for line in people)
    interactions = (first / "interactions.csv").read_text(encoding="utf-8")
    assert "i-002,2025-02-03T16:00:00Z,20,call" in interactions
    assert "i-001,2025-01-10T08:30:00Z,60," in interactions


def test_reimport_changes_nothing() -> None:
    # Given the bundle imported once
    assert bundle_import(path=FIXTURE).ok
    counts, ids, before = (
        table_counts(),
        list(InteractionPerson.objects.values_list("pk")),
        checksum(),
    )

    # When importing it again
    report = bundle_import(path=FIXTURE)

    # Then nothing was created or updated, not even a link between people and meetings
    assert report.ok
    assert all(c.created == 0 and c.updated == 0 for c in report.files.values()), report.counts()
    assert report.files["interactions.csv"].unchanged == 6
    assert table_counts() == counts
    assert list(InteractionPerson.objects.values_list("pk")) == ids
    assert checksum() == before


def test_changed_rows_are_updated_in_place(tmp_path: Path) -> None:
    assert bundle_import(path=FIXTURE).ok
    ana_id = Person.objects.get(key="p-ana").pk
    bundle = tmp_path / "b"
    shutil.copytree(FIXTURE, bundle)
    people = (bundle / "people.csv").read_text(encoding="utf-8")
    (bundle / "people.csv").write_text(
        people.replace("Ana.Garcia@acme.es", "ana@acme.es;agarcia@acme.es"), encoding="utf-8"
    )
    interactions = (bundle / "interactions.csv").read_text(encoding="utf-8")
    (bundle / "interactions.csv").write_text(
        interactions.replace("col-lucia,p-ana,manual", "col-lucia,p-ana;p-pilar,manual"),
        encoding="utf-8",
    )

    report = bundle_import(path=bundle)

    assert report.ok, report.problems
    assert report.files["people.csv"].updated == 1
    assert report.files["interactions.csv"].updated == 1
    assert Person.objects.get(key="p-ana").pk == ana_id
    assert list(PersonEmail.objects.filter(person_id=ana_id).values_list("email", flat=True)) == [
        "ana@acme.es",
        "agarcia@acme.es",
    ]
    assert Interaction.objects.get(key="i-002").people.count() == 2


BAD = {
    "people.csv": "key,name,emails,phones,language,legal_basis,notes,shoe_size\n"
    "p-ana,Ana García Nueva,ana@acme.es,,es,friendship,,38\n"
    "p-ana,Ana Duplicada,,,es,consent,,\n"
    "p-luis,Luis,luis@acme.es,,es,,,\n",
    "interactions.csv": ",".join(COLUMNS["interactions.csv"]) + "\n"
    "x-1,2025-13-01T10:00:00Z,30,meeting,,outbound,,Fecha imposible,,p-luis,\n"
    'x-2,2025-01-01T10:00:00Z,-5,call,,outbound,,"Duración\nnegativa",,p-luis,\n'
    "x-3,2025-01-02T10:00:00Z,10,fax,,outbound,,Canal raro,,p-nadie,\n"
    "x-4,2025-01-02,10,call,,outbound,,Sin hora,,p-luis,\n",
    "employments.csv": "person_key,account_key,title,function,decision_role,start,end\n"
    "p-luis,acc-acme,Comprador,purchasing,,2024-05-01,2024-04-30\n",
}


def test_bad_bundle_is_refused_whole_with_every_problem(tmp_path: Path) -> None:
    # Given a database with data, and a bundle with problems across files
    assert bundle_import(path=FIXTURE).ok
    counts, before = table_counts(), checksum()
    ana = Person.objects.get(key="p-ana")
    bundle = tmp_path / "bad"
    shutil.copytree(FIXTURE, bundle)
    for name, text in BAD.items():
        (bundle / name).write_text(text, encoding="utf-8")

    # When importing it
    report = bundle_import(path=bundle)

    # Then it is refused, each problem where it is, and nothing changed
    assert not report.ok
    assert report.problems == [
        "people.csv:2: legal_basis: “friendship” is not one of: consent, contract, "
        "legitimate_interest.",
        "people.csv:3: key: the key “p-ana” appears more than once in the file",
        "employments.csv:2: end: A job cannot end before it started.",
        "interactions.csv:2: start: “2025-13-01T10:00:00Z” is not a date and time in ISO 8601 "
        "with an offset or Z",
        "interactions.csv:3: duration_min: The duration cannot be negative.",
        "interactions.csv:5: their: unknown person key “p-nadie”",
        "interactions.csv:5: channel: “fax” is not one of: meeting, call, video, email, meal, "
        "event, message.",
        "interactions.csv:6: start: “2025-01-02” is not a date and time in ISO 8601 with an "
        "offset or Z",
    ]
    assert report.warnings == ["people.csv:1: unknown columns ignored: shoe_size"]
    assert table_counts() == counts
    assert checksum() == before
    ana.refresh_from_db()
    assert ana.name == "Ana García"
    assert not Person.objects.filter(key="p-luis").exists()


def test_missing_columns_are_refused(tmp_path: Path) -> None:
    (tmp_path / "people.csv").write_text("key,name\np-1,Uno\n", encoding="utf-8")

    report = bundle_import(path=tmp_path)

    assert report.problems == [
        "people.csv:1: missing columns: emails, phones, language, legal_basis, notes"
    ]
    assert Person.objects.count() == 0


def test_dry_run_counts_and_writes_nothing() -> None:
    report = bundle_import(path=FIXTURE, dry_run=True)

    assert report.ok
    assert report.files["people.csv"].created == 4
    assert Person.objects.count() == 0
    assert TimelineEvent.objects.count() == 0


def test_zip_bundle_round_trip(tmp_path: Path) -> None:
    archive = tmp_path / "bundle.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in FIXTURE.glob("*.csv"):
            zipped.write(path, f"mi-bundle/{path.name}")

    report = bundle_import(path=archive)

    assert report.ok, report.problems
    assert Interaction.objects.count() == 6
    bundle_export(path=tmp_path / "out.zip")
    bundle_export(path=tmp_path / "again.zip")
    assert (tmp_path / "out.zip").read_bytes() == (tmp_path / "again.zip").read_bytes()
    with zipfile.ZipFile(tmp_path / "out.zip") as zipped:
        assert sorted(zipped.namelist()) == sorted(COLUMNS)
        assert zipped.read("people.csv").startswith(b"key,name,emails,phones,")


def test_command_line_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    call_command("import_bundle", str(FIXTURE))
    out = capsys.readouterr().out
    assert "interactions.csv" in out and "6 created, 0 updated, 0 unchanged" in out

    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "people.csv").write_text(BAD["people.csv"], encoding="utf-8")
    with pytest.raises(CommandError) as refused:
        call_command("import_bundle", str(bad))
    assert refused.value.returncode == 2
    err = capsys.readouterr().err
    assert "people.csv:3: key: the key “p-ana” appears more than once in the file" in err

    call_command("export_bundle", str(tmp_path / "out.zip"))
    assert zipfile.is_zipfile(tmp_path / "out.zip")


def test_profile_facts_survive_the_round_trip_with_their_legal_basis(tmp_path: Path) -> None:
    # Given the fixture, whose profile_facts.csv knows Ana and John
    assert bundle_import(path=FIXTURE).ok
    ana = Person.objects.get(key="p-ana")
    assert ana.birthday == date(1980, 3, 14)
    assert ana.family == "Casada con Íñigo; dos hijas, Lucía y Marta"
    assert ana.interests == "Pádel los sábados\ny montaña en verano"
    assert Person.objects.get(key="p-john").tastes == "Single malt"

    # When exporting, then the facts are in profile_facts.csv, only for people we know of,
    # and the legal basis they are held under is the person's, in people.csv
    bundle_export(path=tmp_path / "out")
    facts = (tmp_path / "out" / "profile_facts.csv").read_text(encoding="utf-8")
    assert facts.splitlines()[0] == ",".join(COLUMNS["profile_facts.csv"])
    assert facts.count("\np-") == 2
    assert "p-ana,1980-03-14,Casada con Íñigo; dos hijas, Lucía y Marta," not in facts
    assert 'p-ana,1980-03-14,"Casada con Íñigo; dos hijas, Lucía y Marta",' in facts
    assert "p-pilar" not in facts
    people = (tmp_path / "out" / "people.csv").read_text(encoding="utf-8")
    assert (
        "p-john,John Smith,john.smith@northwind.co.uk;jsmith@gmail.com,+44 20 7946 0000,en,consent,"
        in people
    )


def test_profile_facts_update_clear_and_refuse(tmp_path: Path) -> None:
    assert bundle_import(path=FIXTURE).ok
    bundle = tmp_path / "b"
    bundle.mkdir()
    (bundle / "profile_facts.csv").write_text(
        ",".join(COLUMNS["profile_facts.csv"]) + "\n"
        "p-ana,1980-03-15,,Té verde,,,\n"
        "p-john,,Two sons at university,Single malt,,Rugby (Harlequins),\n",
        encoding="utf-8",
    )

    report = bundle_import(path=bundle)

    assert report.ok, report.problems
    assert report.counts()["profile_facts.csv"] == {"created": 0, "updated": 1, "unchanged": 1}
    ana = Person.objects.get(key="p-ana")
    assert (ana.birthday, ana.family, ana.tastes) == (date(1980, 3, 15), "", "Té verde")
    assert Person.objects.get(key="p-pilar").family == ""

    (bundle / "profile_facts.csv").write_text(
        ",".join(COLUMNS["profile_facts.csv"]) + "\n"
        "p-ana,15/03/1980,,,,,\n"
        "p-nadie,,,,,,\n"
        "p-john,,,,,,\n"
        "p-john,,,,,,\n",
        encoding="utf-8",
    )
    before = checksum()
    report = bundle_import(path=bundle)
    assert report.problems == [
        "profile_facts.csv:2: birthday: “15/03/1980” is not a date (YYYY-MM-DD)",
        "profile_facts.csv:3: person_key: unknown person key “p-nadie”",
        "profile_facts.csv:5: person_key: this person has another row in the file",
    ]
    assert checksum() == before


def test_interaction_dates_and_summary_follow_the_shared_rule(tmp_path: Path) -> None:
    """today2: the importer refuses what the web form and the API refuse (our side aside:
    a calendar or CRM row may name nobody of ours)."""
    bundle = tmp_path / "dates"
    shutil.copytree(FIXTURE, bundle)
    long_summary = "x" * 10_001
    (bundle / "interactions.csv").write_text(
        "key,start,duration_min,channel,place,direction,level,summary,our,their,source\n"
        "d-1,1985-06-01T10:00:00Z,10,call,,outbound,,Antigua,,p-ana,\n"
        "d-2,2099-06-01T10:00:00Z,10,call,,outbound,,Futura,,p-ana,\n"
        f"d-3,2025-06-01T10:00:00Z,10,call,,outbound,,{long_summary},,p-ana,\n"
        "d-4,2025-06-01T11:00:00Z,10,call,,outbound,,Sin nadie nuestro,,p-ana,\n",
        encoding="utf-8",
    )

    report = bundle_import(path=bundle)

    assert report.problems == [
        "interactions.csv:2: start: Dates before 1990 are not accepted.",
        "interactions.csv:3: start: At most one year ahead.",
        "interactions.csv:4: summary: At most 10000 characters (this has 10001).",
    ]
