"""Weights, windows and thresholds of the health engine.

The defaults below are starting points (domain.md), not truths: sales operations change
them in the admin (HealthSettings), and the engine reads them once per run.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class EngineConfig:
    # Windows, in days.
    recent_days: int = 90
    level_window_days: int = 180
    coverage_window_days: int = 180
    initiative_window_days: int = 180
    value_window_days: int = 365
    # Default cadence when no plan is agreed, by account tier ("" = no tier).
    default_cadence_days: dict[str, int] = field(
        default_factory=lambda: {"a": 30, "b": 45, "c": 90, "": 60}
    )
    # Person components and their weights in the person's overall health.
    person_weights: dict[str, float] = field(
        default_factory=lambda: {
            "cadence": 25,
            "frequency": 15,
            "depth": 10,
            "level": 15,
            "promises": 15,
            "voice": 10,
            "initiative": 5,
            "value": 5,
        }
    )
    # Account-level components; the people's health (weighted by decision role) is one more.
    account_weights: dict[str, float] = field(
        default_factory=lambda: {
            "people": 40,
            "coverage": 20,
            "promises": 10,
            "voice": 10,
            "growth": 10,
            "initiative": 5,
            "value": 5,
        }
    )
    decision_role_weights: dict[str, float] = field(
        default_factory=lambda: {
            "decision_maker": 3,
            "influencer": 2,
            "gatekeeper": 1,
            "user": 1,
            "": 1,
        }
    )
    green_from: int = 70
    yellow_from: int = 40
    # Target share of strategic and satisfaction conversations (level component = 100).
    level_target_share: float = 0.3
    # Coverage classes (domain.md).
    bow_tie_pair_share: float = 0.8
    diamond_max_pair_share: float = 0.5
    diamond_min_people: int = 3
    diamond_min_functions: int = 2
    diamond_min_colleagues: int = 2
    # Silence (domain.md).
    silence_gap_factor: float = 2.0
    silence_unanswered: int = 3
    silence_inbound_drop: float = 0.5
    # Floors so that a very chatty client's short pause is not called silence.
    silence_min_gap_days: int = 30
    silence_min_inbound_prior: int = 4
    # A job change is news for this long after it happened.
    moved_window_days: int = 180
    # Meetings shrinking: recent live meetings this much shorter than the previous ones.
    shrink_ratio: float = 0.75
    # Complaints: penalty per open complaint by severity, doubled past the target days.
    complaint_penalty: dict[str, float] = field(
        default_factory=lambda: {"low": 10, "medium": 20, "high": 35, "critical": 50}
    )
    complaint_target_days: dict[str, int] = field(
        default_factory=lambda: {"low": 30, "medium": 14, "high": 7, "critical": 2}
    )

    @classmethod
    def from_overrides(cls, overrides: dict[str, Any] | None) -> EngineConfig:
        """Defaults with the stored overrides applied; unknown names are ignored."""
        if not overrides:
            return cls()
        names = {f.name for f in dataclasses.fields(cls)}
        base = cls()
        values: dict[str, Any] = {}
        for name, value in overrides.items():
            if name not in names:
                continue
            current = getattr(base, name)
            values[name] = {**current, **value} if isinstance(current, dict) else value
        return dataclasses.replace(base, **values)

    def band(self, score: float) -> str:
        if score >= self.green_from:
            return "green"
        if score >= self.yellow_from:
            return "yellow"
        return "red"
