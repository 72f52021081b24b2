"""Output files written atomically, and output paths checked with one-line errors.

Every file wattprint writes for a user (exports, HTML reports, result JSON documents) goes through
:func:`atomic_output`: the content is written to a temporary file in the target's own folder,
flushed to disk (``fsync``), then renamed over the target (``os.replace``, atomic on POSIX). A full
disk, a signal or a crash therefore leaves either the old file or the new one, never a truncated
file, and the temporary file is removed on every error. Failures are :class:`WattprintError` with
a one-line message naming the path: a missing folder, a directory, a read-only or full disk.
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from wattprint.errors import WattprintError

__all__ = ["atomic_output", "write_text_atomic", "check_output_file", "prepare_output_dir", "output_error"]


def output_error(exc: OSError, path: Path) -> WattprintError:
    """A one-line :class:`WattprintError` for an ``OSError`` met while writing ``path``."""
    code = exc.errno
    if code in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return WattprintError(f"cannot write {path}: the disk is full", "free some space or write to another disk; "
                              "an existing file at that path is left unchanged")
    if code in (errno.EROFS,):
        return WattprintError(f"cannot write {path}: read-only file system", "choose a writable folder")
    if code in (errno.EACCES, errno.EPERM):
        return WattprintError(f"cannot write {path}: permission denied", "choose a folder you can write to")
    if code == errno.EISDIR:
        return WattprintError(f"{path} is a directory", f"give a file name inside it, e.g. {path / 'out'}")
    if code == errno.ENOENT:
        return WattprintError(f"folder {path.parent} does not exist", f"create it (mkdir -p {path.parent}) or "
                              "choose another path")
    if code == errno.ENOTDIR:
        return WattprintError(f"cannot write {path}: a part of the path is a file, not a folder", "check the path")
    reason = exc.strerror or str(exc) or type(exc).__name__
    return WattprintError(f"cannot write {path}: {reason}", "check the path, its permissions and free space")


def check_output_file(path: str | os.PathLike[str]) -> Path:
    """``path`` as a Path, after checking it can be a file: not a directory, in an existing folder.

    Call it before the work that produces the content, so bad paths fail first.
    """
    p = Path(path)
    if p.is_dir():
        raise output_error(OSError(errno.EISDIR, "is a directory"), p)
    parent = p.parent
    if not parent.exists():
        raise output_error(OSError(errno.ENOENT, "no such folder"), p)
    if not parent.is_dir():
        raise output_error(OSError(errno.ENOTDIR, "not a folder"), p)
    return p


def prepare_output_dir(folder: str | os.PathLike[str], option: str = "--out") -> Path:
    """Create the output folder ``folder`` (with parents) and check it is writable; returns it.

    ``option`` names the command-line option in the error (``--out``).
    """
    d = Path(folder)
    if d.exists() and not d.is_dir():
        raise WattprintError(f"{option} {d} is a file, not a folder", f"give a folder for {option}, e.g. {d}.d")
    try:
        d.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        err = output_error(exc, d)
        raise WattprintError(f"{option}: {err.message}", err.hint) from exc
    if not os.access(d, os.W_OK | os.X_OK):
        raise WattprintError(f"{option} {d} is not writable (read-only or permission denied)",
                             "choose a folder you can write to")
    return d


def _mode_for(target: Path) -> int:
    """The mode the new file gets: the existing file's, else 0666 minus the umask (like ``open``)."""
    try:
        return target.stat().st_mode & 0o7777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def _fsync_dir(folder: Path) -> None:
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


@contextmanager
def atomic_output(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; when the block succeeds it replaces ``path`` atomically.

    The caller writes the whole content to the yielded path (any writer: ``open``, pyarrow, ...).
    On success the temporary file is fsynced and renamed onto ``path``; on any error or signal it is
    removed and ``path`` is untouched. ``OSError`` becomes a one-line :class:`WattprintError`.
    """
    target = check_output_file(path)
    try:
        fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise output_error(exc, target) from exc
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, _mode_for(target))
        os.replace(tmp, target)
    except OSError as exc:
        raise output_error(exc, target) from exc
    finally:
        tmp.unlink(missing_ok=True)  # gone already after a successful replace
    _fsync_dir(target.parent)


def write_text_atomic(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically; returns the path."""
    with atomic_output(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)
