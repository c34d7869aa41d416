"""Databases by URL: SQLite (embedded, the default) and PostgreSQL.

    sqlite:///runs/trips.sqlite       (relative path; sqlite:////abs/path)
    postgresql://[user@]host[:port]/dbname

A URL names a database, never a secret: one with a password is refused. The
PostgreSQL password comes from the environment (PGPASSWORD) or a file
(PGPASSFILE, default ~/.pgpass), which libpq reads itself, so credentials
never reach the pipeline spec, ML Metadata or a log. Errors name the URL,
the query and what went wrong in the database's own words.

Only the standard library is imported up front; psycopg2 loads on connect.
"""

from __future__ import annotations

import dataclasses
import sqlite3
import urllib.parse
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

from components.features import RawType

SQLITE = "sqlite"
POSTGRESQL = "postgresql"
_SCHEMES = {"sqlite": SQLITE, "postgresql": POSTGRESQL, "postgres": POSTGRESQL}
_SQL_TYPES = {
    SQLITE: {RawType.INT: "INTEGER", RawType.FLOAT: "REAL", RawType.BYTES: "TEXT"},
    POSTGRESQL: {RawType.INT: "BIGINT", RawType.FLOAT: "DOUBLE PRECISION", RawType.BYTES: "TEXT"},
}
CONNECT_TIMEOUT_SECONDS = 10
_FETCH_ROWS = 1000


class DatabaseError(RuntimeError):
    """The database could not be reached, refused us, or failed a statement."""


