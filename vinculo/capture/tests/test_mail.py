"""import_mail: mbox, Maildir, .eml and IMAP; what is kept, what is skipped, never bodies."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from email.message import Message
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any

import pytest
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import translation

from vinculo.capture.core import capture_run
from vinculo.capture.mail import MailOptions, read_imap
from vinculo.capture.models import MailCursor, MailThread, UnmatchedAddress
from vinculo.capture.tests.helpers import account, checksum, colleague, person, run
from vinculo.interactions.models import Interaction
from vinculo.people.models import Employment
from vinculo.vocab import Channel, Direction, Source

pytestmark = pytest.mark.django_db

SECRET = "the body says: price 4711 EUR, confidential"


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def sides() -> dict[str, Any]:
    return {
        "ana": colleague("ana@nosotros.example", "Ana Ruiz"),
        "cliente": account("Cliente S.A.", "cliente.example"),
        "eva": person("eva@cliente.example", "Eva Gil"),
    }


@pytest.fixture(autouse=True)
def eva_works_at_cliente(sides: Any) -> None:
    Employment.objects.create(person=sides["eva"], account=sides["cliente"])


def message(
    *,
    sender: str,
    to: str,
    subject: str,
    date_: str = "Tue, 03 Jun 2025 10:15:00 +0200",
    message_id: str | None = None,
    extra: str = "",
    body: str = SECRET,
) -> str:
    mid = f"Message-ID: <{message_id}>\n" if message_id else ""
    return (
        f"From: {sender}\nTo: {to}\nSubject: {subject}\nDate: {date_}\n{mid}{extra}"
        f"Content-Type: text/plain; charset=utf-8\n\n{body}\n"
    )


def mbox(tmp_path: Path, *messages: str) -> Path:
    path = tmp_path / "box.mbox"
    chunks = [f"From sender@example Tue Jun  3 10:15:00 2025\n{m}\n" for m in messages]
    path.write_bytes("".join(chunks).encode())
    return path


def sample(tmp_path: Path) -> Path:
    return mbox(
        tmp_path,
        message(sender="Ana Ruiz <ana@nosotros.example>", to="Eva Gil <eva@cliente.example>",
                subject="Oferta 2026", message_id="m1@nosotros.example"),
        message(sender="eva@cliente.example", to="ana@nosotros.example",
                subject="=?utf-8?q?Re=3A_Oferta_2026_=E2=80=94_dudas?=",
                date_="Wed, 04 Jun 2025 09:00:00 +0200", message_id="m2@cliente.example",
                extra="In-Reply-To: <m1@nosotros.example>\n"
                      "References: <m1@nosotros.example>\n",
                body="Hola Ana,\n\nNos gusta la oferta.\n> quoted\nSaludos"),
        message(sender="news@cliente.example", to="ana@nosotros.example", subject="Boletín",
                message_id="m3@cliente.example",
                extra="List-Unsubscribe: <mailto:unsubscribe@cliente.example>\n"),
        message(sender="ana@nosotros.example", to="pedro@nosotros.example", subject="Interno",
                message_id="m4@nosotros.example"),
        message(sender="stranger@gmail.com", to="ana@nosotros.example", subject="Hola",
                message_id="m5@gmail.com"),
        message(sender="noreply@cliente.example", to="ana@nosotros.example", subject="Aviso",
                message_id="m6@cliente.example", extra="Auto-Submitted: auto-generated\n"),
        message(sender="ana@nosotros.example", to="doctor@clinica.example, eva@cliente.example",
                subject="Cita", message_id="m7@nosotros.example"),
        message(sender="ana@nosotros.example", to="nadie@desconocido.example",
                subject="¿Nos vemos?", message_id="m8@nosotros.example"),
    )  # fmt: skip


def test_mbox_messages_become_email_interactions_without_bodies(
    sides: Any, tmp_path: Path, settings: Any
) -> None:
    settings.VINCULO_CAPTURE_BLOCKLIST = ["clinica.example"]

    out, _err = run("import_mail", sample(tmp_path))

    first, reply = Interaction.objects.order_by("started_at")
    assert (first.started_at, first.channel, first.direction, first.source, first.source_id) == (
        datetime(2025, 6, 3, 8, 15, tzinfo=UTC), Channel.EMAIL, Direction.OUTBOUND,
        Source.MAIL, "m1@nosotros.example",
    )  # fmt: skip
    assert (reply.direction, reply.summary) == (Direction.INBOUND, "Re: Oferta 2026 — dudas")
    assert first.summary == "Oferta 2026"
    assert list(reply.people.all()) == [sides["eva"]]
    assert list(reply.colleagues.all()) == [sides["ana"]]
    assert reply.account == sides["cliente"]
    # The reply is in the thread of the first message, which starts it (and needs no row).
    assert list(MailThread.objects.values_list("interaction_id", "thread_id")) == [
        (reply.pk, "m1@nosotros.example")
    ]
    assert not Interaction.objects.filter(summary__contains="4711").exists()
    for line in (
        "interactions: 2 created, 0 updated, 0 unchanged, 0 removed",
        "skipped (bulk or automatic mail): 2",
        "skipped (only our own people): 1",
        "skipped (unknown free-mail sender): 1",
        "skipped (on the block list): 1",
        "skipped (no client participant): 1",
        "8 items read",
    ):
        assert line in out
    # The address on no known domain waits in the review list; the blocked one does not.
    assert list(UnmatchedAddress.objects.values_list("email", "domain", "seen")) == [
        ("nadie@desconocido.example", "desconocido.example", 1)
    ]


def test_excerpt_only_when_asked(sides: Any, tmp_path: Path) -> None:
    run("import_mail", sample(tmp_path), "--with-excerpt")

    reply = Interaction.objects.get(source_id="m2@cliente.example")
    assert reply.summary == ("Re: Oferta 2026 — dudas\n\nHola Ana, Nos gusta la oferta. Saludos")


def test_reimport_is_a_no_op_and_dry_run_writes_nothing(sides: Any, tmp_path: Path) -> None:
    path = sample(tmp_path)
    before = checksum()
    out, _err = run("import_mail", path, "--dry-run")
    assert checksum() == before
    assert "interactions: 3 created" in out  # no block list here: the clinic counts

    run("import_mail", path)
    after_first = checksum()
    out, _err = run("import_mail", path)

    assert checksum() == after_first
    assert "interactions: 0 created, 0 updated, 3 unchanged, 0 removed" in out


def test_date_range(sides: Any, tmp_path: Path) -> None:
    out, _err = run("import_mail", sample(tmp_path), "--since", "2025-06-04")

    assert list(Interaction.objects.values_list("source_id", flat=True)) == ["m2@cliente.example"]
    assert "skipped (outside the date range): 7" in out


def test_maildir_and_eml(sides: Any, tmp_path: Path) -> None:
    box = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (box / sub).mkdir(parents=True)
    (box / "cur" / "1.eml").write_text(
        message(
            sender="eva@cliente.example", to="ana@nosotros.example", subject="A", message_id="a@x"
        )
    )
    (box / "new" / "2").write_text(
        message(
            sender="ana@nosotros.example", to="eva@cliente.example", subject="B", message_id="b@x"
        )
    )
    (box / "tmp" / "3").write_text("half written")
    single = tmp_path / "c.eml"
    single.write_text(message(sender="ana@nosotros.example", to="eva@cliente.example", subject="C"))

    run("import_mail", box, single)

    assert sorted(Interaction.objects.values_list("summary", flat=True)) == ["A", "B", "C"]
    # No Message-ID: a stable id of date, sender and subject, the same on every run.
    assert Interaction.objects.get(summary="C").source_id.startswith("sha256:")
    before = checksum()
    run("import_mail", box, single)
    assert checksum() == before


@pytest.mark.parametrize(
    ("name", "content", "message_text"),
    [
        ("bad.eml", b"\x89PNG\r\n\x1a\n\x00\x00", "bad.eml: not an email message"),
        ("bad.mbox", b"%PDF-1.4\n%\xe2\xe3\n", "bad.mbox: not an email message"),
        ("cut.mbox", b"From a@b Tue Jun  3 10:15:00 2025\nSubject: x\nTo: a@b.example\n",
         "cut.mbox:1: the last message ends inside its header: truncated"),
    ],
)  # fmt: skip
def test_bad_files_refused_with_nothing_changed(
    sides: Any, tmp_path: Path, name: str, content: bytes, message_text: str
) -> None:
    bad = tmp_path / name
    bad.write_bytes(content)
    before = checksum()

    with pytest.raises(CommandError):
        run("import_mail", sample(tmp_path), bad)

    assert checksum() == before
    assert not Interaction.objects.exists()
    _out, err = run_refused(sample(tmp_path), bad)
    assert any(line.endswith(message_text) for line in err.splitlines()), err


def run_refused(*paths: Path) -> tuple[str, str]:
    from io import StringIO

    from django.core.management import call_command

    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError):
        call_command("import_mail", *map(str, paths), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


# -- IMAP: the cursor, against a fake folder ---------------------------------------------


class FakeFolder:
    """A folder with UIDs and headers, as ImapToolsFolder presents a real server's."""

    def __init__(self, validity: int, messages: dict[int, str]) -> None:
        self.validity = validity
        self.messages = messages
        self.asked: list[int] = []

    def uidvalidity(self) -> int:
        return self.validity

    def headers(
        self, *, after_uid: int, since: date | None, until: date | None
    ) -> Iterator[tuple[int, Message]]:
        self.asked.append(after_uid)
        parser = BytesHeaderParser()
        uids = [u for u in sorted(self.messages) if u > after_uid] or sorted(self.messages)[-1:]
        for uid in uids:  # like a server, "n:*" answers the last message even below n
            yield uid, parser.parsebytes(self.messages[uid].encode())


