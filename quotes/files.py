"""Writing an output file whole or not at all, and never over something that is not an output."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from quotes.errors import InputError

SQLITE_HEADER = b"SQLite format 3\x00"


def write_atomic(path: Path, content: str, protect: Path | None = None) -> None:
    """Write `content` to `path` through a temporary file beside it, then rename.

    A symlink keeps pointing where it did (its target is replaced), an existing file keeps its
    mode, and a directory, a device, a FIFO, a SQLite database or the `protect` file is refused.
    """
    target = Path(os.path.realpath(path))
    mode = 0o666 & ~_umask()
    if target.exists():
        info = target.stat()
        if stat.S_ISDIR(info.st_mode):
            raise InputError(f"cannot write {path}: it is a directory")
        if not stat.S_ISREG(info.st_mode):
            raise InputError(f"cannot write {path}: not a regular file (a device, FIFO or socket)")
        if protect is not None and protect.exists() and os.path.samefile(target, protect):
            raise InputError(f"cannot write {path}: it is the database")
        with target.open("rb") as fh:
            if fh.read(len(SQLITE_HEADER)) == SQLITE_HEADER:
                raise InputError(f"cannot write {path}: it is a SQLite database")
        mode = stat.S_IMODE(info.st_mode)
    directory = target.parent
    if not directory.is_dir():
        raise InputError(f"cannot write {path}: directory {directory} does not exist")
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{target.name}.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(content)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
        tmp = None
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror}") from exc
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
