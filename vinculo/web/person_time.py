"""A person's contacts over the last year (M14, M8, M16): how many per month, how long the
live ones lasted, and through which channels and places. One query; the geometry is here,
the words in ``web/_person_time.html``."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models.functions import TruncMonth
from django.utils import timezone

from vinculo.interactions.models import Interaction
from vinculo.people.models import Person
from vinculo.vocab import LIVE_CHANNELS, Channel
from vinculo.web.charts import _month_starts, nice_max

MONTHS = 12


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    month: dt.date
    value: float


@dataclass
class Mix:
    label: str
    count: int
    percent: int


def _bars(
    months: list[dt.date], values: dict[dt.date, float], *, width: int, height: int
) -> dict[str, Any]:
    top = nice_max(max([*values.values(), 0.0]))
    left, bottom = 36.0, height - 22.0
    slot = (width - left - 8) / max(1, len(months))
    bars = []
    for i, month in enumerate(months):
        value = values.get(month, 0.0)
        h = round((bottom - 8) * value / top, 1)
        bars.append(
            Bar(
                round(left + i * slot + 2, 1),
                round(bottom - h, 1),
                round(slot - 4, 1),
                h,
                month,
                value,
            )
        )
    return {
        "width": width,
        "height": height,
        "left": left,
        "bottom": bottom,
        "top": top,
        "top_y": 8.0,
        "bars": bars,
    }


def _mix(counter: Counter[str], label: Any) -> list[Mix]:
    total = sum(counter.values()) or 1
    return [Mix(label(key), n, round(100 * n / total)) for key, n in counter.most_common()]


def person_time(*, person: Person, today: dt.date | None = None) -> dict[str, Any]:
    today = today or timezone.localdate()
    first = dt.date(today.year - 1, today.month, 1)
    months = _month_starts(first, today)[-MONTHS:]
    since = timezone.make_aware(dt.datetime.combine(months[0], dt.time.min))
    rows = (
        Interaction.objects.filter(people=person, started_at__gte=since)
        .annotate(month=TruncMonth("started_at"))
        .values_list("month", "channel", "place", "duration_min")
    )
    contacts: dict[dt.date, float] = defaultdict(float)
    minutes: dict[dt.date, list[int]] = defaultdict(list)
    channels: Counter[str] = Counter()
    places: Counter[str] = Counter()
    for month, channel, place, duration in rows:
        day = month.date() if isinstance(month, dt.datetime) else month
        contacts[day] += 1
        channels[channel] += 1
        if place:
            places[place.strip()] += 1
        if channel in LIVE_CHANNELS and duration:
            minutes[day].append(duration)
    average: dict[dt.date, float] = {m: round(sum(v) / len(v)) for m, v in minutes.items()}
    labels = dict(Channel.choices)
    return {
        "total": int(sum(contacts.values())),
        "contacts": _bars(months, contacts, width=720, height=140),
        "minutes": _bars(months, average, width=720, height=140) if average else None,
        "channels": _mix(channels, lambda key: labels.get(key, key)),
        "places": _mix(places, str)[:6],
    }
