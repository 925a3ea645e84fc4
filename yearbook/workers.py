"""Worker processes for the parts of a build that can run side by side on the machine's CPUs: workbooks read and
validated, reference years protected, the languages' workbooks written.

The workers are forked from one server process (multiprocessing's ``forkserver``) that imported the reading,
protection and publishing code once, so a worker is ready in milliseconds where a new interpreter needs most of a
second for its imports. ``yearbook build`` starts that server before it imports Dagster (:func:`warm_up`): the
server's imports then run on the other CPU meanwhile.

The server may have been started long before a task (a test process, a Dagster process): a worker takes the
environment and the file mode mask of the process that hands it work, never the server's (multiprocessing gives it
that process's working folder and import path), and it starts from the server's state, which is the modules imported
and nothing loaded (no form spec, code list or rule: those are read when the task needs them, as they are then).
Tasks and results travel through pipes, never through files (no figure in a temporary file), and what a task logs is
logged again by the process that handed it out (the tasks' records of the levels that process logs).

The staff store's record of disclosure control is written by a worker too, while the public store is finished
(:func:`beside`): both are DuckDB and Python, and two threads of one process share one interpreter.

A worker ends when the process that handed it work ends, however that ends (killed by the system for want of
memory, say): left alone it would hold its memory, and the figures of its task, until someone killed it by hand.

``YEARBOOK_WORKERS`` sets how many workers a step may use, at most one per CPU this process may run on (the default);
1 runs every task in the asking process. A script that calls :func:`yearbook.cli.main` needs the usual
``if __name__ == "__main__":`` guard: multiprocessing imports a script's main module in every worker.
"""

from __future__ import annotations

import logging
import multiprocessing
import multiprocessing.forkserver
import os
import select
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")

# what a worker needs, imported once by the server (a module that fails to import is imported by the task instead)
PRELOAD = [
    "yearbook.read_cache",
    "yearbook.disclosure.suppress",
    "yearbook.publish.views",
    "pandera.backends.pandas.builtin_checks",  # pandera imports these when it first validates
    "pandera.backends.pandas.register",
]
_CONTEXT = multiprocessing.get_context("forkserver")


def worker_count(tasks: int) -> int:
    """How many workers ``tasks`` tasks get: one per CPU this process may use (or fewer, ``YEARBOOK_WORKERS``), at most
    one per task; 1 means the asking process does them."""
    cpus = len(os.sched_getaffinity(0))
    configured = os.environ.get("YEARBOOK_WORKERS", "").strip()
    if configured:
        if not configured.isdecimal() or int(configured) < 1:
            raise ValueError(f"YEARBOOK_WORKERS must be a whole number of workers, 1 or more, not {configured!r}")
        cpus = min(cpus, int(configured))  # more workers than CPUs only add their memory
    return max(1, min(cpus, tasks))


def warm_up() -> None:
    """Start the server the workers are forked from, its imports on another CPU while this process goes on; nothing
    when there is one CPU (or ``YEARBOOK_WORKERS=1``)."""
    if worker_count(2) > 1:
        _CONTEXT.set_forkserver_preload(PRELOAD)
        multiprocessing.forkserver.ensure_running()


@contextmanager
def worker_pool(tasks: int) -> Iterator[ProcessPoolExecutor | None]:
    """A pool of workers for ``tasks`` tasks (submit them with :func:`submit`), or None when they are better done in
    this process (one worker)."""
    workers = worker_count(tasks)
    if workers < 2:
        yield None
        return
    warm_up()
    mask = os.umask(0o077)  # read by setting it: the staff's files are private meanwhile
    os.umask(mask)
    adopted = (dict(os.environ), mask, os.getpid())
    with ProcessPoolExecutor(workers, mp_context=_CONTEXT, initializer=_adopt, initargs=adopted) as pool:
        yield pool


