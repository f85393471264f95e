"""The speaker database: SQLModel tables, the engine, and opening a database through its migrations.

SQLite is the embedded default (a file in the user's data directory, `--db PATH` or `QUOTES_DB`);
PostgreSQL works through the same option with a `postgresql://` URL. The schema is created and
changed only by the Alembic migrations under `quotes/migrations/`, run to `head` each time a
database is opened for writing; `create_all` is never used on a database. A reading command
(`open_db(..., write=False)`) neither creates nor migrates: it refuses a database that is not at
the latest schema and says which writing command upgrades it.

Dates are ISO strings (`YYYY-MM-DD`, or `YYYY-MM` / `YYYY` when the article is no more precise):
they sort and compare as dates on both back ends and keep the precision the article gave.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Field, Session, SQLModel

from quotes.errors import StorageError
from quotes.folding import fold

ENV_VAR = "QUOTES_DB"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# The PostgreSQL advisory lock every writer's transaction holds (any fixed 64-bit number; this is
# "quotes" in ASCII): writers queue as SQLite's BEGIN IMMEDIATE makes them queue.
WRITE_LOCK = 0x71756F746573


def normalise(text: str) -> str:
    """Casefold, strip accents and collapse spaces: "Erdoğan" -> "erdogan", "Élysée" -> "elysee"."""
    stripped = fold(text).replace("\u2010", "-").replace("\u2011", "-")
    return " ".join(stripped.split())


# ---------------------------------------------------------------------------------------------
# Tables. Column definitions here mirror the migrations; the migrations are the schema's source.


class Source(SQLModel, table=True):
    """One article a quote was read in."""

    id: int | None = Field(default=None, primary_key=True)
    url: str | None = Field(default=None, index=True, unique=True)
    outlet: str | None = Field(default=None, index=True)
    title: str | None = None
    author: str | None = None
    published: str | None = Field(default=None, index=True)
    accessed: str | None = None
    content_hash: str = Field(index=True, unique=True)
    path: str | None = None
    # The article's text as read (offsets of its occurrences index it); None for articles stored
    # before migration 0006 until they are ingested again.
    text: str | None = Field(default=None, sa_type=sa.Text)


class Speaker(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str  # the fullest name seen
    norm: str = Field(index=True)
    surname: str = Field(index=True)  # normalised: "poutine", "le pen"


class SpeakerAlias(SQLModel, table=True):
    __tablename__ = "speaker_alias"
    __table_args__ = (sa.UniqueConstraint("speaker_id", "norm"),)

    id: int | None = Field(default=None, primary_key=True)
    speaker_id: int = Field(foreign_key="speaker.id", index=True, ondelete="CASCADE")
    alias: str
    norm: str = Field(index=True)


class SpeakerRole(SQLModel, table=True):
    __tablename__ = "speaker_role"
    __table_args__ = (sa.UniqueConstraint("speaker_id", "norm"),)

    id: int | None = Field(default=None, primary_key=True)
    speaker_id: int = Field(foreign_key="speaker.id", index=True, ondelete="CASCADE")
    role: str
    norm: str = Field(index=True)
    last_seen: str | None = None  # publication date of the latest article giving this role


class Quote(SQLModel, table=True):
    """A statement, once, however many articles carry it (wire copies)."""

    id: int | None = Field(default=None, primary_key=True)
    text: str
    text_key: str = Field(index=True)  # hash of the normalised text
    kind: str
    speaker_id: int | None = Field(default=None, foreign_key="speaker.id", index=True)
    said_on: str | None = Field(default=None, index=True)  # earliest date said over its occurrences
    hidden: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})  # not a quote


class Occurrence(SQLModel, table=True):
    """A quote as one article carries it."""

    __table_args__ = (sa.UniqueConstraint("quote_id", "source_id", "start"),)

    id: int | None = Field(default=None, primary_key=True)
    quote_id: int = Field(foreign_key="quote.id", index=True, ondelete="CASCADE")
    source_id: int = Field(foreign_key="source.id", index=True, ondelete="CASCADE")
    start: int
    end: int
    cue: str | None = None
    speaker_mention: str | None = None
    speaker_role: str | None = None
    attribution: str | None = None
    confidence: float = 0.0
    said_on: str | None = Field(default=None, index=True)
    said_on_source: str | None = None
    venue: str | None = None


# ---------------------------------------------------------------------------------------------
# Locating and opening a database.


def default_db_path() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("quotes", appauthor=False)) / "quotes.db"


@dataclass(frozen=True)
class Target:
    """Where a database is: a SQLAlchemy URL and how to name it to a person."""

    url: str
    label: str
    sqlite_path: Path | None  # None for PostgreSQL and in-memory SQLite
    is_default: bool = False

    @property
    def is_postgres(self) -> bool:
        return self.url.startswith("postgresql")


def resolve_target(db: str | None = None) -> Target:
    """`--db`, else `QUOTES_DB`, else the user data directory. Paths and URLs both work."""
    if db is not None and not db.strip():
        raise StorageError("--db is empty; give a SQLite file path or a postgresql:// URL")
    given = db or os.environ.get(ENV_VAR) or None
    if given is None:
        path = default_db_path()
        return Target(f"sqlite:///{path}", str(path), path, is_default=True)
    if given.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
        rest = given.split("://", 1)[1]
        return Target(f"postgresql+psycopg://{rest}", _hide_password(given), None)
    if given.startswith("sqlite://"):
        raw = given.removeprefix("sqlite://").removeprefix("/")
        if raw in ("", ":memory:"):
            return Target("sqlite://", "in-memory database", None)
        return Target(f"sqlite:///{raw}", raw, Path(raw))
    if "://" in given:
        scheme = given.split("://", 1)[0]
        raise StorageError(f"{given}: unsupported database URL scheme {scheme!r}; use a file path or postgresql://")
    if given == ":memory:":
        return Target("sqlite://", "in-memory database", None)
    path = Path(given).expanduser()
    return Target(f"sqlite:///{path}", given, path)


def _hide_password(url: str) -> str:
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url


# SQLite reads the database file through memory mapping, up to this many bytes (SQLite's own
# limit is 2 GB), instead of a read() into its page cache for every page it needs: a search
# touches some fifty pages scattered over the file (the quotes, their sources, the indexes).
SQLITE_MMAP_BYTES = 1 << 31


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
    cursor.close()


_STEM_WORD = re.compile(r"\w+")


# One Snowball stemmer per thread: a stemmer keeps the word it works on in itself, so two threads
# stemming with one (quotes serve's search threads) garble each other's words or raise IndexError.
_STEMMERS = threading.local()


def _french_stemmer() -> Any:
    stemmer = getattr(_STEMMERS, "french", None)
    if stemmer is None:
        import snowballstemmer  # type: ignore[import-untyped]

        stemmer = _STEMMERS.french = snowballstemmer.stemmer("french")
    return stemmer


def text_stems(text: str) -> str:
    """Words of `text` folded (as `folding.fold`) then Snowball-French stemmed, as PostgreSQL's
    `to_tsvector('french', quotes_unaccent(text))` does: "les Dettes" -> "le det"."""
    from quotes.folding import fold

    return " ".join(_french_stemmer().stemWords(_STEM_WORD.findall(fold(text))))


def register_sqlite_stems(dbapi_connection: Any, _record: Any = None) -> None:
    """quotes_stems(text) in SQL, for the triggers that keep quote_stem_fts (migration 0005)."""
    dbapi_connection.create_function(
        "quotes_stems", 1, lambda t: None if t is None else text_stems(t), deterministic=True
    )


def _sqlite_begin_immediate(conn: sa.Connection) -> None:
    """Take SQLite's write lock when a transaction begins: two writers then queue (busy_timeout)
    rather than one failing at once with "database is locked" when its read turns into a write.
    A `reader` engine's transactions begin deferred: readers do not queue for the write lock."""
    if conn.get_execution_options().get(READ_ONLY):
        _sqlite_begin_deferred(conn)
    else:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


