"""Contacts and companies from address books and CRMs, written through the people services.

An address book has hundreds or thousands of cards, not millions: each record goes through
``person_create`` / ``account_create`` / ``employment_start`` (validation and timeline
included), with the lookups (addresses, domains, account names, outside ids) loaded once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from vinculo.capture.core import Session, domain_of, is_free_mail, name_from_address
from vinculo.capture.models import ExternalId
from vinculo.people.models import Account, Employment, Person
from vinculo.people.services import account_create, employment_start, person_create, person_update
from vinculo.vocab import AccountStatus, LegalBasis


@dataclass(slots=True)
class ContactRecord:
    where: str
    name: str
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    company: str = ""
    title: str = ""
    birthday: date | None = None
    notes: str = ""
    external_id: str = ""
    company_external_id: str = ""


@dataclass(slots=True)
class AccountRecord:
    where: str
    name: str
    domains: list[str] = field(default_factory=list)
    industry: str = ""
    country: str = ""
    external_id: str = ""


class _Lookups:
    """Per run: account names and outside ids, loaded on first use."""

    def __init__(self) -> None:
        self.account_names: dict[str, int] | None = None
        self.external: dict[tuple[str, str], tuple[int | None, int | None]] | None = None

    def names(self) -> dict[str, int]:
        if self.account_names is None:
            self.account_names = {
                name.casefold(): pk for pk, name in Account.objects.values_list("pk", "name")
            }
        return self.account_names

    def ids(self) -> dict[tuple[str, str], tuple[int | None, int | None]]:
        if self.external is None:
            self.external = {
                (system, ext): (person, account)
                for system, ext, person, account in ExternalId.objects.values_list(
                    "system", "external_id", "person_id", "account_id"
                )
            }
        return self.external


def _lookups(session: Session) -> _Lookups:
    found = getattr(session, "_people_lookups", None)
    if found is None:
        found = _Lookups()
        session._people_lookups = found  # type: ignore[attr-defined]
    return found


def external_person(session: Session, system: str, external_id: str) -> int | None:
    return _lookups(session).ids().get((system, external_id), (None, None))[0]


def external_account(session: Session, system: str, external_id: str) -> int | None:
    return _lookups(session).ids().get((system, external_id), (None, None))[1]


def _remember(
    session: Session, system: str, external_id: str, *, person: int | None = None,
    account: int | None = None,
) -> None:  # fmt: skip
    if not system or not external_id:
        return
    ids = _lookups(session).ids()
    if (system, external_id) in ids:
        return
    ExternalId.objects.create(
        system=system, external_id=external_id, person_id=person, account_id=account
    )
    ids[(system, external_id)] = (person, account)


def _find_account(session: Session, *, name: str, domains: list[str]) -> int | None:
    directory = session.directory
    for domain in domains:
        if domain in directory.account_domains:
            return directory.account_domains[domain]
    return _lookups(session).names().get(name.casefold()) if name else None


def account_apply(session: Session, record: AccountRecord, *, system: str = "") -> int | None:
    """Find the account (outside id, domain, name) or create it; returns its id."""
    report = session.report
    directory = session.directory
    domains = [
        d for d in dict.fromkeys(record.domains)
        if d and not is_free_mail(d) and d not in directory.our_domains
    ]  # fmt: skip
    pk = external_account(session, system, record.external_id) if record.external_id else None
    if pk is None:
        pk = _find_account(session, name=record.name, domains=domains)
    if pk is not None:
        report.unchanged["account"] += 1
        _remember(session, system, record.external_id, account=pk)
        return pk
    if not record.name.strip():
        report.skipped["no_contact"] += 1
        return None
    free = [d for d in domains if d not in directory.account_domains]
    country = record.country.strip().upper()
    account = account_create(
        name=record.name.strip()[:200],
        domains=free,
        industry=record.industry.strip()[:120],
        country=country if len(country) == 2 and country.isalpha() else "",
        status=AccountStatus.PROSPECT,
        actor=session.actor,
    )
    report.created["account"] += 1
    for domain in free:
        directory.account_domains[domain] = account.pk
    _lookups(session).names()[account.name.casefold()] = account.pk
    _remember(session, system, record.external_id, account=account.pk)
    return account.pk


def _match_person(session: Session, record: ContactRecord, system: str) -> int | None:
    if record.external_id:
        pk = external_person(session, system, record.external_id)
        if pk is not None:
            return pk
    for address in record.emails:
        pk = session.directory.people.get(address)
        if pk is not None:
            return pk
    if not record.emails and record.name:
        # A card without an address is matched only among people without one, by name:
        # the one sharing a phone, else the oldest (so a re-import finds the same).
        found = list(
            Person.objects.filter(name__iexact=record.name, emails__isnull=True)
            .order_by("pk")
            .values_list("pk", "phones")
        )
        for pk, phones in found:
            if set(record.phones) & set(phones.split("; ")):
                return pk
        return found[0][0] if found else None
    return None


def _facts_source(record: ContactRecord) -> str:
    """Where a birthday read from a card or a CRM row comes from: a personal fact needs
    the source of its legal basis (M18, ``people.checks.person_problems``)."""
    return _("Imported from %(file)s") % {"file": Path(record.where.rsplit(":", 1)[0]).name}


def contact_apply(
    session: Session,
    record: ContactRecord,
    *,
    legal_basis: str = LegalBasis.LEGITIMATE_INTEREST,
    system: str = "",
) -> int | None:
    """Create or complete the person of a card or CRM row; returns their id."""
    report = session.report
    directory = session.directory
    if not record.name and not record.emails and not record.phones:
        report.skipped["no_contact"] += 1
        return None
    if any(directory.side(address) == "ours" for address in record.emails):
        report.skipped["internal"] += 1
        return None
    pk = _match_person(session, record, system)
    if pk is None:
        free = [a for a in record.emails if a not in directory.people]
        display = record.name or (
            name_from_address(record.emails[0]) if record.emails else record.phones[0]
        )
        try:
            person = person_create(
                name=display,
                emails=free,
                phones="; ".join(record.phones)[:200],
                legal_basis=legal_basis,
                notes=record.notes,
                actor=session.actor,
            )  # fmt: skip
        except ValidationError as error:
            report.problem(record.where, "; ".join(error.messages))
            return None
        if record.birthday is not None:
            person_update(
                person=person,
                birthday=record.birthday,
                legal_basis_source=_facts_source(record),
                actor=session.actor,
            )
        for address in free:
            directory.people[address] = person.pk
        report.created["person"] += 1
    else:
        person = Person.objects.get(pk=pk)
        changes: dict[str, Any] = {}
        phones = [p for p in person.phones.split("; ") if p]
        merged = phones + [p for p in record.phones if p not in phones]
        if merged != phones:
            changes["phones"] = "; ".join(merged)[:200]
        if record.birthday is not None and person.birthday is None:
            changes["birthday"] = record.birthday
            if not person.legal_basis_source:
                changes["legal_basis_source"] = _facts_source(record)
        if record.notes and record.notes not in person.notes:
            changes["notes"] = f"{person.notes}\n\n{record.notes}" if person.notes else record.notes
        new_emails = [a for a in record.emails if a not in directory.people]
        if new_emails:
            current = list(person.emails.order_by("id").values_list("email", flat=True))
            changes["emails"] = current + new_emails
        if changes:
            person_update(person=person, actor=session.actor, **changes)
        for address in new_emails:
            directory.people[address] = person.pk
        if changes or new_emails:
            report.updated["person"] += 1
        else:
            report.unchanged["person"] += 1
    _remember(session, system, record.external_id, person=person.pk)
    _employment(session, person, record, system)
    return person.pk


def _employment(session: Session, person: Person, record: ContactRecord, system: str) -> None:
    work_domains = [
        domain_of(a) for a in record.emails
        if not is_free_mail(domain_of(a)) and domain_of(a) not in session.directory.our_domains
    ]  # fmt: skip
    account_id = None
    if record.company_external_id:
        account_id = external_account(session, system, record.company_external_id)
    # A job needs a company named in the card: a bare address on a known domain is
    # left to the review of the people on that account.
    if account_id is None and record.company:
        account_id = _find_account(session, name=record.company, domains=work_domains)
        if account_id is None and record.company:
            account_id = account_apply(
                session, AccountRecord(record.where, record.company, work_domains[:1])
            )
    if account_id is None:
        return
    report = session.report
    if Employment.objects.filter(person=person, account_id=account_id, end__isnull=True).exists():
        report.unchanged["employment"] += 1
        return
    employment_start(
        person=person,
        account=Account.objects.get(pk=account_id),
        start=None,
        title=record.title[:200],
        actor=session.actor,
    )
    report.created["employment"] += 1


def problem_if_invalid_basis(value: str) -> str | None:
    if value not in LegalBasis.values:
        return _("“%(v)s” is not a legal basis (consent, contract, legitimate_interest).") % {
            "v": value
        }
    return None
