"""Health as it stood on a past date, and its history: the context of the two partials
``web/_time_travel.html`` and ``web/_health_history.html`` that the person and the account
pages include (one line each in the template, one call each in the view).

Everything is read from the stored snapshots (``health_on``: the latest one on or before
the date), never recomputed: what the page shows for a past date is what the engine said.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from vinculo.health import selectors as health_selectors
from vinculo.health.config import EngineConfig
from vinculo.health.models import HealthSnapshot, Play, PlayStatus
from vinculo.health.readers import engine_config
from vinculo.health.words import component_label, explain, reason_and_action
from vinculo.people.models import Account, Person
from vinculo.web import charts

HISTORY_WEEKS = 52


def components_of(snapshot: HealthSnapshot | None, cfg: EngineConfig) -> list[dict[str, Any]]:
    """A snapshot's components with their label, band and sentence, in the stored order."""
    out: list[dict[str, Any]] = []
    for name, data in ((snapshot.components or {}) if snapshot else {}).items():
        if name.startswith("_") or not isinstance(data, dict):
            continue
        value = int(data.get("value", 0))
        out.append(
            {
                "name": name,
                "label": component_label(name),
                "value": value,
                "band": cfg.band(value),
                "sentence": explain(name, data.get("facts") or {}),
            }
        )
    return out


def chosen_date(request: HttpRequest, today: dt.date) -> tuple[dt.date | None, bool]:
    """The ``as_of`` the reader asked for, and whether what they typed was refused (a
    date that is not one, or one in the future)."""
    raw = request.GET.get("as_of", "").strip()
    if not raw:
        return None, False
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        return None, True
    if day > today:
        return None, True
    return (None, False) if day == today else (day, False)


def plays_on(
    *, day: dt.date, person: Person | None = None, account: Account | None = None
) -> list[Play]:
    """The plays that stood open on ``day``: raised by then, and either still open or
    changed (done, dismissed, snoozed) only after it (one query)."""
    qs = Play.objects.filter(raised_on__lte=day).filter(
        Q(status=PlayStatus.OPEN) | Q(updated_at__date__gt=day)
    )
    qs = qs.filter(person=person) if person is not None else qs.filter(account=account)
    return list(qs.select_related("person").order_by("raised_on", "pk"))


def time_travel(
    request: HttpRequest,
    *,
    person: Person | None = None,
    account: Account | None = None,
    cfg: EngineConfig | None = None,
) -> dict[str, Any]:
    """The picker, and when a past date is chosen its health, components and plays
    (no query without a date; two with one)."""
    today = timezone.localdate()
    day, refused = chosen_date(request, today)
    context: dict[str, Any] = {
        "as_of": day,
        "refused": refused,
        "today": today,
        "earliest": today - dt.timedelta(weeks=HISTORY_WEEKS),
        "snapshot": None,
        "components": [],
        "plays": [],
    }
    if day is None:
        return context
    cfg = cfg or engine_config()
    snapshot = health_selectors.health_on(as_of=day, person=person, account=account)
    plays = []
    for play in plays_on(day=day, person=person, account=account):
        reason, action = reason_and_action(play.kind, play.facts)
        plays.append({"play": play, "reason": reason, "action": action})
    context.update(snapshot=snapshot, components=components_of(snapshot, cfg), plays=plays)
    return context


def health_history(
    *,
    person: Person | None = None,
    account: Account | None = None,
    cfg: EngineConfig | None = None,
    weeks: int = HISTORY_WEEKS,
    points: list[tuple[dt.date, int]] | None = None,
) -> dict[str, Any]:
    """The overall health over the last ``weeks`` weeks as a chart (one query, none when
    the page has read these ``points`` already)."""
    cfg = cfg or engine_config()
    today = timezone.localdate()
    since = today - dt.timedelta(weeks=weeks)
    if points is None:
        points = health_selectors.health_history(
            since=since, until=today, person=person, account=account
        )
    return {
        "chart": charts.history(
            points, start=since, end=today, bands=(cfg.yellow_from, cfg.green_from)
        ),
        "since": since,
        "today": today,
    }
