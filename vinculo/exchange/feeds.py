"""The calendar feed (M17): a user's agenda as iCalendar, at a secret, revocable address.

The feed holds what the agenda holds (due contacts, overdue promises, open complaints, open
plays, each with its reason in the user's language) and, ahead of time, the deadlines of
the open promises in the user's care. Every item is an all-day event: the agenda speaks
of days, not hours. Items already late are shown on today, so a calendar that opens on
today shows them; they move as the feed is read again the next day.
"""

from __future__ import annotations

import datetime as dt
import hashlib
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
from icalendar import TRANSP, Calendar, Event, Timezone

from vinculo.commitments.models import Commitment
from vinculo.exchange.models import CalendarFeed
from vinculo.health.selectors import _my_scope
from vinculo.people.models import Account, Person
from vinculo.users.models import User
from vinculo.users.services import token_digest
from vinculo.vocab import CommitmentStatus
from vinculo.web.selectors import agenda_rows

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


def _stable(*parts: object) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:20]


def _subject(person_name: str, account_name: str) -> str:
    if person_name and account_name:
        return f"{person_name} ({account_name})"
    return person_name or account_name


def feed_entries(
    *, user: User, today: dt.date, absolute: Callable[[str], str] = lambda path: path
) -> list[FeedEntry]:
    """The user's agenda as of ``today`` and their promise deadlines ahead, worded in the
    active language. ``absolute`` turns a path into the address the calendar links to.

    A fixed number of queries: the agenda's, and one for the deadlines.
    """
    entries: list[FeedEntry] = []
    for row in agenda_rows(user=user, today=today):
        item = row.item
        if item.play_id is not None:
            uid = f"play-{item.play_id}"
        elif item.kind == "contact_due":
            uid = f"contact-due-p{item.person_id}"
        else:  # a late promise or an open complaint: what it is about, and since when
            uid = f"{item.kind.replace('_', '-')}-" + _stable(
                item.person_id, item.account_id, item.title, item.due
            )
        subject = _subject(row.person_name, row.account_name)
        lines = [row.why]
        if row.action:
            lines.append(row.action)
        if row.channel_label:
            lines.append(_("Channel: %(channel)s") % {"channel": row.channel_label})
        path = ""
        if item.person_id is not None:
            path = reverse("web:person", args=[item.person_id])
        elif item.account_id is not None:
            path = reverse("web:account", args=[item.account_id])
        entries.append(
            FeedEntry(
                uid=uid,
                day=max(item.due or today, today),
                summary=f"{row.kind_label}: {subject}" if subject else row.kind_label,
                description="\n".join(line for line in lines if line),
                url=absolute(path) if path else "",
                categories=[row.kind_label],
            )
        )
    entries.extend(_deadlines(user=user, today=today, absolute=absolute))
    return entries


def _deadlines(*, user: User, today: dt.date, absolute: Callable[[str], str]) -> list[FeedEntry]:
    """Open promises in the user's care due from today on (the agenda lists the late ones).
    Whose care: as the agenda's (its people, its accounts, or made by the user)."""
    people_q, accounts_q = _my_scope(user)
    rows = (
        Commitment.objects.filter(
            Q(person__in=Person.objects.filter(people_q))
            | Q(account__in=Account.objects.filter(accounts_q))
            | Q(colleague__user=user),
            status=CommitmentStatus.OPEN,
            due__gte=today,
            due__lte=today + dt.timedelta(days=AHEAD_DAYS),
        )
        .values_list(
            "pk", "text", "due", "person_id", "person__name", "account_id", "account__name"
        )
        .distinct()
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
        )
        calendar.add_component(event)
    return calendar
