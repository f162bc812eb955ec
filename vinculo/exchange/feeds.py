"""The calendar feed (M17): a user's agenda as iCalendar, at a secret, revocable address.

The feed holds what the agenda holds (one item per person or account: due contacts,
overdue promises, open complaints, open plays, each reason worded in the user's language)
and, ahead of time, the deadlines of the open promises in the user's care. Every item is an
all-day event: the agenda speaks of days, not hours. The agenda's items are dated today, so
a calendar that opens on today shows them; they follow the agenda as the feed is read again.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from icalendar import TRANSP, Calendar, Event, Timezone

from vinculo.access import rules
from vinculo.commitments.models import Commitment
from vinculo.exchange.models import CalendarFeed
from vinculo.health.agenda import AgendaItem, agenda_for, reader_for
from vinculo.health.agenda import _scope as agenda_scope
from vinculo.people.models import Colleague
from vinculo.users.models import User
from vinculo.users.services import token_digest
from vinculo.vocab import CommitmentStatus

# How far ahead promise deadlines are listed.
AHEAD_DAYS = 365
PRODID = "-//Vínculo//agenda//ES"

# -- the secret address ---------------------------------------------------------------------


@transaction.atomic
def calendar_feed_create(*, user: User) -> tuple[CalendarFeed, str]:
    """A new secret address for ``user``; any earlier one stops working. Returns the row
    and the token, which is not stored and cannot be shown again."""
    User.objects.select_for_update().filter(pk=user.pk).first()
    CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    token = secrets.token_urlsafe(32)
    return CalendarFeed.objects.create(user=user, digest=token_digest(token)), token


def calendar_feed_revoke(*, user: User) -> int:
    """Stop ``user``'s address from working; returns how many were live (0 or 1)."""
    return CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def calendar_feed_live(*, user: User) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).first()


