"""What the servers complained about while measured: error lines and tracebacks, grouped.

A server misbehaving under load says so in its log before the figures show why; the summary
keeps how often each distinct complaint came, so a run's JSON records it.
"""

from __future__ import annotations

import re
from collections import Counter

# "2026-01-01 12:00:00,123 ERROR daphne.server: Exception inside application: ..."
_LOGGED = re.compile(r"\b(ERROR|CRITICAL)\b\s*(.*)")
_WARNING = re.compile(r"\bWARNING\b\s*(.*)")
_TRACEBACK = "Traceback (most recent call last):"
_CHAINED = ("During handling of the above exception", "The above exception was the direct cause")
_DIGITS = re.compile(r"\d+")
MAX_KINDS = 20


def _kind(text: str) -> str:
    """Numbers (ports, ids, counts) vary from one occurrence to the next; the kind does not."""
    return _DIGITS.sub("N", text.strip())[:200]


def summarize(lines_by_process: dict[str, list[str]]) -> dict:
    """Errors by kind: a logged error line, or the exception a traceback ended in (a traceback
    printed right under an error line counts once, as its exception; a chain of tracebacks
    once, as its last)."""
    errors: Counter = Counter()
    warnings: Counter = Counter()
    for process, lines in lines_by_process.items():
        in_traceback = False
        just_logged: str | None = None  # the error line just before, which a traceback explains
        just_raised: str | None = None  # the exception just counted, which a chained one supersedes
        for line in lines:
            if line.startswith(_TRACEBACK):
                if just_logged is not None:
                    errors[just_logged] -= 1
                in_traceback, just_logged = True, None
                continue
            if in_traceback:
                if not line or line.startswith((" ", "\t")):
                    continue
                in_traceback = False
                just_raised = f"{process}: {_kind(line)}"  # the exception the traceback ended in
                errors[just_raised] += 1
                continue
            if not line.strip():
                continue
            if line.startswith(_CHAINED):
                if just_raised is not None:
                    errors[just_raised] -= 1
                just_raised = None
                continue
            just_logged = just_raised = None
            if match := _LOGGED.search(line):
                just_logged = f"{process}: {_kind(match[2])}"
                errors[just_logged] += 1
            elif match := _WARNING.search(line):
                warnings[f"{process}: {_kind(match[1])}"] += 1
    errors = +errors  # drop the kinds a traceback took over
    return {
        "errors": sum(errors.values()),
        "warnings": sum(warnings.values()),
        "kinds": dict(errors.most_common(MAX_KINDS)),
        "warning_kinds": dict(warnings.most_common(MAX_KINDS)),
    }
