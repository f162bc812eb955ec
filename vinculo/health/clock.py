"""Calendar dates of instants, in the installation's time zone (no database)."""

from __future__ import annotations

import datetime as dt
import functools

from django.utils import timezone


def local_date(moment: dt.datetime) -> dt.date:
    """The calendar date of an instant in the installation's time zone.

    Called for every subject of a run: the zone is looked up once, not per call.
    """
    return moment.astimezone(_zone()).date()


@functools.cache
def _zone() -> dt.tzinfo:
    return timezone.get_default_timezone()
