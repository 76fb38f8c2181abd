"""A throwaway PostgreSQL server for tests: initdb + pg_ctl in a temporary folder, on a free
loopback port, with password authentication.

PostgreSQL refuses to run as root: as root the server runs as the ``postgres`` user (or
``nobody``) through ``runuser``. Without server binaries the tests that need it are skipped —
except under CI (``CI`` set), where that is a failure: ``.ci/run`` installs PostgreSQL.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

USER = "stockpilot"
PASSWORD = "s3cret-test-pw"  # noqa: S105 - a throwaway local server
DATABASE = "bi"


def find_bindir() -> Path | None:
    """The folder with initdb, pg_ctl and postgres: pg_config's, Debian's newest, or PATH."""
    candidates = []
    if shutil.which("pg_config"):
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True)
        if out.returncode == 0:
            candidates.append(Path(out.stdout.strip()))
    candidates += sorted((Path(p) for p in glob.glob("/usr/lib/postgresql/*/bin")),
                         key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0, reverse=True)
    if shutil.which("initdb"):
        candidates.append(Path(shutil.which("initdb")).resolve().parent)
    for path in candidates:
        if all((path / tool).exists() for tool in ("initdb", "pg_ctl", "postgres")):
            return path
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run_as() -> tuple[list[str], pwd.struct_passwd | None]:
    """The command prefix that drops root, and the account it runs as (None: not root)."""
    if os.geteuid() != 0:
        return [], None
    for name in ("postgres", "nobody"):
        try:
            account = pwd.getpwnam(name)
        except KeyError:
            continue
        return ["runuser", "-u", name, "--"], account
    raise RuntimeError("running as root and neither a postgres nor a nobody account exists")


@dataclass
class PostgresServer:
    bindir: Path
    root: Path
    port: int
    prefix: list[str]

    @property
    def url(self) -> str:
        return self.url_of(DATABASE)

    def url_of(self, database: str) -> str:
        return f"postgresql+psycopg://{USER}:{PASSWORD}@127.0.0.1:{self.port}/{database}"

    @classmethod
    def start(cls, bindir: Path) -> PostgresServer:
        prefix, account = _run_as()
        # directly under /tmp: pytest's own temp folders are private to root
        root = Path(tempfile.mkdtemp(prefix="stockpilot-pg-"))
        pwfile = root / "pw"
        pwfile.write_text(PASSWORD + "\n")
        if account is not None:
            for path in (root, pwfile):
                os.chown(path, account.pw_uid, account.pw_gid)
        data = root / "data"
        server = cls(bindir=bindir, root=root, port=_free_port(), prefix=prefix)
        server._run([str(bindir / "initdb"), "-D", str(data), "-U", USER, "--pwfile", str(pwfile),
                     "--auth", "scram-sha-256", "--encoding", "UTF8", "--locale", "C", "--no-sync"])
        options = (f"-c listen_addresses=127.0.0.1 -c port={server.port} "
                   f"-c unix_socket_directories={root} -c fsync=off -c full_page_writes=off")
        server._run([str(bindir / "pg_ctl"), "-D", str(data), "-l", str(root / "server.log"), "-o", options,
                     "-w", "-t", "60", "start"])
        server._create_database()
        return server

    def _create_database(self) -> None:
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user=USER, password=PASSWORD, dbname="postgres",
                             autocommit=True) as con:
            con.execute(f"CREATE DATABASE {DATABASE}")

    def _run(self, command: list[str]) -> None:
        result = subprocess.run([*self.prefix, *command], capture_output=True, text=True, cwd=self.root)
        if result.returncode != 0:
            log = (self.root / "server.log")
            raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}\n"
                               + (log.read_text() if log.exists() else ""))

    def stop(self) -> None:
        try:
            self._run([str(self.bindir / "pg_ctl"), "-D", str(self.root / "data"), "-m", "fast", "-w", "stop"])
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def start_or_skip() -> PostgresServer:
    """A started server; without server binaries the calling test is skipped, or fails under CI
    (``.ci/run`` installs PostgreSQL, so a missing server there is a broken CI, not a skip)."""
    import pytest

    bindir = find_bindir()
    if bindir is None:
        message = ("no PostgreSQL server binaries (initdb, pg_ctl, postgres): install the postgresql "
                   "package (.ci/run does)")
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return PostgresServer.start(bindir)


def create_database(server: PostgresServer, name: str, template: str | None = None) -> None:
    """An extra database on ``server`` (one per test data set keeps their schemas apart): empty,
    or a copy of ``template`` (which nobody may be connected to)."""
    import psycopg
    from psycopg import sql

    statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if template is not None:
        statement += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
    with psycopg.connect(host="127.0.0.1", port=server.port, user=USER, password=PASSWORD, dbname="postgres",
                         autocommit=True) as con:
        con.execute(statement)
