"""Writes for people, accounts, employments, colleagues and contact plans.

Typed keyword-only functions shared by the web, the API, the CLI and the importers. Each
validates (with the pure checks of ``people.checks``, which the bundle importer and the admin
share), takes the row locks it needs, writes, records a timeline event and, after commit,
refreshes the health of the people and accounts it touched.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from vinculo.checks import raise_problems
from vinculo.concurrency import check_version
from vinculo.health.services import health_refresh_after_commit
from vinculo.health.summary import summary_refresh
from vinculo.interactions.models import Interaction, InteractionPerson
from vinculo.interactions.services import interactions_assign_accounts
from vinculo.people.checks import (
    PERSONAL_FACT_FIELDS,
    account_problems,
    colleague_problems,
    contact_plan_problems,
    domains_clean,
    email_problem,
    emails_clean,
    employment_problems,
    person_problems,
    personal_facts_given,
)
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
from vinculo.vocab import AccountStatus, Function, LegalBasis


def _refresh(*, people: Iterable[int] = (), accounts: Iterable[int] = ()) -> None:
    health_refresh_after_commit(person_ids=list(people), account_ids=list(accounts))


def _lock(model: type[Model], pk: int) -> None:
    """Hold the row until the transaction ends (a no-op on SQLite, which locks the file)."""
    model._default_manager.select_for_update().filter(pk=pk).values_list("pk").first()


def _reassign_interactions(person_id: int) -> None:
    """A job changed: the accounts of this person's interactions may have too."""
    interactions = Interaction.objects.filter(
        pk__in=InteractionPerson.objects.filter(person_id=person_id).values("interaction_id")
    )
    accounts = interactions.exclude(account__isnull=True).values_list("account_id", flat=True)
    left = set(accounts.distinct())
    interactions_assign_accounts(interactions)
    # The daily summary of the accounts they leave and the ones they join (health.summary).
    summary_refresh(account_ids=left | set(accounts.distinct()))


def _taken_by_others(
    field: str, clean: list[str], taken: QuerySet[Any], owner: str, owner_row: object | None
) -> list[str]:
    """Which of the cleaned values another row already holds (one query)."""
    taken = taken.filter(**{f"{field}__in": clean})
    if owner_row is not None:
        taken = taken.exclude(**{owner: owner_row})
    return sorted(taken.values_list(field, flat=True))


def account_domains_check(domains: Iterable[str], account: Account | None = None) -> list[str]:
    """The domains cleaned, or a ValidationError: invalid, or another account's."""
    clean, problem = domains_clean(domains)
    if problem is not None:
        # Keyed by field, so that forms and the API can show it next to the domains.
        raise ValidationError({"domains": problem})
    names = _taken_by_others("domain", clean, AccountDomain.objects.all(), "account", account)
    if names:
        raise ValidationError(
            {
                "domains": _("Domain already used by another account: %(d)s")
                % {"d": ", ".join(names)}
            }
        )
    return clean


