"""Atomic file replacement, and the cleanup of temp files that killed writers leave behind.

``atomic_write(path, chunks)`` writes to a temp file ``.NAME.XXXXXXXX.tmp`` in the target's
folder, fsyncs it, and renames it over ``path`` (``os.replace`` is atomic on one file
system). Readers see the old file or the new one, never a mix.

A Python exception (including Ctrl-C) removes the temp file. A process killed outright
(``kill -9``, a power cut) cannot, so its temp file stays; the next ``atomic_write`` to the
same path removes every such file whose writer is gone. A writer holds an exclusive
``flock`` on its temp file from creation to rename, and the kernel drops the lock when the
process dies, so "the lock is free" means "nobody is writing it". Where ``fcntl`` is missing
(Windows), a temp file counts as stale once it is ``STALE_AFTER_S`` old.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
import time
from typing import Iterable

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

STALE_AFTER_S = 24 * 3600  # without fcntl: temp files this old are a dead writer's
TEMP_SUFFIX = ".tmp"


def atomic_write(path: str | os.PathLike[str], chunks: Iterable[bytes]) -> None:
    """Write ``chunks`` to a temp file beside ``path``, fsync it, and move it onto ``path``.

    A crash at any point leaves either the old file or the new one, never a mix. An
    exception removes the temp file; a killed process leaves it, and the next call for the
    same ``path`` removes it (see the module doc). A file being replaced keeps its
    permission bits; a new one gets 0644.
    """
    path = os.fspath(path)
    check_target(path)
    folder, base = os.path.dirname(os.path.abspath(path)), os.path.basename(path)
    remove_stale_temps(folder, base)
    mode = os.stat(path).st_mode & 0o777 if os.path.isfile(path) else 0o644
    try:
        fd, tmp = _claimed_temp(folder, base)
    except OSError as exc:  # say the file asked for, not the temp file's name
        raise type(exc)(f"cannot write {path!r}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            for chunk in chunks:
                f.write(chunk)
            f.flush()
            os.fsync(f.fileno())
            os.chmod(tmp, mode)
            if fcntl is not None:
                os.replace(tmp, path)  # before closing: the lock is held until the name is gone
        if fcntl is None:  # Windows cannot rename an open file
            os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_dir(folder)


def check_target(path: str) -> None:
    """Refuse a target that a rename would wrongly replace, before anything is written.

    ``os.replace`` swaps whatever entry has the name: a folder fails late with the temp
    file's name in the message, and a FIFO, a device or a link to one (``/dev/null``,
    ``/dev/stdout``) would be replaced by a regular file. Only a regular file, a link to
    one, or a new name in an existing folder is written. Callers with a long job before the
    save (``barenet train``) call this first, so a bad path fails before the work, not after.
    """
    if not path:
        raise FileNotFoundError("cannot write '': the path is empty; give a file name")
    if path.endswith((os.sep, "/")):
        raise IsADirectoryError(f"cannot write {path!r}: give a file name, not a folder")
    try:
        info = os.stat(path)
    except FileNotFoundError:
        folder = os.path.dirname(path) or "."
        if not os.path.isdir(folder):
            raise FileNotFoundError(f"cannot write {path!r}: the folder {folder!r} "
                                    "does not exist") from None
        return
    except OSError as exc:
        raise type(exc)(f"cannot write {path!r}: {exc.strerror or exc}") from None
    if stat.S_ISDIR(info.st_mode):
        raise IsADirectoryError(f"cannot write {path!r}: it is a folder; give a file name")
    if not stat.S_ISREG(info.st_mode):
        raise FileExistsError(f"cannot write {path!r}: it exists and is not a regular file "
                              "(a device, FIFO or socket); give a file name")


def _claimed_temp(folder: str, base: str) -> tuple[int, str]:
    """A new temp file, locked by this process. Returns (fd, path).

    A cleaner may lock and delete the file between ``mkstemp`` and ``flock``; then the name
    no longer leads to our file, and we make another.
    """
    while True:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{base}.", suffix=TEMP_SUFFIX)
        if fcntl is None:
            return fd, tmp
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            if os.path.samestat(os.fstat(fd), os.stat(tmp)):
                return fd, tmp
        except FileNotFoundError:
            pass
        os.close(fd)


def remove_stale_temps(folder: str, base: str) -> list[str]:
    """Remove the temp files of dead writers for ``base`` in ``folder``; return their names."""
    prefix, removed = f".{base}.", []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        name = entry.name
        if not (name.startswith(prefix) and name.endswith(TEMP_SUFFIX)
                and len(name) > len(prefix) + len(TEMP_SUFFIX)):
            continue
        with contextlib.suppress(OSError):
            if entry.is_file(follow_symlinks=False) and _remove_if_abandoned(entry.path):
                removed.append(name)
    return removed


def _remove_if_abandoned(path: str) -> bool:
    if fcntl is None:
        if time.time() - os.stat(path).st_mtime < STALE_AFTER_S:
            return False
        os.unlink(path)
        return True
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False  # a live writer holds it
        if not os.path.samestat(os.fstat(fd), os.stat(path)):
            return False  # renamed or replaced since we looked
        os.unlink(path)  # while locked: a writer that lost this race sees its name gone and retries
        return True
    finally:
        os.close(fd)


def fsync_dir(folder: str) -> None:
    """Make the rename durable where the OS allows opening a folder (not on Windows)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
