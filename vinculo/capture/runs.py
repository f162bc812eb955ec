"""Imports started from the web: store the file, preview it (a dry run), then apply it.

The same readers and the same :func:`~vinculo.capture.core.capture_run` as the commands;
what this adds is the :class:`~vinculo.capture.models.ImportRun` row that keeps the file,
the preview and the report, and the progress of a run being applied in the background.
"""

from __future__ import annotations

import json
import shutil
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from vinculo.capture.core import CaptureReport, Refused, Session, capture_run
from vinculo.capture.ics import Window, default_window, read_ics
from vinculo.capture.mail import MailOptions, read_mail_path
from vinculo.capture.models import ImportFormat, ImportRun, ImportStatus
from vinculo.capture.tabular import FIELDS, PRESETS, read_table
from vinculo.capture.vcard import read_vcard
from vinculo.users.models import User
from vinculo.vocab import LegalBasis

MAX_UPLOAD_BYTES = 200 * 1024 * 1024

_EXTENSIONS = {
    ".ics": ImportFormat.ICS,
    ".ical": ImportFormat.ICS,
    ".ifb": ImportFormat.ICS,
    ".vcf": ImportFormat.VCARD,
    ".vcard": ImportFormat.VCARD,
    ".mbox": ImportFormat.MAIL,
    ".mbx": ImportFormat.MAIL,
    ".eml": ImportFormat.MAIL,
    ".csv": ImportFormat.CSV,
    ".tsv": ImportFormat.CSV,
    ".txt": ImportFormat.CSV,
    ".xlsx": ImportFormat.CSV,
    ".xlsm": ImportFormat.CSV,
}


def imports_dir() -> Path:
    return Path(settings.VAR_DIR) / "imports"


def detect_format(name: str, head: bytes) -> str:
    """The format from the file's first bytes, else from its extension (CSV at last)."""
    text = head
    if text.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = text.decode("utf-16", errors="ignore").encode()
    text = text.lstrip(b"\xef\xbb\xbf \t\r\n").upper()
    if text.startswith(b"BEGIN:VCALENDAR"):
        return ImportFormat.ICS
    if text.startswith(b"BEGIN:VCARD"):
        return ImportFormat.VCARD
    if text.startswith(b"PK\x03\x04"):
        return ImportFormat.CSV
    by_name = _EXTENSIONS.get(Path(name).suffix.lower())
    if by_name is not None:
        return by_name
    if head.startswith(b"From ") or any(
        head.lower().startswith(h) for h in (b"received:", b"return-path:", b"message-id:")
    ):
        return ImportFormat.MAIL
    return ImportFormat.CSV


def _safe_name(name: str) -> str:
    base = Path(name.replace("\\", "/")).name.strip() or "upload"
    return "".join(c if c.isalnum() or c in "._- " else "_" for c in base)[:120]


@dataclass
class Options:
    preset: str = ""
    mapping: dict[str, str] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"preset": self.preset, "mapping": self.mapping or {}}


def options_problems(*, preset: str, mapping_text: str) -> tuple[list[str], dict[str, str]]:
    """Check the CSV options as the command does: a known preset, COLUMN=FIELD lines."""
    problems: list[str] = []
    if preset and preset not in PRESETS:
        problems.append(_("Unknown preset “%(p)s”.") % {"p": preset})
    mapping: dict[str, str] = {}
    for raw in mapping_text.splitlines():
        item = raw.strip()
        if not item:
            continue
        column, sep, field_name = item.rpartition("=")
        if not sep or not column.strip():
            problems.append(_("A mapping line wants COLUMN=FIELD, not “%(v)s”.") % {"v": item})
        elif field_name.strip() not in FIELDS:
            problems.append(
                _("Unknown field “%(f)s”; one of: %(all)s")
                % {"f": field_name.strip(), "all": ", ".join(FIELDS)}
            )
        else:
            mapping[column.strip()] = field_name.strip()
    return problems, mapping


def _work(run: ImportRun, path: Path) -> Callable[[Session], None]:
    options = run.options or {}

    def work(session: Session) -> None:
        try:
            read(session)
        except (Refused, ValidationError):
            raise
        except Exception as error:  # a reader's surprise is a refused file, not a crash
            raise Refused(
                run.filename, _("could not be read (%(e)s)") % {"e": f"{type(error).__name__}"}
            ) from error

    def read(session: Session) -> None:
        if run.format == ImportFormat.ICS:
            window = default_window()
            read_ics(session, path, Window(window.start, window.end))
        elif run.format == ImportFormat.VCARD:
            read_vcard(session, path, legal_basis=LegalBasis.LEGITIMATE_INTEREST)
        elif run.format == ImportFormat.MAIL:
            read_mail_path(session, path, MailOptions())
        else:
            read_table(
                session,
                path,
                preset=options.get("preset") or None,
                mapping=options.get("mapping") or {},
            )

    return work