def person_emails_check(emails: Iterable[str], person: Person | None = None) -> list[str]:
    """The addresses cleaned, or a ValidationError: invalid, or someone else's."""
    clean, problem = emails_clean(emails)
    if problem is not None:
        raise ValidationError({"emails": problem})
    names = _taken_by_others("email", clean, PersonEmail.objects.all(), "person", person)
    if names:
        raise ValidationError(
            {
                "emails": _("Address already belongs to someone else: %(e)s")
                % {"e": ", ".join(names)}
            }
        )
    return clean


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
    country = country.strip().upper()
    raise_problems(
        account_problems(
            name=name,
            industry=industry,
            country=country,
            tier=tier,
            size=size,
            status=status,
            wallet_yearly=wallet_yearly,
        )
    )
    clean_domains = account_domains_check(domains)
    account = Account.objects.create(
        key=key or None,
        name=name.strip(),
        industry=industry,
        country=country,
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
    _refresh(accounts=[account.pk])
    return account


_ACCOUNT_FIELDS = frozenset(
    {"name", "industry", "country", "tier", "size", "status", "owner", "wallet_yearly"}
)


@transaction.atomic
def account_update(
    *,
    account: Account,
    actor: User | None = None,
    domains: Iterable[str] | None = None,
    **changes: Any,
) -> Account:
    """Change an account's facts (and, given ``domains``, replace its email domains)."""
    unknown = set(changes) - _ACCOUNT_FIELDS
    if unknown:
        raise TypeError(f"account_update() got unexpected fields: {sorted(unknown)}")
    if "name" in changes:
        changes["name"] = str(changes["name"]).strip()
    if "country" in changes:
        changes["country"] = str(changes["country"]).strip().upper()
    merged = {f: changes.get(f, getattr(account, f)) for f in _ACCOUNT_FIELDS - {"owner"}}
    raise_problems(account_problems(**merged))
    _lock(Account, account.pk)
    changed = [f for f, v in changes.items() if getattr(account, f) != v]
    for field in changed:
        setattr(account, field, changes[field])
    if changed:
        account.save(update_fields=changed)
    if domains is not None:
        clean = account_domains_check(domains, account)
        current = set(account.domains.values_list("domain", flat=True))
        if set(clean) != current:
            account.domains.exclude(domain__in=clean).delete()
            AccountDomain.objects.bulk_create(
                [AccountDomain(account=account, domain=d) for d in clean if d not in current]
            )
            changed.append("domains")
    if changed:
        event_record(
            kind=EventKind.ACCOUNT_UPDATED,
            account=account,
            actor=actor,
            data={"fields": sorted(changed), "text": account.name},
        )
        _refresh(accounts=[account.pk])
    return account


@transaction.atomic
def person_create(
    *,
    name: str,
    emails: Iterable[str] = (),
    phones: str = "",
    language: str = "",
    legal_basis: str = LegalBasis.LEGITIMATE_INTEREST,
    legal_basis_source: str = "",
    notes: str = "",
    owner: Colleague | None = None,
    key: str | None = None,
    actor: User | None = None,
) -> Person:
    language = language.strip()
    raise_problems(
        person_problems(
            name=name,
            phones=phones,
            language=language,
            legal_basis=legal_basis,
            legal_basis_source=legal_basis_source,
        )
    )
    clean_emails = person_emails_check(emails)
    person = Person.objects.create(
        key=key or None,
        name=name.strip(),
        phones=phones,
        language=language,
        legal_basis=legal_basis,
        legal_basis_source=legal_basis_source,
        notes=notes,
        owner=owner,
    )
    PersonEmail.objects.bulk_create([PersonEmail(person=person, email=e) for e in clean_emails])
    event_record(
        kind=EventKind.PERSON_CREATED, person=person, actor=actor, data={"text": person.name}
    )
    _refresh(people=[person.pk])
    return person


_PERSON_PROFILE_FIELDS = frozenset(
    {
        "name",
        "phones",
        "language",
        "legal_basis",
        "legal_basis_source",
        "notes",
        *PERSONAL_FACT_FIELDS,
        "owner",
    }
)


@transaction.atomic
def person_update(
    *,
    person: Person,
    actor: User | None = None,
    emails: Iterable[str] | None = None,
    version: int | None = None,
    **changes: Any,
) -> Person:
    """Change a person's profile (and, given ``emails``, replace their addresses).

    ``version`` is the one the caller read (vinculo.concurrency); a newer one is refused.
    """
    unknown = set(changes) - _PERSON_PROFILE_FIELDS
    if unknown:
        raise TypeError(f"person_update() got unexpected fields: {sorted(unknown)}")
    if "name" in changes:
        changes["name"] = str(changes["name"]).strip()
    checked = ("name", "phones", "language", "legal_basis", "legal_basis_source")
    watched = (*checked, *PERSONAL_FACT_FIELDS)
    before = {f: getattr(person, f) for f in watched}
    after = before | {f: changes[f] for f in watched if f in changes}
    problems = person_problems(
        **{f: after[f] for f in checked},
        facts_given=personal_facts_given(after=after, before=before),
    )
    if emails is not None:
        # Every problem at once: a form shows the addresses' next to the others.
        try:
            person_emails_check(emails, person)
        except ValidationError as error:
            problems = {**{k: v[0] for k, v in error.message_dict.items()}, **problems}
    raise_problems(problems)
    _lock(Person, person.pk)
    check_version(person, version)
    changed = [f for f, v in changes.items() if getattr(person, f) != v]
    for field in changed:
        setattr(person, field, changes[field])
    if changed:
        person.stamp(actor)
        person.save(update_fields=changed)
    if emails is not None:
        clean = person_emails_check(emails, person)
        current = list(person.emails.order_by("id").values_list("email", flat=True))
        if clean != current:
            person.emails.exclude(email__in=clean).delete()
            PersonEmail.objects.bulk_create(
                [PersonEmail(person=person, email=e) for e in clean if e not in current]
            )
            changed.append("emails")
    if changed:
        event_record(
            kind=EventKind.PERSON_UPDATED,
            person=person,
            actor=actor,
            data={"fields": sorted(changed)},
        )
        _refresh(people=[person.pk])
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
    raise_problems(employment_problems(title=title, function=function, decision_role=decision_role))
    # Locked: two moves of one person at once cannot both find no current job.
    _lock(Person, person.pk)
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
    _reassign_interactions(person.pk)
    _refresh(people=[person.pk], accounts=[account.pk])
    return employment


_EMPLOYMENT_FIELDS = frozenset({"title", "function", "decision_role", "start"})


@transaction.atomic
def employment_update(
    *, employment: Employment, actor: User | None = None, **changes: Any
) -> Employment:
    """Correct a job's title, function, role in decisions or start (ending it is
    ``employment_end``)."""
    unknown = set(changes) - _EMPLOYMENT_FIELDS
    if unknown:
        raise TypeError(f"employment_update() got unexpected fields: {sorted(unknown)}")
    _lock(Employment, employment.pk)
    merged = {f: changes.get(f, getattr(employment, f)) for f in _EMPLOYMENT_FIELDS}
    raise_problems(employment_problems(**merged, end=employment.end))
    changed = [f for f, v in changes.items() if getattr(employment, f) != v]
    if not changed:
        return employment
    for field in changed:
        setattr(employment, field, changes[field])
    employment.save(update_fields=changed)
    event_record(
        kind=EventKind.EMPLOYMENT_UPDATED,
        person=employment.person,
        account=employment.account,
        actor=actor,
        data={"fields": sorted(changed), "text": employment.account.name},
    )
    if "start" in changed:
        _reassign_interactions(employment.person_id)
    _refresh(people=[employment.person_id], accounts=[employment.account_id])
    return employment


@transaction.atomic
def employment_remove(*, employment: Employment, actor: User | None = None) -> None:
    """Delete a job recorded by mistake (a job that ended is ``employment_end``)."""
    employment = (
        Employment.objects.select_for_update()
        .select_related("person", "account")
        .get(pk=employment.pk)
    )
    person, account = employment.person, employment.account
    employment.delete()
    event_record(
        kind=EventKind.EMPLOYMENT_REMOVED,
        person=person,
        account=account,
        actor=actor,
        data={"text": account.name},
    )
    _reassign_interactions(person.pk)
    _refresh(people=[person.pk], accounts=[account.pk])


@transaction.atomic
def employment_end(*, employment: Employment, end: date, actor: User | None = None) -> Employment:
    _lock(Employment, employment.pk)
    employment.refresh_from_db(fields=["end"])
    if employment.end is not None:
        raise ValidationError({"end": _("This employment has already ended.")})
    raise_problems(
        employment_problems(
            title=employment.title,
            function=employment.function,
            decision_role=employment.decision_role,
            start=employment.start,
            end=end,
        )
    )
    employment.end = end
    employment.save(update_fields=["end"])
    event_record(
        kind=EventKind.EMPLOYMENT_ENDED,
        person=employment.person,
        account=employment.account,
        actor=actor,
        data={"text": employment.account.name, "date": str(end)},
    )
    _reassign_interactions(employment.person_id)
    _refresh(people=[employment.person_id], accounts=[employment.account_id])
    return employment


@transaction.atomic
def person_change_employment(
    *,
    person: Person,
    new_account: Account | None,
    on: date,
    title: str = "",
    function: str = Function.OTHER,
    decision_role: str = "",
    actor: User | None = None,
) -> Employment | None:
    """A person moves company: current jobs end the day before, the new one starts (M4).

    The history stays with the person; the old account keeps the ended employment. Ending
    the day before (not on the day) keeps the periods apart, so that on any date the person
    works at one of the two accounts and interactions are attributed without ambiguity.
    Without a ``new_account`` the person leaves their current jobs and works nowhere from
    ``on`` (returns None). Everything is checked before anything is written.
    """
    _lock(Person, person.pk)
    jobs = list(person.employments.select_related("account"))
    current_jobs = [job for job in jobs if job.end is None]
    if new_account is None and not current_jobs:
        raise ValidationError(
            {"account": _("%(person)s has no current job to leave.") % {"person": person.name}}
        )
    if new_account is not None:
        raise_problems(
            employment_problems(title=title, function=function, decision_role=decision_role)
        )
    for past in jobs:
        # Two periods at the same account may not overlap.
        if new_account is None or past.account_id != new_account.pk:
            continue
        if past.end is not None and past.end >= on:
            raise ValidationError(
                {
                    "on": _(
                        "%(person)s worked at %(account)s until %(end)s: the new job "
                        "cannot start before that."
                    )
                    % {
                        "person": person.name,
                        "account": new_account.name,
                        "end": date_format(past.end, "SHORT_DATE_FORMAT"),
                    }
                }
            )
    for current in current_jobs:
        if new_account is not None and current.account_id == new_account.pk:
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
    if new_account is None:
        return None
    return employment_start(
        person=person,
        account=new_account,
        start=on,
        title=title,
        function=function,
        decision_role=decision_role,
        actor=actor,
    )


@transaction.atomic
def colleague_create(
    *,
    name: str,
    email: str | None = None,
    function: str = Function.SALES,
    team: Team | None = None,
    user: User | None = None,
    key: str | None = None,
    actor: User | None = None,
) -> Colleague:
    raise_problems(colleague_problems(name=name, function=function))
    clean = colleague_email_check(email)
    colleague = Colleague.objects.create(
        key=key or None, name=name.strip(), email=clean, function=function, team=team, user=user
    )
    event_record(kind=EventKind.COLLEAGUE_ADDED, actor=actor, data={"text": colleague.name})
    return colleague


def colleague_email_check(email: str | None, colleague: Colleague | None = None) -> str | None:
    if not email or not email.strip():
        return None
    clean = email.strip().lower()
    problem = email_problem(clean)
    if problem is not None:
        raise ValidationError({"email": problem})
    taken = Colleague.objects.filter(email=clean)
    if colleague is not None:
        taken = taken.exclude(pk=colleague.pk)
    if taken.exists():
        raise ValidationError({"email": _("A colleague with this address already exists.")})
    return clean


_COLLEAGUE_FIELDS = frozenset({"name", "email", "function", "team", "user"})


@transaction.atomic
def colleague_update(
    *, colleague: Colleague, actor: User | None = None, **changes: Any
) -> Colleague:
    unknown = set(changes) - _COLLEAGUE_FIELDS
    if unknown:
        raise TypeError(f"colleague_update() got unexpected fields: {sorted(unknown)}")
    if "name" in changes:
        changes["name"] = str(changes["name"]).strip()
    raise_problems(
        colleague_problems(
            name=changes.get("name", colleague.name),
            function=changes.get("function", colleague.function),
        )
    )
    if "email" in changes:
        changes["email"] = colleague_email_check(changes["email"], colleague)
    changed = [f for f, v in changes.items() if getattr(colleague, f) != v]
    for field in changed:
        setattr(colleague, field, changes[field])
    if changed:
        colleague.save(update_fields=changed)
        event_record(
            kind=EventKind.COLLEAGUE_UPDATED,
            actor=actor,
            data={"fields": sorted(changed), "text": colleague.name},
        )
    return colleague


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
    version: int | None = None,
) -> ContactPlan:
    """Set (or replace) a person's cadence (M17). Without ``next_due`` it is computed: the
    last contact plus the cadence, or today when there has been none. ``version`` is the
    plan's the caller read (vinculo.concurrency; 0: they saw no plan)."""
    raise_problems(contact_plan_problems(every_days=every_days, channel=channel, place=place))
    _lock(Person, person.pk)
    existing = ContactPlan.objects.filter(person=person).first()
    if version is not None:
        if existing is not None:
            check_version(existing, version)
        elif version != 0:
            raise ValidationError({"version": _("The contact plan was removed meanwhile.")})
    if next_due is None:
        last = (
            Interaction.objects.filter(person_links__person=person)
            .order_by("-started_at")
            .values_list("started_at", flat=True)
            .first()
        )
        next_due = (
            timezone.localtime(last).date() + timedelta(days=every_days)
            if last is not None
            else timezone.localdate()
        )
    values = {
        "every_days": every_days,
        "channel": channel,
        "place": place,
        "agreed": agreed,
        "next_due": next_due,
    }
    plan = existing or ContactPlan(person=person)
    for field, value in values.items():
        setattr(plan, field, value)
    plan.stamp(actor)
    plan.save()
    event_record(
        kind=EventKind.CONTACT_PLAN_SET,
        person=person,
        actor=actor,
        data={"every_days": every_days, "channel": channel},
    )
    _refresh(people=[person.pk])
    return plan


