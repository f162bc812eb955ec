"""People as vCard 3.0 (RFC 2426), written with vobject: one card per person.

What a card holds: the name, every address and phone, the current company and title (the
first current job, as on the people list), the notes, and the birthday when the reader may
see personal facts (access.rules; the export records that read). The other profile facts
(family, tastes…) have no vCard property and stay in Vínculo.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator

import vobject
from django.db.models import QuerySet

from vinculo.exchange.lists import CHUNK, PEOPLE
from vinculo.people.models import Person

_NAMESPACE = uuid.UUID("8a3c3f0e-4d1b-5c7a-9e62-2f5b1d0c7a41")


def person_uid(person_id: int) -> str:
    """The same UID for the same person in every export, so address books update the card."""
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, f'person:{person_id}')}"


def _split_name(name: str) -> tuple[str, str]:
    """(given, family): the first word, then the rest (Spanish names carry two surnames)."""
    given, _space, family = name.strip().partition(" ")
    return given, family


def person_card(person: Person, *, personal: bool = False) -> str:
    """One person's card. ``person`` needs ``emails`` and ``current_jobs`` loaded (as the
    people list's queryset and ``person_profile`` have them). The birthday only with
    ``personal`` (the reader may see personal facts)."""
    card = vobject.vCard()
    card.add("uid").value = person_uid(person.pk)
    card.add("fn").value = person.name
    given, family = _split_name(person.name)
    card.add("n").value = vobject.vcard.Name(family=family, given=given)
    for address in person.emails.all():
        email = card.add("email")
        email.value = address.email
        email.type_param = "INTERNET"
    for phone in (p.strip() for p in person.phones.split(";")):
        if phone:
            card.add("tel").value = phone
    jobs = list(getattr(person, "current_jobs", None) or [])
    if not jobs:
        jobs = [job for job in getattr(person, "all_jobs", []) if job.end is None]
    if jobs:
        card.add("org").value = [jobs[0].account.name]
        if jobs[0].title:
            card.add("title").value = jobs[0].title
    if personal and person.birthday is not None:
        card.add("bday").value = person.birthday.isoformat()
    if person.notes:
        card.add("note").value = person.notes
    text: str = card.serialize()
    return text


def cards(people: Iterable[Person]) -> Iterator[bytes]:
    """Cards of people annotated with ``facts_visible`` (access.rules.with_personal_facts_flag)
    or, without it, with no personal facts."""
    for person in people:
        yield person_card(person, personal=bool(getattr(person, "facts_visible", False))).encode()


def people_cards(people: QuerySet[Person]) -> Iterator[bytes]:
    """The cards of a filtered people list, streamed: a fixed number of queries per chunk."""
    return cards(PEOPLE.prepare(people).iterator(chunk_size=CHUNK))
