"""Writes for people, accounts, employments, colleagues and contact plans.

Typed keyword-only functions shared by the web, the API, the CLI and the importers. Each
validates, writes, and records a timeline event.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from vinculo.people.models import (
    Account,
    AccountDomain,
    Colleague,
    ContactPlan,
    Employment,
    Person,
    PersonEmail,
)
from vinculo.timeline.models import EventKind
from vinculo.timeline.services import event_record
from vinculo.users.models import Team, User
from vinculo.vocab import AccountStatus, Channel, DecisionRole, Function, LegalBasis, Tier


def normalise_email(address: str) -> str:
    address = address.strip().lower()
    try:
        validate_email(address)
    except ValidationError as error:
        raise ValidationError(
            _("“%(address)s” is not a valid email address.") % {"address": address}
        ) from error
    return address


def normalise_domain(domain: str) -> str:
    domain = domain.strip().lower().removeprefix("@")
    if not domain or "." not in domain or " " in domain:
        raise ValidationError(_("“%(domain)s” is not a valid domain.") % {"domain": domain})
    return domain


def _check_choice(value: str, choices: type, field: str) -> None:
    if value and value not in choices.values:  # type: ignore[attr-defined]
        raise ValidationError({field: _("“%(value)s” is not a valid choice.") % {"value": value}})


@transaction.atomic
def account_create(
    *,
    name: str,
    domains: Iterable[str] = (),
    industry: str = "",
    country: str = "",
    tier: str = "",
    size: str = "",
    status: str = AccountStatus.ACTIVE,
    owner: Colleague | None = None,
    wallet_yearly: Decimal | None = None,
    key: str | None = None,
    actor: User | None = None,
) -> Account:
    if not name.strip():
        raise ValidationError({"name": _("An account needs a name.")})
    _check_choice(tier, Tier, "tier")
    _check_choice(status, AccountStatus, "status")
    if wallet_yearly is not None and wallet_yearly < 0:
        raise ValidationError({"wallet_yearly": _("The wallet cannot be negative.")})
    try:
        clean_domains = sorted({normalise_domain(d) for d in domains if d.strip()})
    except ValidationError as error:
        # Keyed by field, so that forms and the API can show it next to the domains.
        raise ValidationError({"domains": error.messages}) from error
    taken = AccountDomain.objects.filter(domain__in=clean_domains).values_list("domain", flat=True)
    if taken:
        raise ValidationError(
            {
                "domains": _("Domain already used by another account: %(d)s")
                % {"d": ", ".join(taken)}
            }
        )
    account = Account.objects.create(
        key=key or None,
        name=name.strip(),
        industry=industry,
        country=country.upper(),
        tier=tier,
        size=size,
        status=status,
        owner=owner,
        wallet_yearly=wallet_yearly,
    )
    AccountDomain.objects.bulk_create(
        [AccountDomain(account=account, domain=d) for d in clean_domains]
    )
    event_record(
        kind=EventKind.ACCOUNT_CREATED, account=account, actor=actor, data={"text": account.name}
    )
    return account


@transaction.atomic
def person_create(
    *,
    name: str,
    emails: Iterable[str] = (),
    phones: str = "",
    language: str = "",
    legal_basis: str = LegalBasis.LEGITIMATE_INTEREST,
    notes: str = "",
    owner: Colleague | None = None,
    key: str | None = None,
    actor: User | None = None,
) -> Person:
    if not name.strip():
        raise ValidationError({"name": _("A person needs a name.")})
    _check_choice(legal_basis, LegalBasis, "legal_basis")
    try:
        clean_emails = list(dict.fromkeys(normalise_email(e) for e in emails if e.strip()))
    except ValidationError as error:
        raise ValidationError({"emails": error.messages}) from error
    taken = list(PersonEmail.objects.filter(email__in=clean_emails).values_list("email", flat=True))
    if taken:
        raise ValidationError(
            {
                "emails": _("Address already belongs to someone else: %(e)s")
                % {"e": ", ".join(taken)}
            }
        )
    person = Person.objects.create(
        key=key or None,
        name=name.strip(),
        phones=phones,
        language=language,
        legal_basis=legal_basis,
        notes=notes,
        owner=owner,
    )
    PersonEmail.objects.bulk_create([PersonEmail(person=person, email=e) for e in clean_emails])
    event_record(
        kind=EventKind.PERSON_CREATED, person=person, actor=actor, data={"text": person.name}
    )
    return person


_PERSON_PROFILE_FIELDS = frozenset(
    {
        "name",
        "phones",
        "language",
        "legal_basis",
        "notes",
        "birthday",
        "family",
        "tastes",
        "friends",
        "interests",
        "professional_interests",
        "owner",
    }
)


@transaction.atomic
def person_update(*, person: Person, actor: User | None = None, **changes: object) -> Person:
    unknown = set(changes) - _PERSON_PROFILE_FIELDS
    if unknown:
        raise TypeError(f"person_update() got unexpected fields: {sorted(unknown)}")
    if "name" in changes and not str(changes["name"]).strip():
        raise ValidationError({"name": _("A person needs a name.")})
    if "legal_basis" in changes:
        _check_choice(str(changes["legal_basis"]), LegalBasis, "legal_basis")
    changed = [f for f, v in changes.items() if getattr(person, f) != v]
    for field in changed:
        setattr(person, field, changes[field])
    if changed:
        person.save(update_fields=changed)
        event_record(
            kind=EventKind.PERSON_UPDATED,
            person=person,
            actor=actor,
            data={"fields": sorted(changed)},
        )
    return person


@transaction.atomic
def employment_start(
    *,
    person: Person,
    account: Account,
    start: date | None,
    title: str = "",
    function: str = Function.OTHER,
    decision_role: str = "",
    actor: User | None = None,
) -> Employment:
    _check_choice(function, Function, "function")
    _check_choice(decision_role, DecisionRole, "decision_role")
    if Employment.objects.filter(person=person, account=account, end__isnull=True).exists():
        raise ValidationError(
            _("%(person)s already works at %(account)s.")
            % {"person": person.name, "account": account.name}
        )
    employment = Employment.objects.create(
        person=person,
        account=account,
        start=start,
        title=title,
        function=function,
        decision_role=decision_role,
    )
    event_record(
        kind=EventKind.EMPLOYMENT_STARTED,
        person=person,
        account=account,
        actor=actor,
        data={"text": f"{title} · {account.name}".strip(" ·"), "date": str(start or "")},
    )
    return employment


@transaction.atomic
def employment_end(*, employment: Employment, end: date, actor: User | None = None) -> Employment:
    if employment.end is not None:
        raise ValidationError(_("This employment has already ended."))
    if employment.start is not None and end < employment.start:
        raise ValidationError({"end": _("A job cannot end before it started.")})
    employment.end = end
    employment.save(update_fields=["end"])
    event_record(
        kind=EventKind.EMPLOYMENT_ENDED,
        person=employment.person,
        account=employment.account,
        actor=actor,
        data={"text": employment.account.name, "date": str(end)},
    )
    return employment


@transaction.atomic
def person_change_employment(
    *,
    person: Person,
    new_account: Account,
    on: date,
    title: str = "",
    function: str = Function.OTHER,
    decision_role: str = "",
    actor: User | None = None,
) -> Employment:
    """A person moves company: current jobs end the day before, the new one starts (M4).

    The history stays with the person; the old account keeps the ended employment. Ending
    the day before (not on the day) keeps the periods apart, so that on any date the person
    works at one of the two accounts and interactions are attributed without ambiguity.
    Everything is checked before anything is written.
    """
    current_jobs = list(person.employments.select_related("account").filter(end__isnull=True))
    for current in current_jobs:
        if current.account_id == new_account.pk:
            raise ValidationError(
                _("%(person)s already works at %(account)s.")
                % {"person": person.name, "account": new_account.name}
            )
        if current.start is not None and on <= current.start:
            raise ValidationError(
                {
                    "on": _("The move must come after the current job at %(account)s started.")
                    % {"account": current.account.name}
                }
            )
    for current in current_jobs:
        employment_end(employment=current, end=on - timedelta(days=1), actor=actor)
    return employment_start(
        person=person,
        account=new_account,
        start=on,
        title=title,
        function=function,
        decision_role=decision_role,
        actor=actor,
    )


def colleague_create(
    *,
    name: str,
    email: str | None = None,
    function: str = Function.SALES,
    team: Team | None = None,
    user: User | None = None,
    key: str | None = None,
) -> Colleague:
    if not name.strip():
        raise ValidationError({"name": _("A colleague needs a name.")})
    _check_choice(function, Function, "function")
    clean = normalise_email(email) if email else None
    if clean and Colleague.objects.filter(email=clean).exists():
        raise ValidationError({"email": _("A colleague with this address already exists.")})
    return Colleague.objects.create(
        key=key or None, name=name.strip(), email=clean, function=function, team=team, user=user
    )


@transaction.atomic
def contact_plan_set(
    *,
    person: Person,
    every_days: int,
    channel: str = "",
    place: str = "",
    agreed: bool = False,
    next_due: date | None = None,
    actor: User | None = None,
) -> ContactPlan:
    if every_days < 1:
        raise ValidationError({"every_days": _("The cadence must be at least one day.")})
    _check_choice(channel, Channel, "channel")
    plan, _created = ContactPlan.objects.update_or_create(
        person=person,
        defaults={
            "every_days": every_days,
            "channel": channel,
            "place": place,
            "agreed": agreed,
            "next_due": next_due,
        },
    )
    event_record(
        kind=EventKind.CONTACT_PLAN_SET,
        person=person,
        actor=actor,
        data={"every_days": every_days, "channel": channel},
    )
    return plan
