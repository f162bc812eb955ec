"""iCalendar files → interactions (exchange.md §3).

The file is streamed: lines are unfolded and split into components as they are read, and
each VEVENT is parsed on its own with ``icalendar``, so a calendar of 100,000 events never
sits in memory as one tree. Only the events of recurring series (a rule, extra dates or an
overridden instance) are kept until the end of the file, grouped by UID, because an
override may come anywhere after its master; they are then expanded with
``recurring_ical_events`` (EXDATE, RDATE, RECURRENCE-ID, daylight saving) inside the window.

Times: a TZID is resolved by ``icalendar`` (IANA names, Outlook's Windows names such as
"Romance Standard Time", the file's own VTIMEZONE definitions); one it cannot resolve is
read through the file's VTIMEZONE here; a floating time is read in the calendar's
X-WR-TIMEZONE (through ``x_wr_timezone`` for series) or else the installation's zone.
Everything is stored in UTC.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any, BinaryIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar
import recurring_ical_events
import x_wr_timezone
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

from vinculo.capture.core import (
    InteractionRecord,
    Participant,
    Refused,
    Session,
    clean_address,
    short_source_id,
    stable_id,
)
from vinculo.vocab import Channel, Source

# Links that make a meeting a video call, wherever they appear in the event (location,
# description, URL, CONFERENCE, Outlook's and Google's X- properties).
VIDEO_LINKS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("Microsoft Teams", re.compile(r"teams\.(microsoft|live)\.com/(l/meetup-join|meet)", re.I)),
    ("Zoom", re.compile(r"(^|[/.])zoom\.us/(j|my|w|s)/", re.I)),
    ("Google Meet", re.compile(r"meet\.google\.com/[a-z]{3,}-", re.I)),
    ("Webex", re.compile(r"[a-z0-9-]+\.webex\.com/", re.I)),
    ("GoTo Meeting", re.compile(r"(gotomeeting\.com/join|meet\.goto\.com/)", re.I)),
    ("Jitsi", re.compile(r"meet\.jit\.si/", re.I)),
)
_URL_ONLY = re.compile(r"^\s*(https?://\S+)\s*$", re.I)
_RECURRING = ("RRULE:", "RRULE;", "RDATE:", "RDATE;", "RECURRENCE-ID:", "RECURRENCE-ID;")


def video_provider(text: str) -> str | None:
    for name, pattern in VIDEO_LINKS:
        if pattern.search(text):
            return name
    return None


_LINK_PROPERTIES = frozenset({"LOCATION", "DESCRIPTION", "URL", "CONFERENCE", "X-ALT-DESC"})


def _link_text(event: Any) -> str:
    """The event's own texts where a meeting link may be (an override has its own)."""
    parts: list[str] = []
    for name, value in event.items():
        if name in _LINK_PROPERTIES or name.startswith("X-"):
            values = value if isinstance(value, list) else [value]
            parts.extend(str(v) for v in values)
    return "\n".join(parts)


@dataclass
class Window:
    start: datetime
    end: datetime


@dataclass
class _Calendar:
    """What the top of one VCALENDAR says about the events inside it."""

    method: str = ""
    wr_timezone: str = ""
    timezones: dict[str, tzinfo] = field(default_factory=dict)
    timezone_texts: list[str] = field(default_factory=list)