READ_ONLY = "quotes_read_only"


def reader(engine: Engine) -> Engine:
    """The same database for work that only reads (searches, web pages): on SQLite its transactions
    take no write lock, so many readers run at once instead of one after the other. On PostgreSQL
    its statements run in autocommit and take no write lock either: each sees what was committed
    when it began, as the statements of a READ COMMITTED transaction do, without the BEGIN and
    ROLLBACK round trips (on a busy machine each round trip waits for the server to be scheduled)."""
    if engine.get_execution_options().get(READ_ONLY):
        return engine  # already a reader (a search given the server's reader): no new engine object
    if engine.dialect.name == "postgresql":
        return engine.execution_options(**{READ_ONLY: True}, isolation_level="AUTOCOMMIT")
    return engine.execution_options(**{READ_ONLY: True})


def _sqlite_begin_deferred(conn: sa.Connection) -> None:
    """A reader's transaction: a consistent snapshot that takes no write lock. Sent on the
    driver's connection (a deferred BEGIN waits for no lock, so never fails as busy): through
    SQLAlchemy's execution it cost a search about 0.1 ms of CPU."""
    driver = conn.connection.driver_connection
    assert driver is not None
    driver.execute("BEGIN")


def _pg_write_lock(conn: sa.Connection) -> None:
    """A PostgreSQL writer's transaction takes the quotes write lock (released at commit or
    rollback): two writers migrating an empty database, or meeting the same new speaker or quote,
    then run one after the other instead of colliding on a unique index or doubling a row. A
    `reader` engine's connections write nothing and take no lock."""
    if conn.get_execution_options().get(READ_ONLY):
        return
    conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITE_LOCK})")