# -- merging two people (importweb) -------------------------------------------------------

_MERGE_FACT_FIELDS = (
    "phones",
    "language",
    "birthday",
    "family",
    "tastes",
    "friends",
    "interests",
    "professional_interests",
    "owner_id",
)


def _periods_overlap(a: Employment, b: Employment) -> bool:
    """Open ends reach forever; an unknown start reaches back forever."""
    a_start, b_start = a.start or date.min, b.start or date.min
    a_end, b_end = a.end or date.max, b.end or date.max
    return a_start <= b_end and b_start <= a_end


@transaction.atomic
def person_merge(*, actor: User | None = None, keep: Person, remove: Person) -> Person:
    """Fold ``remove`` into ``keep`` and delete it.

    Every row that points at the removed person (interactions, promises, complaints,
    concerns, initiatives, concessions, value, plays, timeline, outside ids, addresses)
    is moved to the kept one with one UPDATE per table; an interaction both took part in
    keeps one participant row; a job at the same account over an overlapping period is
    kept once (the kept person's); the kept person's contact plan wins, else the removed
    one's moves. Profile facts the kept person lacks are taken from the removed one, and
    notes are joined. A timeline event on the kept person records who merged whom.
    """
    if keep.pk == remove.pk:
        raise ValidationError(_("A person cannot be merged with themselves."))
    _lock(Person, keep.pk)
    _lock(Person, remove.pk)
    keep = Person.objects.get(pk=keep.pk)
    remove = Person.objects.get(pk=remove.pk)
    removed = {
        "id": remove.pk,
        "key": str(remove.key) if remove.key else "",
        "name": remove.name,
        "emails": list(remove.emails.values_list("email", flat=True)),
    }
    accounts = set(
        Employment.objects.filter(person_id__in=[keep.pk, remove.pk]).values_list(
            "account_id", flat=True
        )
    )

    # Interactions: drop the removed person's row where the kept one is there already.
    shared = InteractionPerson.objects.filter(person_id=keep.pk).values("interaction_id")
    InteractionPerson.objects.filter(person_id=remove.pk, interaction_id__in=shared).delete()
    InteractionPerson.objects.filter(person_id=remove.pk).update(person_id=keep.pk)

    # Jobs: the same account over an overlapping period is one job.
    jobs = list(Employment.objects.filter(person_id__in=[keep.pk, remove.pk]))
    kept_jobs = [j for j in jobs if j.person_id == keep.pk]
    duplicates = [
        j.pk
        for j in jobs
        if j.person_id == remove.pk
        and any(k.account_id == j.account_id and _periods_overlap(k, j) for k in kept_jobs)
    ]
    Employment.objects.filter(pk__in=duplicates).delete()
    Employment.objects.filter(person_id=remove.pk).update(person_id=keep.pk)

    # The cadence: the kept person's, else the removed person's.
    if ContactPlan.objects.filter(person_id=keep.pk).exists():
        ContactPlan.objects.filter(person_id=remove.pk).delete()
    else:
        ContactPlan.objects.filter(person_id=remove.pk).update(person_id=keep.pk)

    # Health snapshots are derived: the refresh after commit recomputes the kept person's.
    from vinculo.capture.models import ExternalId
    from vinculo.health.models import HealthSnapshot, InteractionDaySummary

    HealthSnapshot.objects.filter(person_id=remove.pk).delete()
    # The daily summary is derived too: the kept person's days again, from the links.
    InteractionDaySummary.objects.filter(person_id=remove.pk).delete()
    summary_refresh(person_ids=[keep.pk])  # the kept person's days, now with both's links
    ExternalId.objects.filter(person_id=remove.pk).update(person_id=keep.pk)
    handled = {InteractionPerson, Employment, ContactPlan, HealthSnapshot, InteractionDaySummary}
    # Everything else that points at a person moves as it is (new models included).
    for relation in Person._meta.related_objects:
        model = relation.related_model
        if model in handled or not isinstance(model, type) or relation.many_to_many:
            continue
        model._default_manager.filter(**{relation.field.name: remove.pk}).update(
            **{relation.field.name: keep.pk}
        )

    changed = []
    for name in _MERGE_FACT_FIELDS:
        if not getattr(keep, name) and getattr(remove, name):
            setattr(keep, name, getattr(remove, name))
            changed.append(name)
    if remove.notes.strip():
        keep.notes = f"{keep.notes.rstrip()}\n\n{remove.notes.strip()}".strip()
        changed.append("notes")
    remove.delete()
    if changed:
        keep.save(update_fields=changed)
    _reassign_interactions(keep.pk)
    event_record(
        kind=EventKind.PERSON_UPDATED,
        person=keep,
        actor=actor,
        data={
            "text": _("Merged with %(name)s (#%(id)d)") % removed,
            "merged": removed,
        },
    )
    _refresh(people=[keep.pk], accounts=accounts)
    return keep