def _stored(run: ImportRun) -> Path:
    return imports_dir() / run.stored


def _report_data(report: CaptureReport, folder: Path) -> dict[str, Any]:
    prefix = f"{folder}/"

    def local(lines: Iterable[str]) -> list[str]:
        return [line.replace(prefix, "") for line in lines]

    return {
        **report.as_dict(),
        "problems": local(report.problems),
        "problems_not_listed": report.problems_not_listed,
        "warnings": local(report.warnings),
        "notes": local(report.notes),
        "unmatched": report.unmatched,
        "threads": report.threads,
        "ok": report.ok,
    }


def report_from(data: dict[str, Any]) -> CaptureReport:
    """A stored report back as a :class:`CaptureReport`, to read in the reader's language."""
    report = CaptureReport()
    for name in ("created", "updated", "unchanged", "removed", "skipped"):
        setattr(report, name, Counter(data.get(name) or {}))
    report.read = int(data.get("read") or 0)
    report.problems = list(data.get("problems") or [])
    report.problems_not_listed = int(data.get("problems_not_listed") or 0)
    report.warnings = list(data.get("warnings") or [])
    report.notes = list(data.get("notes") or [])
    report.unmatched = int(data.get("unmatched") or 0)
    report.threads = int(data.get("threads") or 0)
    return report