def imap_run(folder: FakeFolder, dry_run: bool = False) -> Any:
    return capture_run(
        label="imap",
        dry_run=dry_run,
        work=lambda session: read_imap(
            session, folder, mailbox="ana@mail.example/INBOX", options=MailOptions()
        ),
    )


def mail(n: int) -> str:
    return message(sender="eva@cliente.example", to="ana@nosotros.example", subject=f"S{n}",
                   message_id=f"imap{n}@cliente.example")  # fmt: skip


def test_imap_cursor_reads_only_new_mail_and_resets_on_new_uidvalidity(sides: Any) -> None:
    folder = FakeFolder(7, {10: mail(1), 11: mail(2)})
    report = imap_run(folder, dry_run=True)
    assert report.created["interaction"] == 2
    assert not MailCursor.objects.exists()  # a dry run does not move the cursor

    imap_run(folder)
    cursor = MailCursor.objects.get()
    assert (cursor.uidvalidity, cursor.last_uid) == (7, 11)

    folder.messages[12] = mail(3)
    report = imap_run(folder)
    assert folder.asked[-1] == 11
    assert (report.read, report.created["interaction"]) == (1, 1)
    assert MailCursor.objects.get().last_uid == 12

    report = imap_run(folder)  # nothing new: the server still answers UID 12
    assert report.read == 0

    renumbered = FakeFolder(8, {1: mail(1), 2: mail(2), 3: mail(3), 4: mail(4)})
    report = imap_run(renumbered)
    assert renumbered.asked == [0]
    assert (report.read, report.created["interaction"], report.unchanged["interaction"]) == (
        4, 1, 3
    )  # fmt: skip
    assert (MailCursor.objects.get().uidvalidity, MailCursor.objects.get().last_uid) == (8, 4)


