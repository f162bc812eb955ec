"""Template helpers of the pages."""

from __future__ import annotations

from typing import Any

from django import template
from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from vinculo.people.models import Person
from vinculo.timeline.models import EventKind, TimelineEvent
from vinculo.vocab import Channel

register = template.Library()


def _field_label(name: str) -> str:
    try:
        return str(getattr(Person._meta.get_field(name), "verbose_name", name))
    except FieldDoesNotExist:
        return name


@register.simple_tag
def event_detail(event: TimelineEvent) -> str:
    """The event's facts as a sentence in the reader's language (data holds plain values)."""
    data: dict[str, Any] = event.data or {}
    if event.kind == EventKind.CONTACT_PLAN_SET and "every_days" in data:
        days = int(data["every_days"])
        text = ngettext("every day", "every %(days)d days", days) % {"days": days}
        if data.get("channel") in Channel.values:
            text = f"{text} · {Channel(data['channel']).label}"
        return text
    if event.kind == EventKind.PERSON_UPDATED and data.get("fields"):
        names = [_field_label(str(name)) for name in data["fields"]]
        return _("changed: %(fields)s") % {"fields": ", ".join(names)}
    text = event.detail
    if data.get("date"):
        text = f"{text} ({data['date']})" if text else str(data["date"])
    return text