def calendar_feed_user(*, token: str) -> User | None:
    """The active user whose live address carries ``token``, noting when it was read."""
    feed = (
        CalendarFeed.objects.select_related("user")
        .filter(digest=token_digest(token), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if feed is None:
        return None
    CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=timezone.now())
    return feed.user


# -- what the feed lists ------------------------------------------------------------------


@dataclass
class FeedEntry:
    uid: str
    day: dt.date
    summary: str
    description: str
    url: str = ""
    categories: list[str] = field(default_factory=list)
    priority: int | None = None


def _subject(person_name: str, account_name: str) -> str:
    if person_name and account_name:
        return f"{person_name} ({account_name})"
    return person_name or account_name


def feed_entries(
    *, user: User, today: dt.date, absolute: Callable[[str], str] = lambda path: path
) -> list[FeedEntry]:
    """The user's agenda as of ``today`` (``health.agenda.agenda_for``: one item per person
    or account, every reason a line, worded in the active language) and, ahead, the
    deadlines of the open promises in their care. ``absolute`` turns a path into the
    address the calendar links to.

    The agenda is of today: its items are dated today, its ``today`` part first (iCalendar
    PRIORITY by urgency), the ``later`` part after it, so every open play is in the feed.
    A fixed number of queries: the agenda's, and two for the deadlines.
    """
    agenda = agenda_for(day=today, user=user)
    entries: list[FeedEntry] = []
    for part, items in (("today", agenda.today), ("later", agenda.later)):
        for item in items:
            entries.append(
                _agenda_entry(item, today=today, later=part == "later", absolute=absolute)
            )
    entries.extend(_deadlines(user=user, today=today, absolute=absolute))
    return entries


_PRIORITY = {"high": 1, "medium": 3, "normal": 5}


def _agenda_entry(
    item: AgendaItem, *, today: dt.date, later: bool, absolute: Callable[[str], str]
) -> FeedEntry:
    subject = _subject(item.person_name, item.account_name)
    first = item.reasons[0] if item.reasons else None
    label = first.label if first is not None else _("Agenda")
    more = len(item.reasons) - 1
    summary = f"{label}: {subject}" if subject else label
    if more > 0:
        summary += " " + ngettext("(and %(n)s more)", "(and %(n)s more)", more) % {"n": more}
    lines = [f"{reason.label}: {reason.text}" for reason in item.reasons]
    if item.action:
        lines.append(_("Suggested: %(action)s") % {"action": item.action})
    if item.channel_label:
        lines.append(_("Channel: %(channel)s") % {"channel": item.channel_label})
    if item.person_id is not None:
        uid, path = f"person-{item.person_id}", reverse("web:person", args=[item.person_id])
    elif item.account_id is not None:
        uid, path = f"account-{item.account_id}", reverse("web:account", args=[item.account_id])
    else:  # pragma: no cover - every item has a subject
        uid, path = "agenda", ""
    return FeedEntry(
        uid=f"agenda-{uid}",
        day=today,
        summary=summary,
        description="\n".join(lines),
        url=absolute(path) if path else "",
        categories=sorted({reason.label for reason in item.reasons}),
        priority=9 if later else _PRIORITY.get(item.urgency, 5),
    )


def _deadlines(*, user: User, today: dt.date, absolute: Callable[[str], str]) -> list[FeedEntry]:
    """Open promises in the user's care due from today on (the agenda lists the late ones).
    Whose care is the agenda's rule: its people, its accounts, or made by the user; and
    only about people or accounts the user may read (access.rules)."""
    reader = reader_for(user=user)
    me = (
        Colleague.objects.filter(pk=reader.colleague_id)
        if reader.colleague_id is not None
        else Colleague.objects.none()
    )
    my_people, my_accounts = agenda_scope(me, today)
    made_by_me = (
        Q(colleague_id=reader.colleague_id) if reader.colleague_id is not None else Q(pk__in=[])
    )
    rows = (
        rules.scoped(user, Commitment.objects.all())
        .filter(
            Q(person_id__in=my_people) | Q(account_id__in=my_accounts) | made_by_me,
            status=CommitmentStatus.OPEN,
            due__gte=today,
            due__lte=today + dt.timedelta(days=AHEAD_DAYS),
        )
        .values_list(
            "pk", "text", "due", "person_id", "person__name", "account_id", "account__name"
        )
        .order_by("due", "pk")
    )
    label = _("Promise due")
    entries = []
    for pk, text, due, person_id, person_name, account_id, account_name in rows:
        subject = _subject(person_name or "", account_name or "")
        path = (
            reverse("web:person", args=[person_id])
            if person_id
            else reverse("web:account", args=[account_id])
            if account_id
            else ""
        )
        entries.append(
            FeedEntry(
                uid=f"promise-{pk}",
                day=due or today,  # filtered on a due date; for the type checker
                summary=f"{label}: {subject}" if subject else label,
                description=_("We promised: “%(text)s”.") % {"text": text},
                url=absolute(path) if path else "",
                categories=[label],
            )
        )
    return entries


# -- iCalendar ----------------------------------------------------------------------------


def feed_language(user: User) -> str:
    codes = {code for code, _name in settings.LANGUAGES}
    return user.language if user.language in codes else settings.LANGUAGE_CODE


def feed_calendar(
    *, user: User, today: dt.date, host: str, absolute: Callable[[str], str] = lambda p: p
) -> Calendar:
    """The feed as an icalendar ``Calendar``, in the user's language.

    UIDs are stable (the same item keeps its UID from one read to the next, so calendars
    update it in place) and unique per user and installation (``…-u<user>@<host>``).
    The calendar carries the VTIMEZONE of the installation's time zone, built from the
    zoneinfo database for the years around today, and names it in X-WR-TIMEZONE.
    """
    zone_name = settings.TIME_ZONE
    with translation.override(feed_language(user)):
        entries = feed_entries(user=user, today=today, absolute=absolute)
        name = _("Vínculo agenda of %(name)s") % {"name": user.get_full_name() or user.username}
        calendar = Calendar.new(
            prodid=PRODID,
            name=name,
            description=_("Due contacts, promise deadlines and alerts, from Vínculo."),
            refresh_interval=dt.timedelta(hours=1),
            language=feed_language(user),
            calscale="GREGORIAN",
            uid=f"agenda-u{user.pk}@{host}",
        )
    calendar.add("X-WR-TIMEZONE", zone_name)
    calendar.add("X-PUBLISHED-TTL", dt.timedelta(hours=1))
    calendar.add_component(
        Timezone.from_tzinfo(
            ZoneInfo(zone_name),
            tzid=zone_name,
            first_date=dt.date(today.year - 1, 1, 1),
            last_date=dt.date(today.year + 2, 1, 1),
        )
    )
    stamp = timezone.now().replace(microsecond=0)
    for entry in entries:
        event = Event.new(
            uid=f"{entry.uid}-u{user.pk}@{host}",
            summary=entry.summary,
            description=entry.description,
            start=entry.day,
            end=entry.day + dt.timedelta(days=1),
            stamp=stamp,
            categories=entry.categories,
            url=entry.url or None,
            transparency=TRANSP.TRANSPARENT,
            priority=entry.priority,
        )
        calendar.add_component(event)
    return calendar
