"""Real filesystem faults for tests: a small tmpfs (to fill up) and read-only remounts.

Mounting needs root and a kernel that lets this container mount; where it cannot, the test is
skipped with the reason, except under ``CI=true`` where nothing may skip silently: it fails.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


def _cannot(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"fault test cannot run under CI=true: {reason}")
    pytest.skip(reason)


def _mount(*args: str) -> None:
    out = subprocess.run(["mount", *args], capture_output=True, text=True)
    if out.returncode != 0:
        raise OSError(out.stderr.strip() or f"mount {' '.join(args)} failed")


@contextlib.contextmanager
def small_tmpfs(path: Path, size: str = "1m") -> Iterator[Path]:
    """A tmpfs of ``size`` mounted at ``path`` for the duration (unmounted after, even on failure)."""
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        _cannot("mounting a tmpfs needs root")
    try:
        _mount("-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path))
    except (OSError, FileNotFoundError) as exc:
        _cannot(f"cannot mount a tmpfs here: {exc}")
    try:
        yield path
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(path)], capture_output=True)
        if subprocess.run(["umount", str(path)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(path)], capture_output=True)


def remount_readonly(path: Path) -> None:
    """Make the tmpfs at ``path`` read-only (root cannot write it either)."""
    try:
        _mount("-o", "remount,ro", str(path))
    except OSError as exc:
        _cannot(f"cannot remount {path} read-only: {exc}")


def fill(path: Path) -> Path:
    """Fill the filesystem holding ``path`` until ENOSPC; returns the filler file."""
    filler = path / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while True:
            os.write(fd, b"\0" * 65536)
    except OSError:
        pass
    try:
        while True:
            os.write(fd, b"\0" * 512)
    except OSError:
        pass
    finally:
        os.close(fd)
    return filler
