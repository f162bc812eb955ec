"""``vinculo suggest_level [--lang es|en|auto] < notes.txt`` (exchange.md §4).

One note per input line, one output line per note, in order:
``LEVEL<TAB>CONFIDENCE<TAB>REASON``, the confidence with two decimals. An empty (or blank)
line prints ``operational<TAB>0.00<TAB>empty note``: the line count of the output always
matches the input, and a confidence of 0 says there was nothing to judge. Input and output
are UTF-8 whatever the locale; input that is not valid UTF-8 is read with replacement
characters rather than refused. The reason is in the interface language (LANGUAGE_CODE).
"""

from __future__ import annotations

import io
import sys
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandParser

from vinculo.interactions.levels import LANGUAGES, suggest_level


class Command(BaseCommand):
    # Plain strings, as in the project's other commands (django-stubs types help as str).
    help = (
        "Suggest the conversation level of each note read from standard input, one note per "
        "line; prints LEVEL, CONFIDENCE and REASON separated by tabs, one line per note."
    )
    # Lets tests and callers pass a stream: call_command("suggest_level", stdin=...).
    stealth_options = ("stdin",)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--lang",
            choices=[*LANGUAGES, "auto"],
            default="auto",
            help="Language of the notes; auto detects it note by note (default).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        stream = options.get("stdin") or _utf8(sys.stdin)
        if options.get("stdout") is None and isinstance(sys.stdout, io.TextIOWrapper):
            # The output is UTF-8 like every exchange format, whatever the locale says: a
            # C locale must not turn a quoted accent or emoji into a crash.
            sys.stdout.reconfigure(encoding="utf-8", errors="replace")
        lang = options["lang"]
        try:
            for line in stream:
                suggestion = suggest_level(line.rstrip("\r\n"), lang=lang)
                reason = " ".join(suggestion.reason.split())  # never a tab inside a field
                self.stdout.write(
                    f"{suggestion.level.value}\t{suggestion.confidence:.2f}\t{reason}"
                )
        except BrokenPipeError:  # `... | head` closed the pipe: not an error of ours
            sys.stderr.close()


def _utf8(stream: TextIO) -> TextIO:
    buffer = getattr(stream, "buffer", None)
    if buffer is None:
        return stream
    return io.TextIOWrapper(buffer, encoding="utf-8", errors="replace", newline="\n")
