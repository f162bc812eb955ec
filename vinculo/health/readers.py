"""SQL reads the engine needs beyond the facts of ``facts.py``: who owns what, account
tiers and statuses, colleagues. Each is one query (or one per 900 ids), never one per row.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q

from vinculo.bulk import values_for_ids
from vinculo.health.config import EngineConfig
from vinculo.health.models import HealthSettings
from vinculo.people.models import Account, Colleague, Person
from vinculo.users.models import Role, User


def engine_config() -> EngineConfig:
    """The engine's settings: the defaults with the stored changes that pass the checks."""
    row = HealthSettings.objects.order_by("pk").first()
    return EngineConfig.from_overrides(row.overrides if row else None)


@dataclass(frozen=True, slots=True)
class Owner:
    """Who looks after a subject on our side: their user (if any) and their team."""

    user_id: int | None
    team_id: int | None


@dataclass(slots=True)
class Owners:
    """Everything ``lifecycle.play_owner`` needs to pick a play's owner, read in bulk."""

    accounts: dict[int, Owner]
    people: dict[int, Owner]
    team_managers: dict[int, int]
    admin_id: int | None


def owners_of(person_ids: Iterable[int], account_ids: Iterable[int]) -> Owners:
    fields = ("pk", "owner__user_id", "owner__user__is_active", "owner__team_id")
    accounts = {
        pk: Owner(user_id if active else None, team_id)
        for pk, user_id, active, team_id in values_for_ids(
            Account.objects.filter(owner__isnull=False), account_ids, *fields
        )
    }
    people = {
        pk: Owner(user_id if active else None, team_id)
        for pk, user_id, active, team_id in values_for_ids(
            Person.objects.filter(owner__isnull=False), person_ids, *fields
        )
    }
    managers: dict[int, int] = {}
    rows = (
        User.objects.filter(is_active=True, role=Role.MANAGER, team__isnull=False)
        .order_by("pk")
        .values_list("team_id", "pk")
    )
    for team_id, user_id in rows:
        managers.setdefault(team_id, user_id)
    admin_id = (
        User.objects.filter(is_active=True)
        .filter(Q(role=Role.ADMIN) | Q(is_superuser=True))
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    return Owners(accounts, people, managers, admin_id)


def account_tiers_and_statuses(
    account_ids: Iterable[int] | None,
) -> dict[int, tuple[str, str]]:
    """(tier, status) per account; all accounts when ``account_ids`` is None."""
    if account_ids is None:
        return {pk: (t, s) for pk, t, s in Account.objects.values_list("pk", "tier", "status")}
    return {
        pk: (t, s)
        for pk, t, s in values_for_ids(Account.objects.all(), account_ids, "pk", "tier", "status")
    }


def colleague_functions() -> dict[int, str]:
    return dict(Colleague.objects.values_list("pk", "function"))


def all_person_ids() -> list[int]:
    return list(Person.objects.order_by().values_list("pk", flat=True))


def all_account_ids() -> list[int]:
    return list(Account.objects.order_by().values_list("pk", flat=True))