def test_imap_cursor_stays_when_the_run_is_refused(sides: Any) -> None:
    folder = FakeFolder(7, {10: mail(1)})
    imap_run(folder)
    folder.messages[11] = mail(2)

    with transaction.atomic():
        report = capture_run(
            label="imap",
            work=lambda session: (
                read_imap(session, folder, mailbox="ana@mail.example/INBOX",
                          options=MailOptions()),
                session.report.problem("x", "refused"),
            ),
        )  # fmt: skip

    assert not report.ok
    assert MailCursor.objects.get().last_uid == 10
    assert Interaction.objects.count() == 1


# -- the real mailboxes ------------------------------------------------------------------


def test_real_enron_maildir(realdata: Path) -> None:
    """Rick Buy's mailbox: enron.com is ours, Mariner Energy is a client."""
    colleague("rick.buy@enron.com", "Rick Buy")
    mariner = account("Mariner Energy", "mariner-energy.com")
    folder = realdata / "mail" / "enron-buy-r" / "maildir"

    out, _err = run("import_mail", folder)

    row = Interaction.objects.get(source_id="9757902.1075863356653.JavaMail.evans@thyme")
    assert (row.started_at, row.direction, row.summary, row.account) == (
        datetime(2001, 10, 17, 13, 35, 50, tzinfo=UTC), Direction.INBOUND,
        "Documents for Special Telephonic Meeting of the BOD", mariner,
    )  # fmt: skip
    assert list(row.people.values_list("emails__email", flat=True)) == ["dcagle@mariner-energy.com"]
    assert "rick.buy@enron.com" in set(row.colleagues.values_list("email", flat=True))
    assert "2429 items read" in out
    assert "skipped (only our own people): 2047" in out
    # No body anywhere: every summary is a subject line.
    assert not Interaction.objects.filter(summary__contains="\n").exists()
    assert not Interaction.objects.filter(summary__icontains="Executive Administrator").exists()
    count = Interaction.objects.count()
    assert count > 0
    before = checksum()
    run("import_mail", folder)
    assert checksum() == before


def test_real_eml_files_from_several_clients(realdata: Path) -> None:
    folder = realdata / "mail" / "eml"
    account("Nylas", "nylas.com")
    colleague("inboxapptest@gmail.com")

    out, _err = run("import_mail", *sorted(folder.glob("*.eml")), "--dry-run")

    assert "5 items read" in out


def test_real_enron_samples_with_renamed_files(realdata: Path) -> None:
    colleague("phillip.allen@enron.com")
    account("Salomon Smith Barney", "salomonsmithbarney.com")

    out, _err = run("import_mail", realdata / "mail" / "enron-sample-juparog")

    assert "43 items read" in out