def import_run_create(
    *, actor: User, filename: str, chunks: Iterable[bytes], format: str = "", options: Options
) -> ImportRun:
    """Store an uploaded file and preview it: the dry run of the importer it is for.

    A file the importer refuses leaves a run with status *refused* and its problems, and
    is not kept; nothing else is changed either way.
    """
    if format and format not in ImportFormat.values:
        raise ValidationError(_("Unknown format “%(f)s”.") % {"f": format})
    name = _safe_name(filename)
    folder_name = uuid.uuid4().hex
    folder = imports_dir() / folder_name
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    size = 0
    head = b""
    with path.open("wb") as handle:
        for chunk in chunks:
            if len(head) < 4096:
                head += chunk[: 4096 - len(head)]
            size += len(chunk)
            if size > MAX_UPLOAD_BYTES:
                handle.close()
                shutil.rmtree(folder, ignore_errors=True)
                raise ValidationError(
                    _("The file is larger than %(n)d MB.") % {"n": MAX_UPLOAD_BYTES // 2**20}
                )
            handle.write(chunk)
    if size == 0:
        shutil.rmtree(folder, ignore_errors=True)
        raise ValidationError(_("The file is empty."))
    run = ImportRun.objects.create(
        format=format or detect_format(name, head),
        filename=name,
        stored=f"{folder_name}/{name}",
        options=options.as_dict(),
        created_by=actor,
    )
    report = capture_run(label=name, work=_work(run, path), dry_run=True, actor=actor)
    run.preview = _report_data(report, folder)
    run.total = report.read
    if not report.ok:
        run.status = ImportStatus.REFUSED
        run.finished_at = timezone.now()
        shutil.rmtree(folder, ignore_errors=True)
    run.save(update_fields=["preview", "total", "status", "finished_at"])
    return run


# -- applying ---------------------------------------------------------------------------

# Runs being applied by this process, with the items done so far. A run applied by a
# worker (``vinculo worker``, another process or machine) writes its count to a small file
# beside the stored upload instead: its transaction hides every row until it commits.
_live: dict[int, int] = {}
_live_lock = threading.Lock()
PROGRESS_FILE = "progress.json"
PROGRESS_EVERY_S = 0.5


def live_progress(run_id: int) -> int | None:
    with _live_lock:
        return _live.get(run_id)


def progress_of(run: ImportRun) -> int | None:
    """Items done so far by whoever applies the run (this process or a worker), or None."""
    local = live_progress(run.pk)
    if local is not None:
        return local
    try:
        data = json.loads((_stored(run).parent / PROGRESS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return int(data.get("done") or 0)


def _task_pending(run_id: int) -> bool:
    """A worker task for this run is queued or running (see ``vinculo.ops.tasks``)."""
    from django_tasks_db.models import DBTaskResult

    from vinculo.ops.tasks import IMPORT_TASK

    return (
        DBTaskResult.objects.filter(
            task_path=IMPORT_TASK,
            status__in=["READY", "RUNNING"],
            args_kwargs__kwargs__run_id=run_id,
        )
        .only("pk")
        .exists()
    )


def is_interrupted(run: ImportRun) -> bool:
    if run.status != ImportStatus.RUNNING or live_progress(run.pk) is not None:
        return False
    return not _task_pending(run.pk)


def can_apply(run: ImportRun) -> bool:
    """A preview not yet applied, or a run that failed or was interrupted, file still there."""
    if run.status == ImportStatus.REFUSED or run.status == ImportStatus.DONE:
        return False
    if run.status == ImportStatus.RUNNING and not is_interrupted(run):
        return False
    return _stored(run).is_file()


def import_run_start(*, run: ImportRun, actor: User, background: bool | None = None) -> ImportRun:
    """Mark the run as running and apply it: queued for a worker (``vinculo worker``) unless
    ``background`` is False (the setting ``VINCULO_IMPORT_BACKGROUND`` decides by default),
    or when called inside a transaction (a worker could not see the uncommitted row)."""
    if not can_apply(run):
        raise ValidationError(_("This import cannot be applied (again)."))
    with _live_lock:
        if run.pk in _live:
            raise ValidationError(_("This import is already running."))
    now = timezone.now()
    run.status = ImportStatus.RUNNING
    run.started_at = now
    run.heartbeat = now
    run.finished_at = None
    run.progress = 0
    run.save(update_fields=["status", "started_at", "heartbeat", "finished_at", "progress"])
    if background is None:
        background = getattr(settings, "VINCULO_IMPORT_BACKGROUND", True)
    if background and connection.in_atomic_block:
        background = False
    if background:
        from vinculo.ops.tasks import import_apply

        import_apply.enqueue(run_id=run.pk, actor_id=actor.pk)
    else:
        _apply_here(run, actor)
    return run


def import_run_apply(*, run_id: int, actor_id: int) -> ImportRun:
    """Apply a run marked running (what the worker's task does); safe to run again."""
    run = ImportRun.objects.get(pk=run_id)
    actor = User.objects.get(pk=actor_id)
    if run.status != ImportStatus.RUNNING:
        return run  # done meanwhile (a re-run of a task whose worker died after the end)
    _apply_here(run, actor)
    return run


def _apply_here(run: ImportRun, actor: User) -> None:
    with _live_lock:
        _live[run.pk] = 0
    try:
        _apply(run, actor)
    finally:
        with _live_lock:
            _live.pop(run.pk, None)


def _write_progress(path: Path, done: int) -> None:
    temporary = path.with_suffix(".tmp")
    try:
        temporary.write_text(json.dumps({"done": done}), encoding="utf-8")
        temporary.replace(path)
    except OSError:
        pass  # progress is a courtesy; the import goes on


def _apply(run: ImportRun, actor: User) -> None:
    path = _stored(run)
    progress_path = path.parent / PROGRESS_FILE
    last_written = [0.0]

    def progress(_name: str, amount: int) -> None:
        with _live_lock:
            done = _live[run.pk] = _live.get(run.pk, 0) + amount
        now = time.monotonic()
        if now - last_written[0] >= PROGRESS_EVERY_S:
            last_written[0] = now
            _write_progress(progress_path, done)

    try:
        report = capture_run(
            label=run.filename, work=_work(run, path), actor=actor, progress=progress
        )
        run.report = _report_data(report, path.parent)
        run.status = ImportStatus.DONE if report.ok else ImportStatus.FAILED
    except Exception as error:  # the run must end visible, whatever went wrong
        run.report = {
            "problems": [f"{run.filename}: {type(error).__name__}: {error}"],
            "ok": False,
        }
        run.status = ImportStatus.FAILED
    finally:
        with _live_lock:
            done = _live.get(run.pk, 0)
        progress_path.unlink(missing_ok=True)
    # The readers tick in their own units (components, lines); the end is what was read.
    run.progress = int(run.report.get("read") or 0) if run.status == ImportStatus.DONE else done
    run.finished_at = timezone.now()
    run.heartbeat = run.finished_at
    run.save(update_fields=["report", "status", "progress", "finished_at", "heartbeat"])


__all__ = [
    "MAX_UPLOAD_BYTES",
    "Options",
    "can_apply",
    "detect_format",
    "import_run_apply",
    "import_run_create",
    "import_run_start",
    "is_interrupted",
    "live_progress",
    "options_problems",
    "progress_of",
    "report_from",
]
