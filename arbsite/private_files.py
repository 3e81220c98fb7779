"""Files only the account running Arbsite may read: var/ (0700), the generated secret key and
the SQLite database (0600).

Each is created with its final mode (the umask can only take bits away, never add them), so it
is never readable by others, not even for a moment; one left open by an older version is
tightened when the process that owns it starts. No Django here: settings.py calls this before
Django is configured.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def private_dir(path: Path) -> None:
    """Make sure `path` exists as a directory only its owner can enter."""
    path.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    _tighten(path, PRIVATE_DIR_MODE)


def private_file(path: Path) -> None:
    """Make sure `path` exists (empty when new) as a file only its owner can read or write."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE))
    except FileExistsError:
        _tighten(path, PRIVATE_FILE_MODE)


def read_or_create_secret(path: Path, generate: Callable[[], str]) -> str:
    """The secret kept in `path`, or a new one from `generate` written there, 0600 from the start.

    The new file is written under a temporary name and linked into place, which fails if the
    name exists: of two processes starting at once, both end up with the one key that won.
    """
    try:
        _tighten(path, PRIVATE_FILE_MODE)
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mkstemp: 0600
    try:
        with os.fdopen(descriptor, "w") as file:
            file.write(generate())
        with contextlib.suppress(FileExistsError):  # another process's key is in place: use it
            os.link(temporary, path)
    finally:
        os.unlink(temporary)
    return path.read_text().strip()


def _tighten(path: Path, mode: int) -> None:
    """Take group and other permissions away from a path this process owns (another's is left alone)."""
    status = path.stat()
    if status.st_uid == os.geteuid() and stat.S_IMODE(status.st_mode) & 0o077:
        path.chmod(stat.S_IMODE(status.st_mode) & ~0o077 & mode)
