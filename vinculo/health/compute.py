"""Health as of a date: the facts read (``facts.py``, ``readers.py``), then the engine's
pure arithmetic (``engine.py``) over them, per person and per account."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from vinculo.health import facts as f
from vinculo.health.config import EngineConfig
from vinculo.health.engine import (
    Coverage,
    Health,
    account_coverage,
    cadence,
    default_cadence,
    depth,
    frequency,
    growth,
    initiative,
    level,
    people_component,
    promises,
    value,
    voice,
    weighted,
)
from vinculo.health.readers import (
    account_tiers_and_statuses,
    all_account_ids,
    all_person_ids,
    colleague_functions,
)
from vinculo.health.summary import summary_verify, summary_verify_for


@dataclass(slots=True)
class Result:
    as_of: dt.date
    people: dict[int, Health]
    accounts: dict[int, Health]
    jobs: list[f.Job]
    contacts: dict[int, f.ContactFacts]
    account_contacts: dict[int, f.ContactFacts]
    coverages: dict[int, Coverage]
    # False for a full run: later reads then need no (huge) lists of ids to filter on.
    scoped: bool = False
    # (tier, status) of the accounts of the run.
    account_facts: dict[int, tuple[str, str]] = field(default_factory=dict)


def compute(
    as_of: dt.date,
    cfg: EngineConfig | None = None,
    *,
    person_ids: Iterable[int] | None = None,
    account_ids: Iterable[int] | None = None,
    summary_checked: bool = False,
    coverage_pairs: dict[int, list[f.Pair]] | None = None,
    account_jobs: list[f.Job] | None = None,
) -> Result:
    """Health of the given people and accounts (all when None) as of a date.

    Reads only facts dated on or before ``as_of``. The contact facts come from the daily
    summary: a few subjects have theirs checked subject by subject (``summary_verify_for``,
    a few milliseconds; rebuilt if their interactions were written around the services),
    everyone's by its totals
    (``summary_verify``) unless the caller did it (``summary_checked``, the full run).
    ``coverage_pairs``: the pairs of every account, read once by a full run for all its
    chunks (``f.coverage_pairs`` with no ids); None reads those of the accounts here.
    ``account_jobs``: ``f.jobs_at(as_of, account_ids=account_ids)`` when the caller has
    read it already (the incremental update); None reads it.
    """
    cfg = cfg or EngineConfig()
    if person_ids is not None:
        person_ids = list(person_ids)
    if account_ids is not None:
        account_ids = list(account_ids)
    jobs = f.jobs_at(as_of, person_ids=person_ids)
    if not summary_checked:
        _summary_for(person_ids, account_ids, jobs)
    all_people = all_person_ids() if person_ids is None else person_ids
    tiers = account_tiers_and_statuses(
        None if person_ids is None else {job.account_id for job in jobs}
    )
    first_job: dict[int, f.Job] = {}
    for job in jobs:
        first_job.setdefault(job.person_id, job)

    contacts = f.person_contact_facts(as_of, person_ids, cfg.recent_days, cfg.level_window_days)
    plans = f.cadence_plans(person_ids)
    person_promises = f.promise_facts(as_of, "person", person_ids)
    person_voice = f.voice_facts(as_of, "person", person_ids)
    person_initiatives = f.initiative_counts(
        as_of, "person", person_ids, cfg.initiative_window_days
    )
    person_value = f.value_counts(as_of, "person", person_ids, cfg.value_window_days)

    people: dict[int, Health] = {}
    for pid in all_people:
        contact = contacts.get(pid)
        home_job = first_job.get(pid)
        tier = tiers.get(home_job.account_id, ("", ""))[0] if home_job else ""
        every, _channel, agreed = plans.get(pid, (default_cadence(tier, cfg), "", False))
        components = {
            "cadence": cadence(as_of, contact, every, agreed),
            "frequency": frequency(contact, cfg.recent_days),
            "depth": depth(contact, cfg),
            "level": level(contact, cfg),
            "promises": promises(person_promises.get(pid)),
            "voice": voice(person_voice.get(pid), cfg),
            "initiative": initiative(person_initiatives.get(pid), cfg.initiative_window_days),
            "value": value(person_value.get(pid), cfg.value_window_days),
        }
        overall = weighted(components, cfg.person_weights)
        people[pid] = Health(overall, cfg.band(overall), components)

    # Accounts: those of the given people, or the ones asked for, or all.
    if account_ids is None and person_ids is not None:
        account_ids = sorted({j.account_id for j in jobs})
    if account_jobs is None:
        account_jobs = (
            f.jobs_at(as_of, account_ids=account_ids) if account_ids is not None else jobs
        )
    accounts, account_contacts, coverages = _compute_accounts(
        as_of, cfg, account_ids, account_jobs, people, coverage_pairs
    )
    return Result(
        as_of,
        people,
        accounts,
        jobs,
        contacts,
        account_contacts,
        coverages,
        scoped=person_ids is not None or account_ids is not None,
        account_facts=_account_facts(tiers, person_ids, account_ids),
    )


def _account_facts(
    tiers: dict[int, tuple[str, str]],
    person_ids: list[int] | None,
    account_ids: list[int] | None,
) -> dict[int, tuple[str, str]]:
    """(tier, status) of the run's accounts: those already read for the people's jobs
    when they cover them (a statement less), else read."""
    if person_ids is None and account_ids is None:
        return tiers
    if account_ids is not None and all(aid in tiers for aid in account_ids):
        return {aid: tiers[aid] for aid in account_ids}
    return account_tiers_and_statuses(account_ids)


# Up to this many subjects, a scoped run checks their summary rows one by one.
REFRESH_UP_TO = 500


def _summary_for(
    person_ids: list[int] | None, account_ids: list[int] | None, jobs: list[f.Job]
) -> None:
    if person_ids is None or (account_ids is None and len(person_ids) > REFRESH_UP_TO):
        summary_verify()
        return
    accounts = account_ids if account_ids is not None else sorted({j.account_id for j in jobs})
    if len(person_ids) + len(accounts) > REFRESH_UP_TO:
        summary_verify()
    else:
        summary_verify_for(person_ids, accounts)


def _compute_accounts(
    as_of: dt.date,
    cfg: EngineConfig,
    account_ids: list[int] | None,
    jobs: list[f.Job],
    people: dict[int, Health],
    all_pairs: dict[int, list[f.Pair]] | None = None,
) -> tuple[dict[int, Health], dict[int, f.ContactFacts], dict[int, Coverage]]:
    ids = account_ids if account_ids is not None else all_account_ids()
    # Reads get the ids only when scoped: a full run reads everything, unfiltered.
    scope = account_ids
    account_contacts = f.account_contact_facts(as_of, scope, cfg.recent_days, cfg.level_window_days)
    pairs = (
        f.coverage_pairs(as_of, scope, cfg.coverage_window_days) if all_pairs is None else all_pairs
    )
    our_functions = colleague_functions()
    account_promises = f.promise_facts(as_of, "account", scope)
    account_voice = f.voice_facts(as_of, "account", scope)
    account_initiatives = f.initiative_counts(as_of, "account", scope, cfg.initiative_window_days)
    account_value = f.value_counts(as_of, "account", scope, cfg.value_window_days)
    account_growth = f.growth_facts(as_of, scope)

    staff: dict[int, list[f.Job]] = defaultdict(list)
    for job in jobs:
        staff[job.account_id].append(job)

    accounts: dict[int, Health] = {}
    coverages: dict[int, Coverage] = {}
    for aid in ids:
        team = staff.get(aid, [])
        cov = account_coverage(pairs.get(aid, []), team, our_functions, cfg)
        coverages[aid] = cov
        components = {
            "people": people_component(team, people, cfg),
            "coverage": cov.component,
            "promises": promises(account_promises.get(aid)),
            "voice": voice(account_voice.get(aid), cfg),
            "growth": growth(account_growth.get(aid), cfg),
            "initiative": initiative(account_initiatives.get(aid), cfg.initiative_window_days),
            "value": value(account_value.get(aid), cfg.value_window_days),
        }
        # The interaction-level components, read at account level too, for the insights.
        contact = account_contacts.get(aid)
        components["cadence"] = cadence(as_of, contact, default_cadence("", cfg), False)
        components["frequency"] = frequency(contact, cfg.recent_days)
        components["level"] = level(contact, cfg)
        overall = weighted(components, cfg.account_weights)
        accounts[aid] = Health(overall, cfg.band(overall), components, {"coverage": cov.cls})
    return accounts, account_contacts, coverages
