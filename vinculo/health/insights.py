"""What the system concludes at a date, as the JSON of exchange.md section 2."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from vinculo.access import rules
from vinculo.health.compute import compute
from vinculo.health.config import EngineConfig
from vinculo.health.plays import detect
from vinculo.health.words import explain, reason_and_action
from vinculo.people.models import Account, Person
from vinculo.users.models import User


def subject_key(prefix: str, pk: int, key: str | None) -> str:
    """The bundle key where the row came from a bundle, else a stable generated one."""
    return key or f"{prefix}-{pk}"


def insights(
    as_of: dt.date, cfg: EngineConfig | None = None, *, user: User | None = None
) -> dict[str, Any]:
    """Computed fresh from facts dated on or before ``as_of``; nothing is stored.

    With ``user``, only the accounts and people that user may read (access.rules): the
    engine still computes over everything (peers, coverage), the answer holds their part.
    Without, everything (the command line, for operations).
    """
    cfg = cfg or EngineConfig()
    result = compute(as_of, cfg)
    candidates = detect(result, cfg)
    readable = Person.objects.all() if user is None else rules.visible_people(user)
    accounts_seen = Account.objects.all() if user is None else rules.visible_accounts(user)
    person_keys = {
        pk: subject_key("person", pk, key) for pk, key in readable.values_list("pk", "key")
    }
    account_keys = {
        pk: subject_key("account", pk, key) for pk, key in accounts_seen.values_list("pk", "key")
    }
    person_plays: dict[int, list[dict[str, str]]] = defaultdict(list)
    account_plays: dict[int, list[dict[str, str]]] = defaultdict(list)
    for cand in candidates:
        if cand.person_id is not None and cand.person_id not in person_keys:
            continue
        if cand.person_id is None and cand.account_id not in account_keys:
            continue
        reason, action = reason_and_action(cand.kind, cand.facts)
        if cand.person_id is not None:
            person_plays[cand.person_id].append(
                {
                    "kind": cand.kind,
                    "subject": person_keys[cand.person_id],
                    "reason": reason,
                    "action": action,
                }
            )
        elif cand.account_id is not None:
            account_plays[cand.account_id].append(
                {
                    "kind": cand.kind,
                    "subject": account_keys[cand.account_id],
                    "reason": reason,
                    "action": action,
                }
            )
    home: dict[int, int] = {}
    for job in result.jobs:
        home.setdefault(job.person_id, job.account_id)
    accounts = [
        {
            "key": account_keys[aid],
            "health": h.overall,
            "band": h.band,
            "coverage": h.extra.get("coverage"),
            "components": {name: c.value for name, c in h.components.items()},
            "facts": {name: explain(name, c.facts) for name, c in h.components.items()},
            "plays": account_plays.get(aid, []),
        }
        for aid, h in sorted(
            ((aid, h) for aid, h in result.accounts.items() if aid in account_keys),
            key=lambda kv: account_keys[kv[0]],
        )
    ]
    people = [
        {
            "key": person_keys[pid],
            "account": account_keys.get(home[pid]) if pid in home else None,
            "health": h.overall,
            "band": h.band,
            "components": {name: c.value for name, c in h.components.items()},
            "facts": {name: explain(name, c.facts) for name, c in h.components.items()},
            "plays": person_plays.get(pid, []),
        }
        for pid, h in sorted(
            ((pid, h) for pid, h in result.people.items() if pid in person_keys),
            key=lambda kv: person_keys[kv[0]],
        )
    ]
    return {"as_of": as_of.isoformat(), "accounts": accounts, "people": people}
