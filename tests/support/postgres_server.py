"""A real PostgreSQL server for tests: Debian's `postgresql` (installed by
`make test`), initdb'd in a temporary directory and started on a free port
with password authentication. PostgreSQL refuses to run as root, so under
root the server runs as the `postgres` user the package creates."""

from __future__ import annotations

import dataclasses
import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from pipeline.serving.ports import free_port

USER, PASSWORD, DATABASE = "taxi", "taxi-test-secret", "taxi"
_ADMIN, _ADMIN_PASSWORD = "admin", "admin-test-secret"


def _bin_dir() -> Path:
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parent.parent.name)
    )
    if not found:
        raise RuntimeError(
            "PostgreSQL is not installed: run `make test`, or apt-get install postgresql"
        )
    return Path(found[-1]).parent


@dataclasses.dataclass
class Server:
    root: Path
    port: int

    @property
    def url(self) -> str:
        """No password: tests pass it through PGPASSWORD, as users do."""
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{DATABASE}"

    def new_database(self, name: str) -> str:
        """The URL of an empty database of its own, so test modules sharing
        the server do not see each other's rows."""
        self._admin(f"CREATE DATABASE {name} OWNER {USER}")
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{name}"

    def _run(self, *command: str) -> None:
        if os.geteuid() == 0:
            command = ("runuser", "-u", "postgres", "--", *command)
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def start(self) -> "Server":
        bin_dir = _bin_dir()
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        password_file = self.root / "admin-password"
        password_file.write_text(_ADMIN_PASSWORD + "\n")
        if os.geteuid() == 0:
            shutil.chown(password_file, "postgres", "postgres")
        data = self.root / "data"
        self._run(
            str(bin_dir / "initdb"),
            "-D",
            str(data),
            "-U",
            _ADMIN,
            "--auth=scram-sha-256",
            f"--pwfile={password_file}",
            "--encoding=UTF8",
            "--no-locale",
        )
        self._run(
            str(bin_dir / "pg_ctl"),
            "-D",
            str(data),
            "-w",
            "-l",
            str(self.root / "server.log"),
            "-o",
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off",
            "start",
        )
        self._admin(
            f"CREATE USER {USER} PASSWORD '{PASSWORD}'", f"CREATE DATABASE {DATABASE} OWNER {USER}"
        )
        return self

    def _admin(self, *statements: str) -> None:
        import psycopg2

        connection = psycopg2.connect(
            host="127.0.0.1",
            port=self.port,
            user=_ADMIN,
            password=_ADMIN_PASSWORD,
            dbname="postgres",
        )
        connection.autocommit = True
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
        connection.close()

    def stop(self) -> None:
        self._run(
            str(_bin_dir() / "pg_ctl"), "-D", str(self.root / "data"), "-m", "immediate", "stop"
        )
        shutil.rmtree(self.root, ignore_errors=True)


def start_server() -> Server:
    # Not under pytest's tmp dir: its parents are closed to the postgres user.
    return Server(Path(tempfile.mkdtemp(prefix="taxi-pg-")), free_port()).start()