def _decode(raw: bytes, where: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise Refused(where, _("not UTF-8 text (%(e)s)") % {"e": error.reason}) from error


def _logical_lines(handle: BinaryIO, name: str) -> Iterator[tuple[int, str]]:
    """(line number, unfolded line) pairs; CRLF, LF and a mix are all accepted."""
    current: str | None = None
    start = 0
    for number, raw in enumerate(handle, start=1):
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        if b"\x00" in raw:
            raise Refused(f"{name}:{number}", _("not a text file (NUL bytes)"))
        text = _decode(raw, f"{name}:{number}").rstrip("\r\n")
        if text[:1] in (" ", "\t") and current is not None:
            current += text[1:]
            continue
        if current is not None:
            yield start, current
        current, start = text, number
    if current is not None:
        yield start, current


def _zone_named(name: str) -> tzinfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


@functools.lru_cache(maxsize=512)
def _iana_zone(tzid: str) -> tzinfo | None:
    tzid = tzid.strip().strip("/")
    if not tzid:
        return None
    return _zone_named(tzid) or (
        _zone_named(WINDOWS_TO_OLSON[tzid]) if tzid in WINDOWS_TO_OLSON else None
    )


def _fixed_zone(text: str) -> tzinfo | None:
    """A VTIMEZONE that dateutil cannot read (an empty TZID) but whose every offset is the
    same one: that offset is what it says."""
    offsets = set(re.findall(r"^TZOFFSETTO:([+-]\d{4})", text, re.M))
    if len(offsets) != 1:
        return None
    value = offsets.pop()
    minutes = int(value[1:3]) * 60 + int(value[3:5])
    from datetime import timezone as dt_timezone

    return dt_timezone(timedelta(minutes=minutes if value[0] == "+" else -minutes))


def _read_timezone(calendar: _Calendar, text: str) -> None:
    match = re.search(r"^TZID[^:]*:(.*)$", text, re.M)
    tzid = match.group(1).strip().replace("\\,", ",") if match else ""
    zone: tzinfo | None = None
    try:
        component: Any = icalendar.Timezone.from_ical(text)
        zone = component.to_tz()
    except Exception:  # a broken VTIMEZONE is read as best we can below
        zone = None
    if zone is None:
        zone = _fixed_zone(text)
    if zone is not None:
        calendar.timezones[tzid] = zone
    calendar.timezone_texts.append(text)


class _Reader:
    def __init__(self, session: Session, path: Path, window: Window) -> None:
        self.session = session
        self.report = session.report
        self.path = path
        self.name = str(path)
        self.window = window
        self.default_zone = timezone.get_default_timezone()
        # Recurring series, by calendar: UID → [(line, event text)].
        self.series: dict[str, list[tuple[int, str]]] = {}

    # -- time ---------------------------------------------------------------------------

    def floating_zone(self, calendar: _Calendar) -> tzinfo:
        if calendar.wr_timezone:
            zone = _zone_named(calendar.wr_timezone)
            if zone is not None:
                return zone
        return self.default_zone

    def instant(self, prop: Any, calendar: _Calendar) -> tuple[datetime, bool] | None:
        """(UTC start, is all-day) of a DTSTART-like property."""
        if prop is None:
            return None
        value = prop.dt
        if isinstance(value, datetime):
            if value.tzinfo is not None and not isinstance(value.tzinfo, ZoneInfo):
                # A zone built from the file's VTIMEZONE (Outlook's start in 1601) is
                # exact but slow to consult; where the TZID names an IANA zone, directly
                # or as a Windows name, that zone says the same and knows the history.
                iana = _iana_zone(str((prop.params or {}).get("TZID", "")))
                if iana is not None:
                    value = value.replace(tzinfo=iana)
            if value.tzinfo is None:
                params = prop.params or {}
                zone = None
                if "TZID" in params:  # a zone icalendar did not know: the file's own
                    tzid = str(params["TZID"]).strip()
                    zone = calendar.timezones.get(tzid) or (_zone_named(tzid) if tzid else None)
                if zone is None:
                    zone = self.floating_zone(calendar)
                value = value.replace(tzinfo=zone)
            return value.astimezone(UTC), False
        if isinstance(value, date):
            midnight = datetime(value.year, value.month, value.day)
            return midnight.replace(tzinfo=self.floating_zone(calendar)).astimezone(UTC), True
        return None

    # -- events -------------------------------------------------------------------------

    def record(
        self, event: Any, calendar: _Calendar, line: int, text: str, instance: bool
    ) -> InteractionRecord | None:
        where = f"{self.name}:{line}"
        start = self.instant(event.get("DTSTART"), calendar)
        if start is None:
            self.report.skipped["no_date"] += 1
            self.report.warn(where, _("event without a start; skipped"))
            return None
        started_at, all_day = start
        uid = str(event.get("UID", "")).strip() or stable_id(
            started_at, event.get("SUMMARY", ""), event.get("ORGANIZER", "")
        )
        source_id = uid
        rid = event.get("RECURRENCE-ID")
        if instance or rid is not None:
            moment = self.instant(rid, calendar) if rid is not None else start
            assert moment is not None
            stamp = f"{moment[0]:%Y%m%dT%H%M%SZ}" if not moment[1] else f"{moment[0]:%Y%m%d}"
            source_id = f"{uid};RID={stamp}"
        duration = 0
        if not all_day:
            end = self.instant(event.get("DTEND"), calendar)
            if end is not None:
                duration = max(0, int((end[0] - started_at).total_seconds() // 60))
            elif event.get("DURATION") is not None:
                length = event["DURATION"].dt
                if isinstance(length, timedelta):
                    duration = max(0, int(length.total_seconds() // 60))
        # All-day blocks say "that day", not how long we talked: no duration is claimed.
        participants: dict[str, Participant] = {}
        organizer = self._address(event.get("ORGANIZER"))
        if organizer is not None:
            participants[organizer.email] = organizer
        attendees = event.get("ATTENDEE", [])
        if not isinstance(attendees, list):
            attendees = [attendees]
        for attendee in attendees:
            found = self._address(attendee)
            if found is not None and found.email not in participants:
                participants[found.email] = found
        location = str(event.get("LOCATION", "") or "").strip()
        provider = video_provider(_link_text(event))
        place = location
        if provider and (not location or _URL_ONLY.match(location)):
            place = provider
        status = str(event.get("STATUS", "")).upper()
        cancelled = calendar.method == "CANCEL" or status == "CANCELLED"
        try:
            sequence = int(str(event.get("SEQUENCE", 0)).strip() or 0)
        except ValueError:
            sequence = 0
        return InteractionRecord(
            where=where,
            source=Source.CALENDAR,
            source_id=short_source_id(source_id),
            started_at=started_at,
            channel=Channel.VIDEO if provider else Channel.MEETING,
            participants=list(participants.values()),
            sender=organizer.email if organizer is not None else "",
            duration_min=duration,
            place=place[:200],
            summary=" ".join(str(event.get("SUMMARY", "") or "").split())[:1000],
            sequence=sequence,
            remove="cancelled" if cancelled else "",
            free_mail_filter=False,
        )

    @staticmethod
    def _address(prop: Any) -> Participant | None:
        if prop is None:
            return None
        params = getattr(prop, "params", {}) or {}
        if str(params.get("CUTYPE", "")).upper() in {"ROOM", "RESOURCE"}:
            return None
        # iCloud relays invitations through its own address; the real one is EMAIL=.
        email = clean_address(str(params.get("EMAIL", ""))) or clean_address(str(prop))
        if email is None:
            return None
        name = str(params.get("CN", "")).strip().strip('"')
        declined = str(params.get("PARTSTAT", "")).upper() == "DECLINED"
        return Participant(email=email, name=name, declined=declined)

    def single(self, calendar: _Calendar, line: int, text: str) -> None:
        try:
            event = icalendar.Event.from_ical(text)
        except Exception as error:
            raise Refused(
                f"{self.name}:{line}", _("not a valid event: %(e)s") % {"e": error}
            ) from error
        if calendar.method == "REPLY":
            self.report.skipped["reply"] += 1
            return
        record = self.record(event, calendar, line, text, instance=False)
        if record is not None:
            self.session.writer.add(record)

    def expand_series(self, calendar: _Calendar) -> None:
        writer = self.session.writer
        expanded: dict[str, set[str]] = {}
        for uid, parts in self.series.items():
            if calendar.method == "REPLY":
                self.report.skipped["reply"] += len(parts)
                continue
            wrapper = icalendar.Calendar()
            if calendar.wr_timezone:
                wrapper.add("X-WR-TIMEZONE", calendar.wr_timezone)
            events = []
            for line, text in parts:
                try:
                    events.append((line, text, icalendar.Event.from_ical(text)))
                except Exception as error:
                    raise Refused(
                        f"{self.name}:{line}", _("not a valid event: %(e)s") % {"e": error}
                    ) from error
            master = [e for e in events if e[2].get("RECURRENCE-ID") is None]
            line0, text0 = parts[0]
            if calendar.method == "CANCEL" and master:
                # The whole series is called off.
                record = self.record(master[0][2], calendar, line0, text0, instance=False)
                if record is not None:
                    record.remove = "cancelled"
                    writer.add(record)
                    writer.flush()
                    writer.remove_series(prefix=f"{record.source_id};RID=", exact=record.source_id)
                continue
            has_rule = any(e[2].get("RRULE") or e[2].get("RDATE") for e in master)
            if not has_rule:  # overrides without their master: each is an instance as is
                for line, text, event in events:
                    record = self.record(event, calendar, line, text, instance=True)
                    if record is not None:
                        writer.add(record)
                continue
            for _line, _text, event in events:
                wrapper.add_component(event)
            if calendar.wr_timezone:
                wrapper = x_wr_timezone.to_standard(wrapper)
            produced: set[str] = set()
            try:
                occurrences = list(
                    recurring_ical_events.of(wrapper).between(self.window.start, self.window.end)
                )
            except Exception as error:
                raise Refused(
                    f"{self.name}:{line0}", _("cannot expand the series: %(e)s") % {"e": error}
                ) from error
            if not occurrences:
                self.report.skipped["outside"] += 1
            for occurrence in occurrences:
                record = self.record(occurrence, calendar, line0, text0, instance=True)
                if record is not None:
                    produced.add(record.source_id)
                    writer.add(record)
            expanded[f"{short_source_id(uid)};RID="] = produced
        if expanded:
            writer.remove_stale(series=expanded, start=self.window.start, end=self.window.end)
        self.series = {}

    # -- the file -----------------------------------------------------------------------

    def run(self, handle: BinaryIO) -> None:
        name = self.name
        stack: list[str] = []
        calendar: _Calendar | None = None
        collected: list[str] = []
        component_line = 0
        seen_calendar = False
        for number, line in _logical_lines(handle, name):
            if not line.strip():
                continue
            upper = line.upper()
            if not seen_calendar:
                if upper != "BEGIN:VCALENDAR":
                    raise Refused(f"{name}:{number}", _("not an iCalendar file"))
                seen_calendar = True
            if upper.startswith("BEGIN:"):
                kind = upper[6:].strip()
                stack.append(kind)
                if len(stack) == 1:
                    if kind != "VCALENDAR":
                        raise Refused(f"{name}:{number}", _("not an iCalendar file"))
                    calendar = _Calendar()
                elif len(stack) == 2:
                    collected, component_line = [], number
                if len(stack) >= 2:
                    collected.append(line)
                continue
            if upper.startswith("END:"):
                kind = upper[4:].strip()
                if not stack or stack[-1] != kind:
                    raise Refused(
                        f"{name}:{number}",
                        _("unexpected END:%(kind)s; the file is damaged or truncated")
                        % {"kind": kind},
                    )
                if len(stack) >= 2:
                    collected.append(line)
                stack.pop()
                assert calendar is not None
                if len(stack) == 1:
                    self.component(calendar, kind, component_line, collected)
                    self.session.tick(name, 1)
                elif not stack:
                    self.expand_series(calendar)
                continue
            if len(stack) >= 2:
                collected.append(line)
            elif len(stack) == 1 and calendar is not None:
                key, _sep, value = line.partition(":")
                key = key.split(";", 1)[0].upper()
                if key == "METHOD":
                    calendar.method = value.strip().upper()
                elif key == "X-WR-TIMEZONE":
                    calendar.wr_timezone = value.strip()
        if not seen_calendar:
            raise Refused(name, _("empty file; not an iCalendar file"))
        if stack:
            raise Refused(name, _("the file ends inside %(kind)s: truncated") % {"kind": stack[-1]})

    def component(self, calendar: _Calendar, kind: str, line: int, lines: list[str]) -> None:
        text = "\r\n".join(lines) + "\r\n"
        if kind == "VTIMEZONE":
            _read_timezone(calendar, text)
            return
        if kind != "VEVENT":
            self.report.skipped["not_event"] += 1
            return
        self.report.read += 1
        if any(part.upper().startswith(_RECURRING) for part in lines):
            uid = next((p[4:].strip() for p in lines if p.upper().startswith("UID:")), "")
            self.series.setdefault(uid or stable_id(self.name, line), []).append((line, text))
            return
        self.single(calendar, line, text)


def default_window(today: date | None = None) -> Window:
    """Two years back to 90 days ahead: what a person reviews; instances after today are
    planned contacts, which the engine counts only once their date has passed."""
    today = today or timezone.localdate()
    zone = timezone.get_default_timezone()
    start = datetime(today.year - 2, today.month, min(today.day, 28), tzinfo=zone)
    end = datetime.combine(today + timedelta(days=91), datetime.min.time(), tzinfo=zone)
    return Window(start.astimezone(UTC), end.astimezone(UTC))


def read_ics(session: Session, path: Path, window: Window) -> None:
    try:
        handle = path.open("rb")
    except OSError as error:
        raise Refused(str(path), _("cannot read the file: %(e)s") % {"e": error}) from error
    with handle:
        _Reader(session, path, window).run(handle)
