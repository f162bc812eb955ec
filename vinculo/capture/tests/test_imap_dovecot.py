"""import_mail against a real IMAP server: Debian's Dovecot, started here on loopback.

Skipped, saying so, where Dovecot is not installed (``apt-get install dovecot-imapd``);
the cursor logic is also tested against a fake folder in test_mail.py.
"""

from __future__ import annotations

import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from vinculo.capture.models import MailCursor
from vinculo.capture.tests.helpers import account, colleague, person, run
from vinculo.interactions.models import Interaction
from vinculo.people.models import Employment

DOVECOT = "/usr/sbin/dovecot"
pytestmark = pytest.mark.django_db


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _unavailable(message: str) -> None:
    # .ci/run installs Dovecot: under CI this test must run, never skip.
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message}; CI must run the IMAP test.")
    pytest.skip(message)


@pytest.fixture
def imap_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    if not Path(DOVECOT).exists():
        _unavailable("Dovecot is not installed (apt-get install dovecot-imapd)")
    try:
        pwd.getpwnam("dovecot")
        pwd.getpwnam("dovenull")
    except KeyError:
        _unavailable("Dovecot's system users are missing")
    if os.geteuid() != 0:
        _unavailable("starting a private Dovecot needs root here")
    root = Path("/tmp") / f"vinculo-dovecot-{os.getpid()}-{_free_port()}"
    for sub in ("run", "state", "mail", "home"):
        (root / sub).mkdir(parents=True)
    shutil.chown(root / "mail", "dovecot", "dovecot")
    shutil.chown(root / "home", "dovecot", "dovecot")
    root.chmod(0o755)
    port = _free_port()
    config = root / "dovecot.conf"
    config.write_text(
        f"base_dir = {root}/run\nstate_dir = {root}/state\nlog_path = {root}/dovecot.log\n"
        "protocols = imap\nlisten = 127.0.0.1\nssl = no\ndisable_plaintext_auth = no\n"
        "auth_mechanisms = plain\nfirst_valid_uid = 0\n"
        f"mail_location = maildir:{root}/mail/%u\n"
        "default_internal_user = dovecot\ndefault_login_user = dovenull\n"
        "passdb {\n  driver = static\n  args = password=secret\n}\n"
        f"userdb {{\n  driver = static\n  args = uid=dovecot gid=dovecot home={root}/home/%u\n}}\n"
        "service imap-login {\n  inet_listener imap {\n    address = 127.0.0.1\n"
        f"    port = {port}\n  }}\n  inet_listener imaps {{\n    port = 0\n  }}\n}}\n"
    )
    server = subprocess.Popen(
        [DOVECOT, "-F", "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("Dovecot did not start: " + (root / "dovecot.log").read_text())
        yield port
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(root, ignore_errors=True)


def _append(port: int, *subjects: str) -> None:
    client = imaplib.IMAP4("127.0.0.1", port)
    client.login("ana", "secret")
    for subject in subjects:
        message = (
            "From: Eva Gil <eva@cliente.example>\r\nTo: ana@nosotros.example\r\n"
            f"Subject: {subject}\r\nDate: Tue, 03 Jun 2025 10:15:00 +0200\r\n"
            f"Message-ID: <{subject}@cliente.example>\r\n\r\nsecret body text\r\n"
        )
        client.append("INBOX", "", imaplib.Time2Internaldate(time.time()), message.encode())
    client.logout()


def _seen_flags(port: int) -> list[bytes]:
    client = imaplib.IMAP4("127.0.0.1", port)
    client.login("ana", "secret")
    client.select("INBOX", readonly=True)
    _typ, data = client.fetch("1:*", "(FLAGS)")
    client.logout()
    return [item for item in data if isinstance(item, bytes) and b"\\Seen" in item]


def test_real_imap_folder_read_only_and_incremental(imap_server: int, monkeypatch: Any) -> None:
    monkeypatch.setenv("VINCULO_IMAP_PASSWORD", "secret")
    colleague("ana@nosotros.example")
    cliente = account("Cliente S.A.", "cliente.example")
    eva = person("eva@cliente.example", "Eva Gil")
    Employment.objects.create(person=eva, account=cliente)
    _append(imap_server, "uno", "dos")
    url = f"imap://ana@127.0.0.1:{imap_server}/INBOX"

    with translation.override("en"):
        out, _err = run("import_mail", url)
        assert "2 items read" in out
        _append(imap_server, "tres")
        out, _err = run("import_mail", url)

    assert "1 items read" in out  # only the new message
    assert sorted(Interaction.objects.values_list("summary", flat=True)) == [
        "dos", "tres", "uno"
    ]  # fmt: skip
    assert not Interaction.objects.filter(summary__contains="secret").exists()
    cursor = MailCursor.objects.get()
    assert (cursor.mailbox, cursor.last_uid) == ("ana@127.0.0.1/INBOX", 3)
    assert _seen_flags(imap_server) == []  # read-only: nothing marked as read
