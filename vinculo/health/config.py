"""Weights, windows and thresholds of the health engine.

The defaults below are starting points (domain.md), not truths: sales operations change
them in the admin (HealthSettings), and the engine reads them once per run. Every field
says its type and range; ``overrides_problems`` checks stored changes against them (the
admin form and the service both call it), and ``EngineConfig.from_overrides`` skips any
entry that does not pass, so a bad stored value can never break a recomputation.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

PERSON_COMPONENTS = (
    "cadence",
    "frequency",
    "depth",
    "level",
    "promises",
    "voice",
    "initiative",
    "value",
)
ACCOUNT_COMPONENTS = (
    "people",
    "coverage",
    "promises",
    "voice",
    "growth",
    "initiative",
    "value",
    "cadence",
    "frequency",
    "level",
)
TIER_KEYS = ("a", "b", "c", "")
ROLE_KEYS = ("decision_maker", "influencer", "gatekeeper", "user", "")
SEVERITY_KEYS = ("low", "medium", "high", "critical")


def _number(default: float, low: float, high: float, *, integer: bool) -> Any:
    return field(default=default, metadata={"low": low, "high": high, "integer": integer})


def _int(default: int, low: int, high: int) -> Any:
    return _number(default, low, high, integer=True)


def _float(default: float, low: float, high: float) -> Any:
    return _number(default, low, high, integer=False)


def _table(
    factory: Callable[[], dict[str, float]],
    keys: Collection[str],
    low: float,
    high: float,
    *,
    integer: bool,
) -> Any:
    return field(
        default_factory=factory,
        metadata={"keys": tuple(keys), "low": low, "high": high, "integer": integer},
    )


@dataclass(frozen=True)
class EngineConfig:
    # Windows, in days.
    recent_days: int = _int(90, 7, 730)
    level_window_days: int = _int(180, 7, 1095)
    coverage_window_days: int = _int(180, 7, 1095)
    initiative_window_days: int = _int(180, 7, 1095)
    value_window_days: int = _int(365, 7, 1095)
    # Effort on the portfolio (M15): time spent with the account in this window.
    portfolio_window_days: int = _int(180, 7, 1095)
    # Default cadence when no plan is agreed, by account tier ("" = no tier).
    default_cadence_days: dict[str, int] = _table(  # noqa: RUF009 (returns a field)
        lambda: {"a": 30, "b": 45, "c": 90, "": 60}, TIER_KEYS, 1, 3650, integer=True
    )
    # Person components and their weights in the person's overall health.
    person_weights: dict[str, float] = _table(  # noqa: RUF009 (returns a field)
        lambda: {
            "cadence": 25,
            "frequency": 15,
            "depth": 10,
            "level": 15,
            "promises": 15,
            "voice": 10,
            "initiative": 5,
            "value": 5,
        },
        PERSON_COMPONENTS,
        0,
        1000,
        integer=False,
    )
    # Account-level components; the people's health (weighted by decision role) is one more.
    account_weights: dict[str, float] = _table(  # noqa: RUF009 (returns a field)
        lambda: {
            "people": 40,
            "coverage": 20,
            "promises": 10,
            "voice": 10,
            "growth": 10,
            "initiative": 5,
            "value": 5,
        },
        ACCOUNT_COMPONENTS,
        0,
        1000,
        integer=False,
    )
    decision_role_weights: dict[str, float] = _table(  # noqa: RUF009 (returns a field)
        lambda: {
            "decision_maker": 3,
            "influencer": 2,
            "gatekeeper": 1,
            "user": 1,
            "": 1,
        },
        ROLE_KEYS,
        0,
        100,
        integer=False,
    )
    green_from: int = _int(70, 1, 100)
    yellow_from: int = _int(40, 0, 100)
    # Target share of strategic and satisfaction conversations (level component = 100).
    level_target_share: float = _float(0.3, 0.01, 1)
    # Depth: a live share this high gives the full half of the depth component.
    depth_live_share_target: float = _float(0.5, 0.01, 1)
    # Growth: a wallet share this high gives the full half of the growth component.
    growth_share_target: float = _float(0.5, 0.01, 1)
    # Voice: complaints resolved slower than this on average cost a penalty.
    slow_resolution_days: int = _int(30, 1, 3650)
    slow_resolution_penalty: float = _float(10, 0, 100)
    # Coverage classes (domain.md).
    bow_tie_pair_share: float = _float(0.8, 0, 1)
    diamond_max_pair_share: float = _float(0.5, 0, 1)
    diamond_min_people: int = _int(3, 1, 1000)
    diamond_min_functions: int = _int(2, 1, 50)
    diamond_min_colleagues: int = _int(2, 1, 1000)
    # Silence (domain.md).
    silence_gap_factor: float = _float(2.0, 1, 100)
    silence_unanswered: int = _int(3, 1, 1000)
    silence_inbound_drop: float = _float(0.5, 0, 1)
    # Their usual rhythm is known from this many inbound contacts in the last year.
    silence_min_inbound_year: int = _int(3, 1, 1000)
    # Floors so that a very chatty client's short pause is not called silence.
    silence_min_gap_days: int = _int(30, 0, 3650)
    silence_min_inbound_prior: int = _int(4, 1, 1000)
    # A trend (meetings shrinking) needs this many observations in each window compared.
    trend_min_observations: int = _int(3, 1, 1000)
    # Meetings shrinking: recent live meetings this much shorter than the previous ones.
    shrink_ratio: float = _float(0.75, 0, 1)
    # Level dropped: this many levelled conversations in the window, none strategic.
    level_dropped_min: int = _int(3, 1, 1000)
    # Single channel: this many contacts in the window, all through one channel.
    single_channel_min: int = _int(4, 1, 1000)
    # A broken promise is a play for this long after it was broken.
    promise_broken_days: int = _int(30, 1, 3650)
    # Value delivered at least this long ago and not told to the client is a play.
    value_told_after_days: int = _int(30, 0, 3650)
    # A job change is news for this long after it happened.
    moved_window_days: int = _int(180, 1, 3650)
    # A new job counts as the same move when it started this long before the old one ended.
    moved_start_slack_days: int = _int(30, 0, 3650)
    # Complaints: penalty per open complaint by severity, doubled past the target days.
    complaint_penalty: dict[str, float] = _table(  # noqa: RUF009 (returns a field)
        lambda: {"low": 10, "medium": 20, "high": 35, "critical": 50},
        SEVERITY_KEYS,
        0,
        100,
        integer=False,
    )
    complaint_target_days: dict[str, int] = _table(  # noqa: RUF009 (returns a field)
        lambda: {"low": 30, "medium": 14, "high": 7, "critical": 2},
        SEVERITY_KEYS,
        0,
        3650,
        integer=True,
    )
    # Fairness (domain.md): concessions of the last quarters against the tier's peers.
    fairness_quarters: int = _int(4, 1, 20)
    fairness_habitual_quarters: int = _int(3, 1, 20)
    fairness_outlier_mads: float = _float(3.0, 0.5, 100)
    fairness_min_peers: int = _int(5, 2, 100000)
    # Growth opportunities are judged in tiers of at least this many accounts.
    peer_min_accounts: int = _int(4, 2, 100000)
    # Growth opportunity: wallet share under this share of the tier's median, or this many
    # product lines fewer than the tier's median.
    growth_share_factor: float = _float(0.5, 0, 1)
    growth_lines_gap: int = _int(2, 1, 1000)

    @classmethod
    def from_overrides(cls, overrides: object) -> EngineConfig:
        """Defaults with the stored overrides applied.

        Entries that ``overrides_problems`` refuses (unknown names, wrong types, out of
        range) are skipped: a bad stored value never turns a recomputation into an error.
        """
        if not isinstance(overrides, dict) or not overrides:
            return cls()
        bad = overrides_problems(overrides)
        base = cls()
        values: dict[str, Any] = {}
        for name, value in overrides.items():
            if name in bad or name in SECTIONS:
                continue
            current = getattr(base, name)
            values[name] = {**current, **value} if isinstance(current, dict) else value
        return dataclasses.replace(base, **values)

    def band(self, score: float) -> str:
        """green, yellow or red: the one rule for every score shown or stored."""
        if score >= self.green_from:
            return "green"
        if score >= self.yellow_from:
            return "yellow"
        return "red"


FIELDS = {f.name: f for f in dataclasses.fields(EngineConfig)}


def _number_problem(value: object, meta: dict[str, Any]) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return _("a number")
    if meta["integer"] and not float(value).is_integer():
        return _("a whole number")
    if not meta["low"] <= value <= meta["high"]:
        return _("between %(low)s and %(high)s") % {"low": meta["low"], "high": meta["high"]}
    return None


# Keys of the stored overrides that hold another part's settings, checked by that part
# (the agenda's, under "agenda"); the engine neither reads nor refuses them.
SECTIONS = frozenset({"agenda"})


def overrides_problems(overrides: dict[str, Any]) -> dict[str, str]:
    """Each override the engine cannot use, with a translated message (empty: all good).

    The one check behind the admin form, the service and ``from_overrides``.
    """
    problems: dict[str, str] = {}
    for name, value in overrides.items():
        if name in SECTIONS:
            continue
        spec = FIELDS.get(name) if isinstance(name, str) else None
        if spec is None:
            problems[str(name)] = _("%(name)s: unknown setting.") % {"name": name}
            continue
        meta = dict(spec.metadata)
        if "keys" in meta:
            if not isinstance(value, dict):
                problems[name] = _(
                    "%(name)s: expected an object of names and numbers, such as %(example)s."
                ) % {"name": name, "example": _example(name)}
                continue
            for key, entry in value.items():
                if key not in meta["keys"]:
                    problems[name] = _("%(name)s: unknown key %(key)s; known: %(keys)s.") % {
                        "name": name,
                        "key": repr(key),
                        "keys": ", ".join(repr(k) for k in meta["keys"]),
                    }
                    break
                wrong = _number_problem(entry, meta)
                if wrong:
                    problems[name] = _("%(name)s: %(key)s must be %(what)s.") % {
                        "name": name,
                        "key": repr(key),
                        "what": wrong,
                    }
                    break
            continue
        wrong = _number_problem(value, meta)
        if wrong:
            problems[name] = _("%(name)s must be %(what)s.") % {"name": name, "what": wrong}
    if not problems.keys() & {"green_from", "yellow_from"}:
        defaults = EngineConfig()
        green = overrides.get("green_from", defaults.green_from)
        yellow = overrides.get("yellow_from", defaults.yellow_from)
        if yellow > green:
            problems["yellow_from"] = _(
                "yellow_from (%(yellow)s) must not be above green_from (%(green)s)."
            ) % {"yellow": yellow, "green": green}
    return problems


def _example(name: str) -> str:
    default = getattr(EngineConfig(), name)
    first = next(iter(default.items()))
    return json.dumps({first[0]: first[1]})