def _sqlite_driver_autocommit(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # transactions are begun by `_sqlite_begin_immediate`


def is_transient(exc: sa.exc.SQLAlchemyError) -> bool:
    """A failure that trying again can cure: a busy or locked database, a concurrent writer's row."""
    if isinstance(exc, sa.exc.IntegrityError):
        return True
    text = str(getattr(exc, "orig", exc)).lower()
    return isinstance(exc, sa.exc.OperationalError) and ("locked" in text or "busy" in text or "deadlock" in text)


def make_engine(target: Target, *, write: bool = True) -> Engine:
    """An engine on `target`. On a SQLite file a writer's transactions begin IMMEDIATE (they take
    the write lock at once, waiting up to busy_timeout for another writer); a reader's are deferred."""
    if target.is_postgres:
        # No JIT compilation: every query of quotes is short, and PostgreSQL's estimate for a rare
        # word (the GIN index's default selectivity) puts a search over jit_above_cost, where
        # compiling took 16 of a 43 ms search at 10,000,000 quotes.
        pg = sa.create_engine(
            target.url, connect_args={"connect_timeout": 5, "options": "-c jit=off"}, pool_pre_ping=True
        )
        if write:
            event.listen(pg, "begin", _pg_write_lock)
        return pg
    if target.sqlite_path is None:
        engine = sa.create_engine(target.url, poolclass=sa.pool.StaticPool)
    else:
        engine = sa.create_engine(target.url)
        event.listen(engine, "connect", _sqlite_driver_autocommit)
        event.listen(engine, "begin", _sqlite_begin_immediate if write else _sqlite_begin_deferred)
    event.listen(engine, "connect", _sqlite_pragmas)
    event.listen(engine, "connect", register_sqlite_stems)
    return engine


def alembic_config(connection: sa.Connection) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def open_db(db: str | None = None, *, create: bool = True, write: bool = True) -> Engine:
    """An engine on a database at the latest schema.

    With `create=False` a missing SQLite file, or a database without the project's tables, is an
    error rather than a new database. With `write=False` (reading commands: search, speakers,
    export, serve) nothing is created or migrated at all: a database at an older schema is refused
    with the command that upgrades it. Every failure is a one-line `StorageError`; nothing is
    written on failure.
    """
    create = create and write
    target = resolve_target(db)
    if target.sqlite_path is not None:
        path = target.sqlite_path
        if path.is_dir():
            raise StorageError(f"cannot open database {target.label}: it is a directory")
        if not path.exists():
            if not create:
                raise StorageError(f"no database at {target.label}; store quotes first with `quotes ingest`")
            if target.is_default:
                path.parent.mkdir(parents=True, exist_ok=True)
            elif not path.parent.is_dir():
                raise StorageError(f"cannot open database {target.label}: directory {path.parent} does not exist")
        elif path.stat().st_size > 0:
            with path.open("rb") as fh:
                if fh.read(16) != b"SQLite format 3\x00":
                    raise StorageError(f"{target.label} is not a SQLite database (or it is corrupt)")
    engine = make_engine(target, write=write)
    try:
        if not create:
            refuse_foreign(engine, target)
        if write:
            migrate(engine, target)
        else:
            require_head(engine, target)
    except StorageError:
        engine.dispose()
        raise
    return engine


def refuse_foreign(engine: Engine, target: Target) -> None:
    """A reading command never adds the project's tables to a database that does not hold them."""
    try:
        with engine.connect() as conn:
            tables = set(sa.inspect(conn).get_table_names())
    except sa.exc.DatabaseError as exc:
        raise StorageError(f"cannot open database {target.label}: {_first_line(exc)}") from exc
    if "alembic_version" not in tables or "quote" not in tables:
        raise StorageError(
            f"{target.label} is not a quotes database (no quotes tables); store quotes with `quotes ingest`"
        )


def require_head(engine: Engine, target: Target) -> None:
    """A reading command's check: the schema is the latest one (it changes nothing)."""
    try:
        with engine.connect() as conn:
            current = _current_in(conn)
    except sa.exc.DatabaseError as exc:
        raise StorageError(f"cannot open database {target.label}: {_first_line(exc)}") from exc
    if current is not None and current not in _known_revisions():
        raise StorageError(
            f"{target.label} has schema version {current}, unknown to this version of quotes; upgrade quotes"
        )
    if current != head_revision():
        raise StorageError(
            f"{target.label} has an older quotes schema (version {current}, this quotes needs {head_revision()}); "
            "reading commands do not change a database: run `quotes ingest` on it once to upgrade it"
        )


def migrate(engine: Engine, target: Target | None = None) -> None:
    """Bring the schema to the latest migration (a no-op when it is there already)."""
    from alembic import command
    from alembic.util.exc import CommandError

    label = target.label if target else str(engine.url)
    try:
        with engine.begin() as conn:
            current = _current_in(conn)
            if current is not None and current not in _known_revisions():
                raise StorageError(
                    f"{label} has schema version {current}, unknown to this version of quotes; upgrade quotes"
                )
            if current == head_revision():
                return
            command.upgrade(alembic_config(conn), "head")
    except StorageError:
        raise
    except CommandError as exc:
        raise StorageError(f"cannot migrate {label}: {exc}") from exc
    except sa.exc.OperationalError as exc:
        raise StorageError(f"cannot open database {label}: {_first_line(exc)}") from exc
    except sa.exc.DatabaseError as exc:
        raise StorageError(f"{label}: database error: {_first_line(exc)}") from exc


def _current_in(conn: sa.Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()


def _known_revisions() -> set[str]:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return {rev.revision for rev in ScriptDirectory.from_config(cfg).walk_revisions()}


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip().splitlines()
    return text[0] if text else type(orig).__name__


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction: committed on success, rolled back on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def storage_error(exc: sa.exc.SQLAlchemyError, what: str) -> StorageError:
    """A one-line `StorageError` for a database failure while doing `what`."""
    return StorageError(f"{what}: {_first_line(exc)}")


# ---------------------------------------------------------------------------------------------
# Corrections a person made (quotes/corrections.py): kept apart from what the machine extracted so
# that re-ingesting an article replays them rather than losing them.


class Correction(SQLModel, table=True):
    """One correction: what was changed (kind and target), when, the value before and after.

    A quote is designated by its text's key and its article's URL, which survive re-ingesting the
    article (the quote's row id does not); a speaker by id; an article by URL.
    """

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(index=True)  # "speaker", "not_quote", "merge", "rename", "source"
    made_at: str  # ISO datetime, UTC
    quote_id: int | None = Field(default=None, index=True)  # the row at the time of the correction
    quote_key: str | None = Field(default=None, index=True)  # Quote.text_key
    source_url: str | None = Field(default=None, index=True)
    speaker_id: int | None = Field(default=None, index=True)
    field: str | None = None  # for "source": outlet, published or title
    previous: str | None = None
    value: str | None = None