@dataclasses.dataclass(frozen=True)
class Database:
    """A parsed database URL; `url` is safe to log and to store."""

    url: str
    dialect: str
    # SQLite: the file. PostgreSQL: libpq keyword arguments (no password).
    sqlite_path: str = ""
    connect_args: Tuple[Tuple[str, str], ...] = ()

    @property
    def placeholder(self) -> str:
        """DB-API parameter marker: qmark for sqlite3, format for psycopg2."""
        return "?" if self.dialect == SQLITE else "%s"

    def sql_type(self, raw_type: RawType) -> str:
        return _SQL_TYPES[self.dialect][raw_type]

    @property
    def timestamp_type(self) -> str:
        """SQLite has no timestamp type: ISO 8601 text sorts the same."""
        return "TEXT" if self.dialect == SQLITE else "TIMESTAMP WITH TIME ZONE"

    def connect(self, must_exist: bool = True):
        """A DB-API connection; DatabaseError names the URL and the cause."""
        if self.dialect == SQLITE:
            return self._connect_sqlite(must_exist)
        import psycopg2

        try:
            return psycopg2.connect(
                connect_timeout=CONNECT_TIMEOUT_SECONDS, **dict(self.connect_args)
            )
        except psycopg2.OperationalError as error:
            raise DatabaseError(
                f"cannot connect to {self.url}: {_first_line(error)}{_password_hint(error)}"
            ) from None

    def _connect_sqlite(self, must_exist: bool):
        path = Path(self.sqlite_path)
        if must_exist and not path.is_file():
            raise DatabaseError(
                f"SQLite database {path} does not exist ({self.url}); "
                f"fill it with `python -m pipeline load-db`"
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            # Waits for another writer instead of failing at once.
            return sqlite3.connect(str(path), timeout=60)
        except sqlite3.Error as error:
            raise DatabaseError(f"cannot open {self.url}: {error}") from None

    def rows(self, query: str, parameters: Sequence[Any] = ()) -> Tuple[List[str], Iterator[tuple]]:
        """Column names and rows of one query, on a connection of its own."""
        connection = self.connect()
        try:
            # PostgreSQL: a server-side cursor, so a big result streams in
            # batches instead of arriving whole at execute().
            cursor = self.execute(
                connection,
                query,
                parameters,
                cursor=(
                    connection.cursor(name="taxi_rows") if self.dialect == POSTGRESQL else None
                ),
            )
            first = _fetch(cursor, self, query)
            # A server-side cursor describes its columns after the first fetch.
            columns = [column[0] for column in cursor.description]
            return columns, _rows_then_close(first, cursor, connection, self, query)
        except BaseException:
            connection.close()
            raise

    def execute(
        self,
        connection,
        statement: str,
        parameters: Sequence[Any] = (),
        cursor=None,
        many: Optional[Sequence[Sequence[Any]]] = None,
    ):
        """Runs one statement (for each of `many` parameter rows, if given);
        DatabaseError names the statement and the cause."""
        cursor = cursor if cursor is not None else connection.cursor()
        try:
            if many is not None:
                cursor.executemany(statement, [tuple(row) for row in many])
            elif parameters:
                cursor.execute(statement, tuple(parameters))
            else:
                # psycopg2 would read '%' in the SQL as a marker even with ().
                cursor.execute(statement)
        except Exception as error:  # sqlite3.Error or psycopg2.Error.
            connection.rollback()
            raise DatabaseError(_statement_error(self, statement, error)) from None
        return cursor

    def one_row(self, query: str, parameters: Sequence[Any] = ()) -> tuple:
        _, rows = self.rows(query, parameters)
        return list(rows)[0]

    def create_table(
        self, connection, table: str, key: str, key_type: str, columns: Sequence[Tuple[str, str]]
    ) -> None:
        """CREATE TABLE IF NOT EXISTS, `key` the primary key."""
        definitions = [f"{quote_identifier(key)} {key_type} PRIMARY KEY"] + [
            f"{quote_identifier(name)} {sql_type}" for name, sql_type in columns
        ]
        self.execute(
            connection,
            f"CREATE TABLE IF NOT EXISTS {quote_identifier(table)} ({', '.join(definitions)})",
        )

    def upsert(
        self,
        connection,
        table: str,
        key: str,
        columns: Sequence[str],
        rows: Sequence[Sequence[Any]],
    ) -> None:
        """Inserts rows (key first, then `columns`), replacing any row with
        the same key; the caller commits."""
        names = [key, *columns]
        self.execute(
            connection,
            f"INSERT INTO {quote_identifier(table)} "
            f"({', '.join(quote_identifier(n) for n in names)}) "
            f"VALUES ({', '.join([self.placeholder] * len(names))}) "
            + _on_conflict_update(key, columns),
            many=rows,
        )

    def merge(self, connection, source: str, target: str, key: str, columns: Sequence[str]) -> None:
        """Upserts every row of table `source` into `target` in one statement;
        the caller commits."""
        names = ", ".join(quote_identifier(n) for n in [key, *columns])
        # "WHERE true" tells SQLite's parser the ON CONFLICT is the upsert's.
        self.execute(
            connection,
            f"INSERT INTO {quote_identifier(target)} ({names}) "
            f"SELECT {names} FROM {quote_identifier(source)} WHERE true "
            + _on_conflict_update(key, columns),
        )


def _on_conflict_update(key: str, columns: Sequence[str]) -> str:
    return f"ON CONFLICT ({quote_identifier(key)}) DO UPDATE SET " + ", ".join(
        f"{quote_identifier(n)} = excluded.{quote_identifier(n)}" for n in columns
    )


def _fetch(cursor, database: Database, query: str) -> List[tuple]:
    try:
        return cursor.fetchmany(_FETCH_ROWS)
    except Exception as error:  # sqlite3.Error or psycopg2.Error.
        raise DatabaseError(_statement_error(database, query, error)) from None


def _rows_then_close(
    first: List[tuple], cursor, connection, database: Database, query: str
) -> Iterator[tuple]:
    try:
        batch = first
        while batch:
            yield from batch
            batch = _fetch(cursor, database, query)
    finally:
        connection.close()


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def _password_hint(error: BaseException) -> str:
    if "password" in str(error):
        return " (the password comes from PGPASSWORD or the PGPASSFILE file)"
    return ""


def _statement_error(database: Database, statement: str, error: BaseException) -> str:
    query = " ".join(statement.split())
    return f"{database.url}: {_first_line(error)}\n  in: {query}"


def parse_url(url: str) -> Database:
    """A Database from its URL; ValueError says what is wrong with it."""
    parsed = urllib.parse.urlsplit(url)
    dialect = _SCHEMES.get(parsed.scheme)
    if dialect is None:
        raise ValueError(
            f"database URL {url!r}: expected sqlite:///PATH or "
            f"postgresql://[USER@]HOST[:PORT]/DBNAME"
        )
    if parsed.password is not None:
        raise ValueError(
            "a database URL must not hold a password (it would be "
            "stored in the pipeline spec and ML Metadata); set "
            "PGPASSWORD or PGPASSFILE instead"
        )
    if parsed.query or parsed.fragment:
        raise ValueError(f"database URL {url!r}: options after '?' or '#' are not supported")
    if dialect == SQLITE:
        if parsed.netloc or not parsed.path.strip("/"):
            raise ValueError(
                f"database URL {url!r}: expected sqlite:///PATH "
                f"(three slashes; four for an absolute path)"
            )
        path = str(Path(parsed.path[1:]).resolve())
        return Database(url=f"sqlite:///{path}", dialect=SQLITE, sqlite_path=path)
    dbname = parsed.path.strip("/")
    if not parsed.hostname or not dbname:
        raise ValueError(f"database URL {url!r}: expected postgresql://[USER@]HOST[:PORT]/DBNAME")
    try:
        port = parsed.port
    except ValueError:
        raise ValueError(f"database URL {url!r}: the port is not a number") from None
    args: Dict[str, str] = {"host": parsed.hostname, "dbname": dbname}
    if port is not None:
        args["port"] = str(port)
    if parsed.username:
        args["user"] = urllib.parse.unquote(parsed.username)
    return Database(
        url=urllib.parse.urlunsplit(parsed),
        dialect=POSTGRESQL,
        connect_args=tuple(sorted(args.items())),
    )


def quote_identifier(name: str) -> str:
    """Column and table names come from the spec or the user: always quoted."""
    return '"' + name.replace('"', '""') + '"'
