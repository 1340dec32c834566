"""One job-running process per SQLite file, enforced with an exclusive lock on `<db>.lock`.

SQLite has no server to tell live processes from dead ones. Holding this lock proves no other
`newsbot serve` runs jobs on the file, so whatever a previous process left `running` is abandoned
and is taken over at once, whatever host name or port that process had (instead of after the
lease of `bot/store/claims.py`). The kernel drops the lock when a process dies, SIGKILL included.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.errors import ConfigError


class FileLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            db = self.path.with_suffix("")
            raise ConfigError(
                f"another newsbot process (pid {holder}) is already running jobs on {db}. SQLite takes one "
                "such process per file: stop the other one, give this one its own DATABASE_URL, or use "
                "PostgreSQL for several processes."
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor releases the lock
            self._fd = None


def job_lock(database_url: str) -> FileLock | None:
    """The lock for a file SQLite database; None for PostgreSQL and in-memory SQLite."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return FileLock(Path(url.database).expanduser().with_name(Path(url.database).name + ".lock"))