def submit(pool: ProcessPoolExecutor, task: Callable[..., T], *args: Any) -> Future[tuple[T, list[logging.LogRecord]]]:
    """Run ``task(*args)`` in a worker of ``pool``; :func:`result` gives its value."""
    return pool.submit(_logged, task, args, _lowest_level())


def result(future: Future[tuple[T, list[logging.LogRecord]]]) -> T:
    """The value of a task, once what it logged is logged here (an exception of the task is raised here)."""
    value, records = future.result()
    for record in records:
        logger = logging.getLogger(record.name)
        if logger.isEnabledFor(record.levelno):
            logger.handle(record)
    return value


def run_all(task: Callable[..., T], arguments: Iterable[tuple[Any, ...]], *, here: bool = False) -> list[T]:
    """``task(*args)`` for each of ``arguments``, in workers when more than one is worth it, the values in order.

    ``here``: this process does the last task itself meanwhile instead of waiting, for a few tasks of one size and
    more of them than CPUs: three on two CPUs then end after about one and a half tasks' time, not two. One more
    process holds a task's memory meanwhile (reading, whose memory is bounded by the number of workers, does not)."""
    todo = list(arguments)
    with worker_pool(len(todo)) as pool:
        if pool is None:
            return [task(*args) for args in todo]
        mine = todo[-1:] if here else []
        futures = [submit(pool, task, *args) for args in todo[: len(todo) - len(mine)]]
        done_here = [task(*args) for args in mine]
        return [result(f) for f in futures] + done_here


@contextmanager
def beside(task: Callable[..., T], *args: Any) -> Iterator[Callable[[], T]]:
    """``task(*args)`` in a worker while this process goes on; the function yielded waits for its value (and raises
    its exception). With one CPU the task runs in this process when it is waited for."""
    with worker_pool(2) as pool:
        if pool is None:
            yield lambda: task(*args)
            return
        future = submit(pool, task, *args)
        yield lambda: result(future)


def _adopt(environ: dict[str, str], mask: int, asker: int) -> None:
    """A new worker takes the asking process's environment (and its time zone) and file mode mask (the server's may be
    older: a YEARBOOK_SCHEMAS changed since, the private mask of a staff rendering), and ends when ``asker`` ends."""
    os.environ.clear()
    os.environ.update(environ)
    time.tzset()
    os.umask(mask)
    threading.Thread(target=_end_with, args=(asker,), daemon=True, name="end-with-asker").start()


def _end_with(asker: int) -> None:
    """End this worker when the process ``asker`` ends (a pool's workers otherwise outlive a process killed outright:
    they hold their task pipes' both ends, so they never read the end of them)."""
    try:
        handle = os.pidfd_open(asker)  # Linux 5.3 or later (elsewhere this thread ends, the worker stays)
    except ProcessLookupError:  # already gone
        os._exit(1)
    select.select([handle], [], [])  # readable once the process has ended
    os._exit(1)


def _lowest_level() -> int:
    """The lowest level this process logs anything at: a worker keeps the records at or above it."""
    return min(
        [logging.getLogger().getEffectiveLevel()]
        + [logger.getEffectiveLevel() for logger in logging.Logger.manager.loggerDict.values() if isinstance(logger, logging.Logger)]
    )


class _Keep(logging.Handler):
    def __init__(self, level: int):
        super().__init__(level)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        record.msg, record.args = record.getMessage(), None  # its arguments may not travel back
        if record.exc_info:  # nor may its traceback: it travels as text
            record.exc_text, record.exc_info = logging.Formatter().formatException(record.exc_info), None
        self.records.append(record)


def _logged(task: Callable[..., T], args: tuple[Any, ...], level: int) -> tuple[T, list[logging.LogRecord]]:
    """In a worker: ``task(*args)`` and the records it logged at ``level`` or above."""
    root = logging.getLogger()
    keep, before = _Keep(level), root.level
    root.addHandler(keep)
    root.setLevel(level)
    try:
        return task(*args), keep.records
    finally:
        root.removeHandler(keep)
        root.setLevel(before)
