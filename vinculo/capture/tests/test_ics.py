"""import_ics: times in UTC through every kind of zone, series, cancellations, refusals."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.core.management.base import CommandError
from django.utils import translation

from vinculo.capture.core import CaptureReport, InteractionRecord, Session
from vinculo.capture.ics import Window, read_ics, video_provider
from vinculo.capture.models import UnmatchedAddress
from vinculo.capture.tests.helpers import FIXTURES, account, checksum, colleague, person, run
from vinculo.interactions.models import Interaction
from vinculo.people.models import Employment, Person
from vinculo.vocab import Channel, Direction, Source

pytestmark = pytest.mark.django_db

WIDE = ("--from", "2000-01-01", "--until", "2030-12-31")


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


class _Collector:
    """Stands in for the writer: keeps what the reader produced, for pure time tests."""

    def __init__(self) -> None:
        self.records: list[InteractionRecord] = []

    def add(self, record: InteractionRecord) -> None:
        self.records.append(record)

    def flush(self) -> None:
        pass

    def remove_stale(self, **kwargs: Any) -> None:
        pass  # nothing stored

    def remove_series(self, **kwargs: Any) -> int:
        return 0


def records(path: Path, start: str = "2000-01-01", end: str = "2031-01-01") -> list[Any]:
    collector = _Collector()
    session = Session(CaptureReport(), None, collector, None)  # type: ignore[arg-type]
    window = Window(
        datetime.fromisoformat(start).replace(tzinfo=UTC),
        datetime.fromisoformat(end).replace(tzinfo=UTC),
    )
    read_ics(session, path, window)
    return sorted(collector.records, key=lambda r: r.started_at)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def write(tmp_path: Path, name: str, *lines: str) -> Path:
    path = tmp_path / name
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode())
    return path


def event(*body: str, method: str = "REQUEST", head: tuple[str, ...] = ()) -> list[str]:
    return [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN", f"METHOD:{method}", *head,
        "BEGIN:VEVENT", *body, "END:VEVENT", "END:VCALENDAR",
    ]  # fmt: skip


@pytest.fixture
def sides() -> dict[str, Any]:
    return {
        "ana": colleague("ana@nosotros.example", "Ana Ruiz"),
        "cliente": account("Cliente S.A.", "cliente.example"),
    }


# -- our own fixtures --------------------------------------------------------------------


def test_weekly_series_across_dst_with_exdate_rdate_and_moved_instance(sides: Any) -> None:
    out, _err = run("import_ics", FIXTURES / "weekly_review.ics", *WIDE)

    rows = list(Interaction.objects.order_by("started_at"))
    # 10:00 in Madrid: 09:00Z before the change on 30 March, 08:00Z after it. 20 March is
    # an EXDATE; 3 April moved to Friday 4 April 16:30; 18 April 12:00 is an RDATE.
    assert [r.started_at for r in rows] == [
        utc("2025-03-13 09:00"),
        utc("2025-03-27 09:00"),
        utc("2025-04-04 14:30"),
        utc("2025-04-10 08:00"),
        utc("2025-04-18 10:00"),
    ]
    assert [r.duration_min for r in rows] == [45, 45, 60, 45, 45]
    # The Teams link makes the series a video call; the moved one is at the client's.
    assert [r.channel for r in rows] == [
        Channel.VIDEO, Channel.VIDEO, Channel.MEETING, Channel.VIDEO, Channel.VIDEO
    ]  # fmt: skip
    assert rows[0].place == "Microsoft Teams"
    assert rows[2].place == "Oficinas del cliente"
    assert {r.source for r in rows} == {Source.CALENDAR}
    assert rows[0].source_id == "weekly-review-2025@vinculo.test;RID=20250313T090000Z"
    assert all(r.direction == Direction.OUTBOUND for r in rows)  # we organised it
    # Luis was unknown, on the client's domain: a new person working there.
    luis = Person.objects.get(emails__email="luis.pardo@cliente.example")
    assert luis.name == "Luis Pardo"
    assert Employment.objects.get(person=luis).account == sides["cliente"]
    for row in rows:
        assert list(row.people.all()) == [luis]
        assert list(row.colleagues.all()) == [sides["ana"]]  # not the room, not the alarm
        assert row.account == sides["cliente"]
    assert "interactions: 5 created, 0 updated, 0 unchanged, 0 removed" in out
    assert "people: 1 created" in out


def test_reimport_changes_nothing(sides: Any) -> None:
    run("import_ics", FIXTURES / "weekly_review.ics", *WIDE)
    before = checksum()

    out, _err = run("import_ics", FIXTURES / "weekly_review.ics", *WIDE)

    assert checksum() == before
    assert "interactions: 0 created, 0 updated, 5 unchanged, 0 removed" in out


def test_dry_run_reports_and_writes_nothing(sides: Any) -> None:
    before = checksum()

    out, _err = run("import_ics", FIXTURES / "weekly_review.ics", *WIDE, "--dry-run")

    assert checksum() == before
    assert "interactions: 5 created" in out
    assert "Dry run: nothing was written." in out


def test_later_sequence_updates_older_is_ignored_and_cancel_removes(
    sides: Any, tmp_path: Path
) -> None:
    body = (
        "UID:demo-1", "DTSTAMP:20250101T000000Z", "SUMMARY:Visita",
        "ORGANIZER:mailto:ana@nosotros.example", "ATTENDEE:mailto:eva@cliente.example",
    )  # fmt: skip
    first = write(tmp_path, "v1.ics", *event(*body, "SEQUENCE:1", "DTSTART:20250605T100000Z",
                                             "DTEND:20250605T110000Z"))  # fmt: skip
    moved = write(tmp_path, "v2.ics", *event(*body, "SEQUENCE:2", "DTSTART:20250606T100000Z",
                                             "DTEND:20250606T103000Z"))  # fmt: skip
    cancel = write(tmp_path, "v3.ics", *event(*body, "SEQUENCE:3", "DTSTART:20250606T100000Z",
                                              "STATUS:CANCELLED", method="CANCEL"))  # fmt: skip
    run("import_ics", first)
    run("import_ics", moved)
    row = Interaction.objects.get()
    assert (row.started_at, row.duration_min) == (utc("2025-06-06 10:00"), 30)

    out, _err = run("import_ics", first)  # an older copy arrives late

    assert "skipped (older version than the one imported): 1" in out
    assert Interaction.objects.get().started_at == utc("2025-06-06 10:00")

    out, _err = run("import_ics", cancel)

    assert not Interaction.objects.exists()
    assert "0 removed" not in out and "1 removed" in out
    run("import_ics", moved)  # the invitation again, older than the cancellation
    assert not Interaction.objects.exists()


def test_method_cancel_of_a_series_removes_every_instance(sides: Any, tmp_path: Path) -> None:
    run("import_ics", FIXTURES / "weekly_review.ics", *WIDE)
    assert Interaction.objects.count() == 5
    cancel = write(
        tmp_path, "cancel.ics",
        *event("UID:weekly-review-2025@vinculo.test", "SEQUENCE:2", "DTSTAMP:20250301T120000Z",
               "DTSTART;TZID=Europe/Madrid:20250313T100000", "RRULE:FREQ=WEEKLY;COUNT=5",
               "ORGANIZER:mailto:ana@nosotros.example", method="CANCEL"),
    )  # fmt: skip

    run("import_ics", cancel, *WIDE)

    assert not Interaction.objects.exists()


def test_an_exdate_added_later_removes_that_instance(sides: Any, tmp_path: Path) -> None:
    run("import_ics", FIXTURES / "weekly_review.ics", *WIDE)
    text = (FIXTURES / "weekly_review.ics").read_text()
    fewer = tmp_path / "fewer.ics"
    exdate = "EXDATE;TZID=Europe/Madrid:20250320T100000"
    fewer.write_text(text.replace(exdate, exdate + ",20250327T100000"))

    run("import_ics", fewer, *WIDE)

    assert utc("2025-03-27 09:00") not in set(
        Interaction.objects.values_list("started_at", flat=True)
    )
    assert Interaction.objects.count() == 4


def test_declined_by_us_is_skipped_and_declined_clients_are_not_participants(
    sides: Any, tmp_path: Path
) -> None:
    declined = write(
        tmp_path, "declined.ics",
        *event("UID:d-1", "DTSTART:20250605T100000Z", "DTEND:20250605T110000Z",
               "ORGANIZER:mailto:eva@cliente.example",
               "ATTENDEE;PARTSTAT=DECLINED:mailto:ana@nosotros.example"),
    )  # fmt: skip
    partly = write(
        tmp_path, "partly.ics",
        *event("UID:d-2", "DTSTART:20250605T100000Z", "DTEND:20250605T110000Z",
               "ORGANIZER:mailto:ana@nosotros.example",
               "ATTENDEE;PARTSTAT=DECLINED:mailto:eva@cliente.example",
               "ATTENDEE;PARTSTAT=ACCEPTED:mailto:juan@cliente.example"),
    )  # fmt: skip

    out, _err = run("import_ics", declined, partly)

    assert "skipped (declined by us): 1" in out
    row = Interaction.objects.get()
    assert [p.name for p in row.people.all()] == ["Juan"]


def test_event_organised_by_the_client_is_inbound(sides: Any, tmp_path: Path) -> None:
    path = write(
        tmp_path, "inbound.ics",
        *event("UID:in-1", "DTSTART:20250605T100000Z", "DURATION:PT1H30M",
               "ORGANIZER;CN=Eva Gil:mailto:eva@cliente.example",
               "ATTENDEE:mailto:ana@nosotros.example",
               "LOCATION:https://us02web.zoom.us/j/123456789"),
    )  # fmt: skip

    run("import_ics", path)

    row = Interaction.objects.get()
    assert (row.direction, row.duration_min, row.channel, row.place) == (
        Direction.INBOUND, 90, Channel.VIDEO, "Zoom"
    )  # fmt: skip


def test_windows_zone_name_without_vtimezone_and_x_wr_timezone(tmp_path: Path) -> None:
    windows = write(
        tmp_path, "w.ics",
        *event("UID:w-1", "DTSTART;TZID=W. Europe Standard Time:20250701T100000",
               "DTEND;TZID=W. Europe Standard Time:20250701T110000"),
    )  # fmt: skip
    floating = write(
        tmp_path, "f.ics",
        *event("UID:f-1", "DTSTART:20250115T100000", "DTEND:20250115T100000",
               "RRULE:FREQ=MONTHLY;COUNT=7", head=("X-WR-TIMEZONE:America/New_York",)),
    )  # fmt: skip

    assert [r.started_at for r in records(windows)] == [utc("2025-07-01 08:00")]
    # 10:00 in New York stays 10:00 local across the change of 9 March: 15:00Z, then 14:00Z.
    assert [r.started_at.hour for r in records(floating)] == [15, 15, 14, 14, 14, 14, 14]


def test_all_day_and_multi_day_events(tmp_path: Path) -> None:
    path = write(
        tmp_path, "fair.ics",
        *event("UID:fair", "DTSTART;VALUE=DATE:20250610", "DTEND;VALUE=DATE:20250613",
               "SUMMARY:Feria", "LOCATION:IFEMA"),
    )  # fmt: skip
    timed = write(
        tmp_path, "trip.ics",
        *event("UID:trip", "DTSTART:20250610T070000Z", "DTEND:20250611T150000Z"),
    )  # fmt: skip

    (fair,) = records(path)
    (trip,) = records(timed)

    # One interaction on the first day, from midnight in Madrid, with no duration claimed.
    assert (fair.started_at, fair.duration_min, fair.place) == (
        utc("2025-06-09 22:00"), 0, "IFEMA"
    )  # fmt: skip
    assert (trip.started_at, trip.duration_min) == (utc("2025-06-10 07:00"), 32 * 60)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART:20250101T100000Z\r\n",
         "bad.ics: the file ends inside VEVENT: truncated"),
        (b"BEGIN:VCARD\r\nVERSION:3.0\r\nEND:VCARD\r\n", "bad.ics:1: not an iCalendar file"),
        (b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:Reuni\xf3n\r\n",
         "bad.ics:3: not UTF-8 text"),
        (b"", "bad.ics: empty file; not an iCalendar file"),
    ],
)  # fmt: skip
def test_bad_files_are_refused_and_change_nothing(
    sides: Any, tmp_path: Path, content: bytes, message: str
) -> None:
    good = FIXTURES / "weekly_review.ics"
    bad = tmp_path / "bad.ics"
    bad.write_bytes(content)
    before = checksum()

    with pytest.raises(CommandError) as refused:
        run("import_ics", good, bad, *WIDE)  # the good file is not imported either

    assert refused.value.returncode == 2
    assert checksum() == before
    _out, err = run_refused(good, bad)
    assert any(line.endswith(message) or message in line for line in err.splitlines())


def run_refused(*paths: Path) -> tuple[str, str]:
    from io import StringIO

    from django.core.management import call_command

    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError):
        call_command("import_ics", *map(str, paths), *WIDE, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_video_providers() -> None:
    assert video_provider("https://meet.google.com/abc-defg-hij") == "Google Meet"
    assert video_provider("Join: https://acme.webex.com/acme/j.php?MTID=1") == "Webex"
    assert video_provider("https://teams.microsoft.com/l/meetup-join/19%3a") == "Microsoft Teams"
    assert video_provider("Sala 3, planta 2") is None
    assert video_provider("https://zoom.us/j/99") == "Zoom"
    assert video_provider("www.notzoom.usa/j/1") is None


# -- the real files ----------------------------------------------------------------------


def test_real_exchange_romance_standard_time(realdata: Path) -> None:
    """Exchange 2010: 16:00 in "Romance Standard Time" (Paris, summer) is 14:00Z."""
    colleague("test2@example.com")
    karim = person("karim@example.com", "Karim")

    run("import_ics", realdata / "ics" / "nylas__invite_w_rsvps1.ics")

    row = Interaction.objects.get()
    assert (row.started_at, row.duration_min, row.summary) == (
        utc("2015-04-01 14:00"), 30, "Spot le chien"
    )  # fmt: skip
    assert list(row.people.all()) == [karim]
    # test1@example.com is unknown but on our colleague's domain: one of ours.
    assert sorted(row.colleagues.values_list("email", flat=True)) == [
        "test1@example.com", "test2@example.com"
    ]  # fmt: skip


def test_real_blackberry_unknown_addresses_go_to_the_review_list(realdata: Path) -> None:
    run("import_ics", realdata / "ics" / "icalendar__property_params_blackberry.ics")

    assert not Interaction.objects.exists()
    assert UnmatchedAddress.objects.count() == 3
    assert set(UnmatchedAddress.objects.values_list("seen", flat=True)) == {1}


def test_real_outlook_2003_display_name_zone_across_dst(realdata: Path) -> None:
    """Outlook 2003, TZID "Canberra, Melbourne, Sydney": 09:30 is 22:30Z the day before
    under daylight time (+11), and 23:30Z after the first Sunday of April (+10)."""
    found = records(
        realdata / "ics" / "ical4j__Standup_outlook2003.ics", "2009-03-01", "2009-04-08"
    )

    assert found[0].started_at == utc("2009-03-09 22:30")
    assert found[0].duration_min == 15
    assert found[-1].started_at == utc("2009-04-07 23:30")  # Wednesday 8 April, 09:30
    assert len(found) == 22  # weekdays from 10 March to 8 April


def test_real_exchange_eastern_with_exdate_list(realdata: Path) -> None:
    found = records(realdata / "ics" / "icalevents__multi_exdate_same_line_ms.ics")

    # Fridays 11:00 in New York from 11 March to 29 April 2022, minus the three EXDATEs;
    # 11 March is still EST (16:00Z), the rest EDT (15:00Z).
    assert [r.started_at for r in found] == [
        utc("2022-03-11 16:00"),
        utc("2022-03-25 15:00"),
        utc("2022-04-15 15:00"),
        utc("2022-04-22 15:00"),
        utc("2022-04-29 15:00"),
    ]


def test_real_zimbra_series_with_rdate_exdate_and_overrides(realdata: Path) -> None:
    found = records(
        realdata / "ics" / "icaljs__recur_instances_zimbra.ics", "2012-01-01", "2013-01-31"
    )
    by_id = {r.source_id.rpartition("RID=")[2]: r.started_at for r in found}

    # The first Tuesday of October moved to 15:00 local (22:00Z); EXDATE 4 December gone;
    # the RDATE of 5 November overridden to 6 November 20:00 local.
    assert by_id["20121002T170000Z"] == utc("2012-10-02 22:00")
    assert by_id["20121105T180000Z"] == utc("2012-11-07 04:00")
    assert "20121204T180000Z" not in by_id
    assert by_id["20130101T180000Z"] == utc("2013-01-01 18:00")


def test_real_google_and_icloud_cancellations(realdata: Path) -> None:
    folder = realdata / "ics"
    person("karim@nilas.com", "Karim")
    person("inboxapptest.french@gmail.com", "Inbox Apptest")
    colleague("invalid@example.com")

    run("import_ics", folder / "nylas__google_cancelled1.ics")
    run("import_ics", folder / "nylas__icloud_cancelled1.ics")
    assert Interaction.objects.count() == 2
    google = Interaction.objects.get(source_id="c74p2nmutcd0kt69ku7rs8vu2g@google.com")
    assert google.started_at == utc("2015-04-01 14:00")
    icloud = Interaction.objects.get(source_id="5919D444-7C99-4687-A526-FC5D10091318")
    assert icloud.started_at == utc("2015-03-31 02:30")  # 04:30 in Paris, summer time
    # The iCloud organizer is the imip.me.com relay: the real address is its EMAIL=.
    assert list(icloud.colleagues.values_list("email", flat=True)) == ["invalid@example.com"]

    run("import_ics", folder / "nylas__google_cancelled2.ics")  # STATUS:CANCELLED, SEQUENCE 1
    run("import_ics", folder / "nylas__icloud_cancelled2.ics")  # METHOD:CANCEL only

    assert not Interaction.objects.exists()


def test_every_real_calendar_is_read_without_a_problem(realdata: Path) -> None:
    for path in sorted((realdata / "ics").glob("*.ics")):
        run("import_ics", path, "--dry-run")  # raises on a refusal


def test_the_report_and_refusals_in_spanish(sides: Any, tmp_path: Path) -> None:
    bad = tmp_path / "tarjeta.ics"
    bad.write_bytes(b"BEGIN:VCARD\r\nEND:VCARD\r\n")

    with translation.override("es"):
        out, _err = run("import_ics", FIXTURES / "weekly_review.ics", *WIDE, "--dry-run")
        _out, err = run_refused(bad)

    assert "interacciones: altas 5, cambios 0, sin cambios 0, bajas 0" in out
    assert "Simulación: no se ha escrito nada." in out
    assert err.splitlines()[0].endswith("tarjeta.ics:1: no es un archivo iCalendar")


def test_real_exchange_cdo_windows_display_name(realdata: Path) -> None:
    """Exchange CDO: TZID "Pacific Time (US & Canada), Tijuana", known only from its own
    VTIMEZONE; 22:30 on 11 October 2004 (still daylight time, UTC-7) is 05:30Z next day."""
    (found,) = records(realdata / "ics" / "ical4j__tmeher_exchange_cdo.ics")

    assert (found.started_at, found.duration_min) == (utc("2004-10-12 05:30"), 90)
