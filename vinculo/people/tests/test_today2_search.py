"""People search without accents or case, Spanish ordering (Person.search_name, today2)."""

from __future__ import annotations

import importlib
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection

from vinculo.exchange.bundle import bundle_import
from vinculo.factories import PersonFactory
from vinculo.people.models import Person, search_key
from vinculo.people.selectors import people_list, people_matching
from vinculo.people.services import person_create, person_update

pytestmark = pytest.mark.django_db

BUNDLE = Path(__file__).parents[2] / "exchange" / "tests" / "fixtures" / "bundle"


def test_search_key() -> None:
    assert search_key("Álvaro") == "alvaro"
    assert search_key("IÑIGO") == "inigo"
    assert search_key("José María Ruiz-Peña") == "jose maria ruiz-pena"
    assert search_key("Zoë Ångström") == "zoe angstrom"


def names(query: str) -> list[str]:
    return sorted(p.name for p in people_matching(Person.objects.all(), query=query))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("álvaro", ["Álvaro Pérez"]),
        ("Álvaro", ["Álvaro Pérez"]),
        ("Alvaro", ["Álvaro Pérez"]),
        ("ALVARO", ["Álvaro Pérez"]),
        ("iñigo", ["Iñigo Urrutia"]),
        ("Inigo", ["Iñigo Urrutia"]),
        ("JOSÉ", ["José Gómez"]),
        ("josé", ["José Gómez"]),
        ("jose", ["José Gómez"]),
        ("pérez", ["Álvaro Pérez"]),
    ],
)
def test_search_ignores_accents_and_case(query: str, expected: list[str]) -> None:
    for name in ("Álvaro Pérez", "Iñigo Urrutia", "José Gómez", "Marta Ruiz"):
        person_create(name=name)

    assert names(query) == expected


def test_the_key_follows_the_name() -> None:
    person = person_create(name="Ángela")
    assert Person.objects.get(pk=person.pk).search_name == "angela"

    person_update(person=person, name="Ñuria Álvarez")

    assert Person.objects.get(pk=person.pk).search_name == "nuria alvarez"
    assert PersonFactory(name="Óscar").search_name == "oscar"


def test_people_list_sorts_by_the_key() -> None:
    for name in ("Ana Vázquez", "Ana Álvarez", "ana Beltrán", "Ana Zamora"):
        person_create(name=name)

    assert [p.name for p in people_list()] == [
        "Ana Álvarez",
        "ana Beltrán",
        "Ana Vázquez",
        "Ana Zamora",
    ]
    assert people_list(sort="-name")[0].name == "Ana Zamora"


def test_bundle_import_writes_the_key() -> None:
    assert bundle_import(path=BUNDLE).ok
    rows = list(Person.objects.values_list("name", "search_name"))
    assert rows
    assert all(key == search_key(name) for name, key in rows)
    assert Person.objects.get(key="p-ana").search_name == "ana garcia"


def test_the_migration_fills_existing_rows() -> None:
    person = person_create(name="Álvaro Pérez")
    Person.objects.filter(pk=person.pk).update(search_name="")
    migration = importlib.import_module("vinculo.people.migrations.0005_today2_person_search_name")

    migration.fill(apps, SimpleNamespace(connection=connection))

    assert Person.objects.get(pk=person.pk).search_name == "alvaro perez"
