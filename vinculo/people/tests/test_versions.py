"""Two people editing the same record: the second save, based on an older copy, is refused."""

import pytest

from vinculo.concurrency import StaleVersion
from vinculo.factories import PersonFactory, UserFactory
from vinculo.people.models import Person
from vinculo.people.services import person_update

pytestmark = pytest.mark.django_db


def test_each_save_raises_the_version_and_remembers_who():
    ana = UserFactory(first_name="Ana", last_name="Ruiz")
    person = PersonFactory(name="Lola Vidal")
    assert person.version == 1
    person_update(person=person, actor=ana, version=1, notes="Prefiere llamadas")
    person.refresh_from_db()
    assert (person.version, person.changed_by) == (2, ana)


def test_a_stale_copy_is_refused_and_changes_nothing():
    ana = UserFactory(first_name="Ana", last_name="Ruiz")
    luis = UserFactory(first_name="Luis", last_name="Gil")
    person = PersonFactory(name="Lola Vidal")
    first = Person.objects.get(pk=person.pk)
    second = Person.objects.get(pk=person.pk)
    person_update(person=first, actor=ana, version=1, notes="Ana's note")
    with pytest.raises(StaleVersion) as refused:
        person_update(person=second, actor=luis, version=1, notes="Luis's note")
    assert "Ana Ruiz" in refused.value.message_dict["version"][0]
    assert refused.value.current == 2
    person.refresh_from_db()
    assert (person.notes, person.version) == ("Ana's note", 2)


def test_no_version_means_the_face_does_not_track_them():
    person = PersonFactory(name="Lola Vidal")
    stale = Person.objects.get(pk=person.pk)
    person_update(person=person, notes="one")
    person_update(person=stale, notes="two")
    person.refresh_from_db()
    assert (person.notes, person.version) == ("two", 3)


def test_rows_inserted_in_bulk_start_at_version_1_from_the_database_default():
    from vinculo.bulk import copy_rows, insert_returning, insert_rows
    from vinculo.growth.models import ProductLine

    insert_rows(ProductLine, ("name",), [("Bombas",)])
    copy_rows(ProductLine, ("name",), [("Válvulas",)])
    insert_returning(ProductLine, ("name",), [("Sensores",)], returning=("id",))
    assert sorted(ProductLine.objects.values_list("name", "version")) == [
        ("Bombas", 1),
        ("Sensores", 1),
        ("Válvulas", 1),
    ]
