"""Work spread over processes, results in order, a bounded number in flight (a large import).

:func:`ordered` runs ``fn`` over ``tasks`` in worker processes and yields the results in
task order, keeping at most ``window`` tasks submitted ahead of the one being consumed, so
memory stays flat however many tasks there are, even when the consumer (SQLite) is slower
than the workers. With ``workers`` < 2, or where processes cannot be forked, everything
runs here, in this process (the same functions, the same results).

Workers are forked (they inherit the parent's imported modules: no start-up cost). An
exception in a task is raised here, at its place in the order; when the consumer stops
(an error, Ctrl-C, a closed generator), tasks not yet started are cancelled and the pool is
shut down. Workers leave signals to this process: they ignore Ctrl-C (this process stops them),
take SIGTERM and SIGHUP the default way, and on Linux are killed by the kernel if this process dies.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, TypeVar

__all__ = ["ordered", "usable_workers"]

T = TypeVar("T")
R = TypeVar("R")


def usable_workers(limit: int = 4) -> int:
    """How many worker processes to use: the CPUs this process may run on, at most ``limit``;
    0 where processes cannot be forked."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return 0
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return max(0, min(limit, cpus))


#: prctl option: the signal a process gets when its parent dies (linux/prctl.h)
PR_SET_PDEATHSIG = 1


def _start(initializer: Callable[..., object] | None, *initargs: Any) -> None:
    """A worker's first steps: signals left to the parent (see the module docstring), then ``initializer``."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        except (OSError, AttributeError):
            pass  # the pool's pipes still end it when the parent is gone
    if initializer is not None:
        initializer(*initargs)


def ordered(fn: Callable[[T], R], tasks: Iterable[T], workers: int, window: int | None = None,
            initializer: Callable[..., object] | None = None, initargs: tuple[Any, ...] = ()) -> Iterator[R]:
    """``fn(task)`` for each task, in task order (see the module docstring). ``fn``, ``initializer``
    and the results must be picklable module-level things; ``initializer(*initargs)`` runs once per
    worker (and once here when nothing is forked)."""
    if workers < 2:
        if initializer is not None:
            initializer(*initargs)
        for t in tasks:
            yield fn(t)
        return
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"),
                               initializer=_start, initargs=(initializer, *initargs))
    pending: deque[Future[R]] = deque()
    it = iter(tasks)
    limit = window or 2 * workers
    try:
        for t in it:
            pending.append(pool.submit(fn, t))
            if len(pending) >= limit:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        for f in pending:
            f.cancel()
        pool.shutdown(wait=True, cancel_futures=True)
