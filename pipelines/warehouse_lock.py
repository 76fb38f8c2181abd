"""One run at a time per warehouse: an OS file lock beside the DuckDB file.

``<warehouse>.lock`` is locked with ``flock(2)``. The kernel drops the lock when the holding
process dies, however it dies (SIGKILL, the OOM killer, a power cut), so a killed run never
leaves a stale lock behind; the file itself stays and means nothing on its own. The holder
writes who it is (pid, what it runs, since when) into the file, so a second run can say who
is in the way instead of failing on DuckDB's one-writer rule halfway through.

The lock is re-entrant within a process: ``stockpilot run`` holds it for the whole run, and
the steps of that run, which take it again through the Dagster resource, go straight on.

Why not the ``filelock`` package: it cannot tell the waiting process who holds the lock, which
is the message a seller needs, and the rest is a dozen lines of ``fcntl``.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

#: How often a waiting process tries again, seconds.
POLL_SECONDS = 0.5

_registry_guard = threading.Lock()
#: lock file -> (open file descriptor, how many holders in this process)
_held: dict[Path, tuple[int, int]] = {}


class WarehouseBusy(RuntimeError):
    """Another process holds the warehouse; the message says which and what to do."""


@dataclass(frozen=True)
class Holder:
    pid: int
    host: str
    purpose: str
    since: str

    def describe(self) -> str:
        return f"{self.purpose} (PID {self.pid} on {self.host}, since {self.since})"


def lock_path(warehouse: str | Path) -> Path:
    warehouse = Path(warehouse).resolve()
    return warehouse.with_name(warehouse.name + ".lock")


def read_holder(warehouse: str | Path) -> Holder | None:
    """Who wrote the lock file last; None when it is missing or unreadable."""
    try:
        data = json.loads(lock_path(warehouse).read_text())
        return Holder(pid=int(data["pid"]), host=str(data["host"]), purpose=str(data["purpose"]),
                      since=str(data["since"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def held_here(warehouse: str | Path) -> bool:
    """True when this process holds the warehouse lock."""
    with _registry_guard:
        return lock_path(warehouse) in _held


def _try_flock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError as exc:
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            return False
        raise


def _write_holder(fd: int, purpose: str) -> None:
    record = {"pid": os.getpid(), "host": socket.gethostname(), "purpose": purpose,
              "since": datetime.now(UTC).isoformat(timespec="seconds"), "argv": sys.argv}
    os.ftruncate(fd, 0)
    os.pwrite(fd, (json.dumps(record) + "\n").encode(), 0)


def _who(warehouse: Path) -> str:
    holder = read_holder(warehouse)
    return holder.describe() if holder else "another process"


def _busy_message(warehouse: Path, waited: float) -> str:
    after = f" after waiting {waited:.0f} s" if waited >= 1 else ""
    return (f"The warehouse {warehouse} is in use by {_who(warehouse)}{after}. Only one Stockpilot run may "
            "write it at a time: wait for that run to finish (`stockpilot run --wait SECONDS` "
            "waits for it), or stop it. Its lock goes away by itself if it dies.")


def _duckdb_holder(warehouse: Path) -> str | None:
    """DuckDB's own complaint when a process outside the lock still has the file open (for example
    a dbt left running by a run that was killed): None when the file can be opened."""
    if not warehouse.exists():
        return None
    try:
        duckdb.connect(str(warehouse)).close()
    except duckdb.Error as exc:
        # only another process's lock matters here; anything else (a connection this process
        # still has open with other settings, a damaged file) is for the run itself to report
        return str(exc) if "conflicting lock" in str(exc).lower() else None
    return None


def acquire(warehouse: str | Path, purpose: str, wait_seconds: float = 0.0,
            on_wait: Callable[[str], None] | None = None) -> None:
    """Take the warehouse lock, waiting up to ``wait_seconds`` for its holder; raise
    ``WarehouseBusy`` naming the holder when it stays busy. ``on_wait`` hears once why we wait.

    Once the lock is ours the DuckDB file is opened once, so a process that writes it without the
    lock (an orphaned dbt of a killed run) is waited for as well, or named in the error.
    """
    warehouse = Path(warehouse).resolve()
    path = lock_path(warehouse)
    with _registry_guard:
        if path in _held:
            fd, count = _held[path]
            _held[path] = (fd, count + 1)
            return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    started = time.monotonic()
    told = False
    try:
        while not _try_flock(fd):
            waited = time.monotonic() - started
            if waited >= wait_seconds:
                raise WarehouseBusy(_busy_message(warehouse, waited))
            if on_wait and not told:
                on_wait(f"The warehouse {warehouse} is in use by {_who(warehouse)}; waiting for it.")
                told = True
            time.sleep(POLL_SECONDS)
        while (orphan := _duckdb_holder(warehouse)) is not None:
            waited = time.monotonic() - started
            if waited >= wait_seconds:
                raise WarehouseBusy(
                    f"The warehouse {warehouse} is open in a process that holds no Stockpilot lock "
                    f"({orphan}). It is probably a dbt or step process left running by a run that was "
                    "killed: it finishes by itself, or stop that PID; then run again.")
            if on_wait and not told:
                on_wait(f"The warehouse {warehouse} is still open in another process; waiting for it.")
                told = True
            time.sleep(POLL_SECONDS)
        _write_holder(fd, purpose)
    except BaseException:
        os.close(fd)  # closing drops the flock when we had it
        raise
    with _registry_guard:
        _held[path] = (fd, 1)


def release(warehouse: str | Path) -> None:
    path = lock_path(warehouse)
    with _registry_guard:
        fd, count = _held[path]
        if count > 1:
            _held[path] = (fd, count - 1)
            return
        del _held[path]
    # the content is left as it is: it names the last holder, and the flock is what counts
    os.close(fd)


@contextmanager
def warehouse_lock(warehouse: str | Path, purpose: str, wait_seconds: float = 0.0,
                   on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the warehouse lock for the ``with`` block (see ``acquire``)."""
    acquire(warehouse, purpose, wait_seconds, on_wait)
    try:
        yield
    finally:
        release(warehouse)


def process_alive(pid: int, started: str | None = None) -> bool:
    """Whether process ``pid`` still runs (and, given its ``process_started`` stamp, is the same
    process rather than a new one that reused the number)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return started is None or process_started(pid) in (None, started)


def process_started(pid: int | None = None) -> str | None:
    """When the process started, in clock ticks since boot (Linux ``/proc``); None elsewhere."""
    try:
        stat = Path(f"/proc/{pid or os.getpid()}/stat").read_text()
    except OSError:
        return None
    # the command name in parentheses may hold spaces: count fields after its closing one
    return stat.rsplit(")", 1)[1].split()[19]
