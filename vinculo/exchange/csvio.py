"""Reading and writing the bundle's CSV files, as a directory or a .zip (exchange.md §1).

Files are streamed: a reader yields one row at a time, a writer takes an iterable of rows,
so a bundle of a million interactions never sits in memory.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

# A fixed timestamp inside the zip, so the same data gives the same bytes.
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


class BundleSource:
    """The CSV files of a bundle, by file name, whether in a directory or a zip."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._zip: zipfile.ZipFile | None = None
        self._names: dict[str, str] = {}
        if path.is_dir():
            self._names = {p.name: p.name for p in sorted(path.glob("*.csv"))}
        else:
            self._zip = zipfile.ZipFile(path)
            for member in self._zip.namelist():
                # A zip made by compressing the folder keeps it as a prefix; accept both.
                name = member.rsplit("/", 1)[-1]
                if name.endswith(".csv") and not member.startswith("__MACOSX/"):
                    self._names.setdefault(name, member)

    @property
    def names(self) -> list[str]:
        return sorted(self._names)

    @contextmanager
    def open(self, name: str) -> Iterator[IO[str] | None]:
        member = self._names.get(name)
        if member is None:
            yield None
            return
        if self._zip is not None:
            with (
                self._zip.open(member) as raw,
                io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as text,
            ):
                yield text
        else:
            with (self.path / member).open(encoding="utf-8-sig", newline="") as text:
                yield text

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()


def read_rows(handle: IO[str]) -> Iterator[tuple[int, list[str]]]:
    """Yield (physical line where the record starts, cells); the header is line 1."""
    reader = csv.reader(handle)
    previous_end = 0
    for cells in reader:
        start = previous_end + 1
        previous_end = reader.line_num
        if not cells or (len(cells) == 1 and not cells[0].strip() and start > 1):
            continue
        yield start, cells


class BundleTarget:
    """Where an export writes: a directory, or a zip when the path ends in .zip."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._zip: zipfile.ZipFile | None = None
        if path.suffix.lower() == ".zip":
            path.parent.mkdir(parents=True, exist_ok=True)
            self._zip = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED)
        else:
            path.mkdir(parents=True, exist_ok=True)

    @contextmanager
    def writer(self, name: str) -> Iterator[Any]:
        if self._zip is not None:
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            with (
                self._zip.open(info, "w") as raw,
                io.TextIOWrapper(raw, encoding="utf-8", newline="") as text,
            ):
                yield csv.writer(text, lineterminator="\r\n")
        else:
            with (self.path / name).open("w", encoding="utf-8", newline="") as text:
                yield csv.writer(text, lineterminator="\r\n")

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()
