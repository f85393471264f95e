"""Reading statements compiled once and run on the driver's own cursor, rows as plain tuples.

A search asks SQLite a handful of small statements, which SQLite answers in about 1.5 ms of CPU
in all on 1,000,000 quotes; SQLAlchemy's execution of the same statements (the statement's
cache key, its parameters processed, the result wrapped, the events) took about as long again,
and building the statements for each search more still. Here a statement is built once for its
shape (`key`: which filters it has, how many ids it takes), compiled once for the dialect by
SQLAlchemy, and then only its SQL string is given to the DBAPI cursor (sqlite3, psycopg) of the
SQLAlchemy connection, inside that connection's transaction: the same SQL SQLAlchemy would send.

Only for reading statements whose parameters are all either named in each call (`values`) or
constants of the statement itself (a fixed LIMIT); their types' bind and result processors are
applied as SQLAlchemy would apply them. A driver error is raised as SQLAlchemy's `DBAPIError`,
as `Connection.execute` raises it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

# Statement shapes kept per process (a search has a few dozen shapes; id lists one per length).
MAX_STATEMENTS = 2048


@dataclass
class Compiled:
    """One statement as the driver runs it."""

    sql: str
    names: tuple[str, ...]  # its parameters, in the order of their placeholders for a positional driver
    positional: bool
    constants: Mapping[str, Any]  # parameters whose value is the statement's own
    binds: Mapping[str, Callable[[Any], Any]]  # parameter -> its type's bind processor, where it has one
    columns: tuple[Any, ...]  # the type of each column a Select gives (empty for text)
    # the result processor of each column, found on the first run (they may need the driver's
    # type codes); None when no column has one
    results: tuple[Callable[[Any], Any] | None, ...] | None = None
    described: bool = False


_COMPILED: dict[tuple[str, str, Hashable], Compiled] = {}
_LOCK = threading.Lock()


def compile_once(dialect: Dialect, key: Hashable, build: Callable[[], sa.Executable]) -> Compiled:
    """The statement of shape `key` for `dialect`, built by `build` and compiled the first time."""
    cache_key = (dialect.name, str(dialect.paramstyle), key)
    found = _COMPILED.get(cache_key)
    if found is not None:
        return found
    compiled = _compile(dialect, build())
    with _LOCK:
        if len(_COMPILED) >= MAX_STATEMENTS:
            _COMPILED.clear()
        _COMPILED[cache_key] = compiled
    return compiled


def _compile(dialect: Dialect, statement: sa.Executable) -> Compiled:
    compiled = statement.compile(dialect=dialect)  # type: ignore[attr-defined]
    sql = str(compiled.string)
    if "POSTCOMPILE" in sql or compiled.escaped_bind_names:
        raise ValueError("dbrows runs statements without expanding or escaped parameters")
    present = compiled.params
    constants: dict[str, Any] = {}
    processors: dict[str, Callable[[Any], Any]] = {}
    for bind, name in compiled.bind_names.items():  # each parameter under the name the SQL gives it
        if not bind.required:
            constants[name] = present[name]
        processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if processor is not None:
            processors[name] = processor
    columns = tuple(c.type for c in statement.selected_columns) if isinstance(statement, sa.Select) else ()
    positional = bool(compiled.positional)
    names = tuple(compiled.positiontup or ()) if positional else tuple(set(compiled.bind_names.values()))
    return Compiled(sql, names, positional, constants, processors, columns)


def padded(prefix: str, items: Sequence[Any]) -> tuple[int, dict[str, Any]]:
    """`items` (at least one) as the values of parameters prefix_0, prefix_1, ... of an IN list
    whose length is a power of two, the last item repeated: a few statement shapes serve every
    length of list (see `in_list`)."""
    n = 1 << max(0, len(items) - 1).bit_length()
    return n, {f"{prefix}_{i}": items[min(i, len(items) - 1)] for i in range(n)}


def in_list(prefix: str, n: int) -> list[sa.BindParameter[Any]]:
    """The parameters prefix_0 ... prefix_n-1, for `column.in_(...)` in a statement built once."""
    return [sa.bindparam(f"{prefix}_{i}") for i in range(n)]


def rows(conn: sa.Connection, key: Hashable, build: Callable[[], sa.Executable],
         values: Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
    """Every row of the statement of shape `key` (built by `build` the first time), its
    parameters taken from `values` by name, run on `conn`'s DBAPI connection."""
    compiled = compile_once(conn.dialect, key, build)
    given = values or {}
    if compiled.constants or compiled.binds:
        given = {**compiled.constants, **given}
        for name, processor in compiled.binds.items():
            given[name] = processor(given[name])
    params: Any = (tuple([given[n] for n in compiled.names]) if compiled.positional
                   else {n: given[n] for n in compiled.names})
    dbapi = conn.dialect.loaded_dbapi
    driver = conn.connection.driver_connection
    assert driver is not None
    try:
        cursor = driver.cursor()
        try:
            cursor.execute(compiled.sql, params)
            got = cursor.fetchall()
            if not compiled.described:
                _describe(conn.dialect, compiled, cursor.description)
        finally:
            cursor.close()
    except dbapi.Error as exc:
        raise sa.exc.DBAPIError.instance(compiled.sql, params, exc, dbapi.Error) from exc
    processors = compiled.results
    if processors is None:
        return list(got)  # sqlite3 and psycopg give tuples
    return [tuple(v if p is None else p(v) for p, v in zip(processors, row, strict=True)) for row in got]


def _describe(dialect: Dialect, compiled: Compiled, description: Any) -> None:
    """The result processors of a statement's columns, given the driver's description of its result."""
    if compiled.columns and description and len(description) == len(compiled.columns):
        per_column = tuple(t.dialect_impl(dialect).result_processor(dialect, d[1])
                           for t, d in zip(compiled.columns, description, strict=True))
        compiled.results = per_column if any(p is not None for p in per_column) else None
    compiled.described = True
