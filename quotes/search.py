"""Search stored quotes: by speaker (alias, accent- and case-insensitive, fuzzy), full text, date
said, outlet, venue and kind. Full text is SQLite FTS5 (`unicode61 remove_diacritics 2`) or
PostgreSQL `unaccent` + French stemming; user words are always escaped or bound, never spliced.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from quotes import db, dbrows
from quotes.errors import InputError, NotFoundError
from quotes.speakers import SpeakerMatch, lookup_speakers

KINDS = ("direct", "mixed", "indirect")
_DATE = re.compile(r"^[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?$", re.ASCII)
# The largest --limit (SQLite integers stop at 2**63 - 1) and the most words a --text query keeps.
MAX_LIMIT = 1_000_000_000
MAX_TEXT_WORDS = 32
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Filters:
    speaker: str | None = None
    text: str | None = None
    since: str | None = None
    until: str | None = None
    outlet: str | None = None
    venue: str | None = None
    kind: str | None = None
    limit: int | None = 20


@dataclass(frozen=True)
class SourceRef:
    """A quote as one article carries it: the article and the occurrence details."""

    url: str | None
    outlet: str | None
    title: str | None
    author: str | None
    published: str | None
    accessed: str | None
    cue: str | None
    said_on: str | None
    said_on_source: str | None
    venue: str | None
    confidence: float
    start: int
    end: int
    speaker_mention: str | None = None
    source_id: int | None = None  # the article's row (its web page); not in the JSON records


@dataclass(frozen=True)
class Hit:
    quote_id: int
    text: str
    kind: str
    speaker: str | None
    speaker_id: int | None
    said_on: str | None
    sources: tuple[SourceRef, ...]
    corrections: tuple[str, ...] = ()  # what a person corrected, one line each (quotes/corrections.py)

    @property
    def primary(self) -> SourceRef | None:
        """The source to cite: the earliest article that carries the quote."""
        return self.sources[0] if self.sources else None


@dataclass(frozen=True)
class SearchResult:
    hits: list[Hit]
    speaker_match: SpeakerMatch | None = None
    notes: list[str] = field(default_factory=list)


def check_date(value: str | None, flag: str) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if not _DATE.match(value):
        raise InputError(f"{flag} {value!r} is not a date; use YYYY-MM-DD, YYYY-MM or YYYY")
    if len(value) == 10:
        import datetime as dt

        try:
            dt.date.fromisoformat(value)
        except ValueError:
            raise InputError(f"{flag} {value!r} is not a day of the calendar") from None
    return value


def check_limit(limit: int | None) -> None:
    if limit is not None and limit < 1:
        raise InputError("--limit must be at least 1")
    if limit is not None and limit > MAX_LIMIT:
        raise InputError(f"--limit must be at most {MAX_LIMIT}")


def check_text(text: str | None) -> None:
    if text is not None and len(_WORD.findall(text)) > MAX_TEXT_WORDS:
        raise InputError(f"--text holds more than {MAX_TEXT_WORDS} words; search for a shorter passage")


def upper_bound(until: str) -> str:
    """The largest ISO string within a (possibly partial) date: "2024-07" -> "2024-07-99"."""
    return until + {4: "-99-99", 7: "-99"}.get(len(until), "")


def fts5_query(text: str) -> str:
    """User words as an FTS5 query that matches them all, whatever quotes or operators they hold."""
    words = _WORD.findall(text)
    if not words:
        raise InputError(f"--text {text!r} has no words to search for")
    return " ".join('"' + w.replace('"', '""') + '"' for w in words)


@functools.lru_cache(maxsize=4096)
def fts5_stem_query(text: str) -> str:
    """User words, folded and French-stemmed as quote_stem_fts holds them, as an FTS5 query.
    Kept by text (a pure function): Snowball stemming took about 0.1 ms of a search's CPU, and
    the same words are asked again and again with other filters."""
    return fts5_query(db.text_stems(" ".join(_WORD.findall(text))) or text)


def _like(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def check_filters(filters: Filters) -> tuple[str | None, str | None]:
    """Refuse filters no search can honour (before any database is opened); the dates as given."""
    since = check_date(filters.since, "--since")
    until = check_date(filters.until, "--until")
    if since and until and since > until:
        raise InputError(f"--since {since} is after --until {until}")
    if filters.kind is not None and filters.kind not in KINDS:
        raise InputError(f"--kind {filters.kind!r} is not one of {', '.join(KINDS)}")
    check_limit(filters.limit)
    check_text(filters.text)
    return since, until


def search(engine: Engine, filters: Filters) -> SearchResult:
    """Quotes matching every filter given, latest said first."""
    since, until = check_filters(filters)
    try:
        with Session(db.reader(engine)) as session:
            return _search(session, filters, since, until)
    except sa.exc.SQLAlchemyError as exc:
        raise db.storage_error(exc, "search failed") from exc


# How many of the latest quotes (after the cheap, indexed filters) a search first examines one by
# one for its costly filters (words, outlet, venue) before it asks the indexes for every match:
# frequent words and common outlets are found among the latest quotes at once, rare ones through
# the full-text index.
PROBE_WINDOW = 2000

Condition = sa.ColumnElement[bool] | sa.TextClause

# PostgreSQL: the user's words as a French tsquery; a query of stop words alone has no node, and
# the condition that it has one is a constant PostgreSQL checks once, before reading any row.
_PG_WORDS = "plainto_tsquery('french', quotes_unaccent(:fts_words))"


@dataclass(frozen=True)
class _Shape:
    """Which filters a search has, not their values: its statements are built and compiled once
    per shape and database dialect (quotes/dbrows.py) and the values bound at each search."""

    postgres: bool
    speakers: int | None  # how many speaker ids it binds (dbrows.padded); None: no speaker filter
    kind: bool
    since: bool
    until: bool
    venue: bool
    outlet: bool
    text: bool
    limited: bool


def _newest() -> tuple[Any, ...]:
    return col(db.Quote.said_on).desc().nulls_last(), col(db.Quote.id).desc()


def _cheap(shape: _Shape) -> list[Condition]:
    """The filters the indexes answer in latest-first order: speaker, kind, dates."""
    cheap: list[Condition] = [col(db.Quote.hidden).is_(False)]  # marked not a quote: kept, not found
    if shape.speakers is not None:
        cheap.append(col(db.Quote.speaker_id).in_(dbrows.in_list("speaker", shape.speakers)))
    if shape.kind:
        cheap.append(col(db.Quote.kind) == sa.bindparam("kind"))
    # The date a quote was said is the earliest date any of its articles gives for it.
    if shape.since:
        cheap.append(col(db.Quote.said_on) >= sa.bindparam("since"))
    if shape.until:
        cheap.append(col(db.Quote.said_on) <= sa.bindparam("until"))
    return cheap


def _occurs(shape: _Shape) -> list[Callable[[Any], Condition]]:
    """The venue and outlet filters, made for the quote id column they test: quote.id in the
    queries over the quote table, the id of the window of latest quotes in SQLite's streamed probe."""
    occurrence_filters: list[sa.ColumnElement[bool]] = []
    if shape.venue:
        occurrence_filters.append(col(db.Occurrence.venue).ilike(sa.bindparam("venue"), escape="\\"))
    if shape.outlet:
        occurrence_filters.append(col(db.Source.outlet).ilike(sa.bindparam("outlet"), escape="\\"))
    if not occurrence_filters:
        return []

    def occurs(quote_id: Any) -> Condition:
        return (
            select(db.Occurrence.id)
            .join(db.Source, col(db.Source.id) == db.Occurrence.source_id)
            .where(col(db.Occurrence.quote_id) == quote_id, *occurrence_filters)
            .exists()
        )

    return [occurs]


def _pg_words() -> sa.ColumnElement[bool]:
    # the condition that the words are not all stop words is a constant PostgreSQL checks once
    return sa.and_(sa.text(f"numnode({_PG_WORDS}) > 0"), sa.text(f"quote.text_tsv @@ {_PG_WORDS}"))


def _probes(shape: _Shape) -> list[Callable[[Any], Condition]]:
    """Every costly filter as probed row by row: venue and outlet, then the words."""
    probes = _occurs(shape)
    if shape.text and shape.postgres:
        words = _pg_words()
        probes.append(lambda _quote_id: words)  # PostgreSQL probes the quote table itself
    elif shape.text:

        def stems_match(quote_id: Any) -> Condition:
            return sa.exists().where(sa.text("quote_stem_fts MATCH :fts_words"), _STEM_FTS.c.rowid == quote_id)

        probes.append(stems_match)
    return probes


def _text_all(shape: _Shape) -> list[Condition]:
    """The words as asked of the full-text index for every match."""
    if not shape.text:
        return []
    if shape.postgres:
        # When the latest quotes hold too few matches, the words are rare: collect all their
        # matches through the GIN index first (a materialised CTE), then order those few.
        matches = select(db.Quote.id).where(_pg_words()).cte("text_matches").prefix_with("MATERIALIZED")
        return [col(db.Quote.id).in_(select(matches.c.id))]
    return [sa.text("quote.id IN (SELECT rowid FROM quote_stem_fts WHERE quote_stem_fts MATCH :fts_words)")]


def _search(session: Session, filters: Filters, since: str | None, until: str | None) -> SearchResult:
    postgres = db.is_postgres(session.get_bind())  # type: ignore[arg-type]
    match: SpeakerMatch | None = None
    values: dict[str, Any] = {"window": PROBE_WINDOW, "limit": filters.limit}
    speakers: int | None = None
    if filters.speaker is not None:
        match = lookup_speakers(session, filters.speaker)
        speakers, speaker_values = dbrows.padded("speaker", [s.id for s in match.speakers])
        values.update(speaker_values)
    if filters.kind is not None:
        values["kind"] = filters.kind
    if since:
        values["since"] = since
    if until:
        values["until"] = upper_bound(until)
    if filters.venue:
        values["venue"] = _like(filters.venue)
    if filters.outlet:
        values["outlet"] = _like(filters.outlet)
    rare_text = False  # SQLite: the words match so few quotes that probing the latest is wasted
    if filters.text is not None and postgres:
        if not _WORD.search(filters.text):
            raise InputError(f"--text {filters.text!r} has no words to search for")
        values["fts_words"] = filters.text
    elif filters.text is not None:
        values["fts_words"] = fts5_stem_query(filters.text)
        if filters.limit is not None:
            rare_text = _rare_words(session, values["fts_words"], filters.limit)
    shape = _Shape(postgres, speakers, filters.kind is not None, bool(since), bool(until), bool(filters.venue),
                   bool(filters.outlet), filters.text is not None, filters.limit is not None)
    conn = session.connection()
    hits: list[Hit] | None = None
    if (filters.venue or filters.outlet or filters.text is not None) and filters.limit is not None and not rare_text:
        if postgres:  # one statement, the hits' records with it: every statement is a round trip
            hits = _probe_latest_sql(session, shape, values, filters.limit)
        else:
            ids = _stream_latest(session, shape, values, filters.limit)
            hits = None if ids is None else load_hits(session, ids)
    if hits is None:
        if postgres:
            hits = _read_hits(session, dbrows.rows(conn, ("all hits", shape), lambda: _all_hits(shape), values))
        else:
            found = dbrows.rows(conn, ("all", shape), lambda: _all_matches(shape), values)
            hits = load_hits(session, [i for (i,) in found if i is not None])
    notes: list[str] = []
    if not hits and filters.text is not None and postgres:
        terms = dbrows.rows(conn, "stop words", lambda: sa.text(f"SELECT numnode({_PG_WORDS})"), values)
        if not terms[0][0]:  # only French stop words ("le", "nous", "pour"): nothing to look for
            notes.append("only stop words in --text")
    return SearchResult(hits=hits, speaker_match=match, notes=notes)


def _all_matches(shape: _Shape) -> sa.Select[Any]:
    """The ids of every quote passing the filters, through the indexes, latest said first."""
    every = [p(db.Quote.id) for p in _occurs(shape)]
    query = select(db.Quote.id).where(*_cheap(shape), *every, *_text_all(shape)).order_by(*_newest())
    return query.limit(sa.bindparam("limit")) if shape.limited else query


def _all_hits(shape: _Shape) -> sa.Executable:
    """PostgreSQL: _all_matches with the hits' records (_hits_statement)."""
    return _hits_statement(_all_matches(shape).subquery("chosen"))


# The FTS5 table of each quote's French stems (migration 0005), for the probe's MATCH by rowid.
_STEM_FTS = sa.table("quote_stem_fts", sa.column("rowid"))


def _rare_words(session: Session, words: str, limit: int) -> bool:
    """Whether the FTS5 query `words` matches too few quotes for the latest PROBE_WINDOW to be
    likely to hold `limit` of them (counted up to that bound, so a frequent word costs a bounded
    walk of its index entries: about 1 ms for 10,000 on the 1,000,000-quote benchmark). Rare
    words are then looked up through the index at once, rather than probed row by row first."""
    conn = session.connection()
    quotes = dbrows.rows(conn, "max quote id", lambda: sa.text("SELECT max(id) FROM quote"))[0][0] or 0
    enough = max(limit, math.ceil(limit * quotes / PROBE_WINDOW))
    # The count is kept while no quote is added: it only chooses the way to the same answer.
    key = (id(conn.engine.pool), str(conn.engine.url), words, enough, quotes)
    known = _RARE.get(key)
    if known is not None:
        return known
    found = dbrows.rows(
        conn, "count matches",
        lambda: sa.text("SELECT count(*) FROM (SELECT 1 FROM quote_stem_fts WHERE quote_stem_fts MATCH :w LIMIT :n)"),
        {"w": words, "n": enough},
    )[0][0]
    if len(_RARE) >= 4096:
        _RARE.clear()
    _RARE[key] = rare = bool(found < enough)
    return rare


# Words found rare or not (_rare_words), by database, words, bound and highest quote id.
_RARE: dict[tuple[int, str, str, int, int], bool] = {}


def _latest_window(shape: _Shape) -> sa.Subquery:
    """The PROBE_WINDOW latest quotes that pass the cheap filters (id, said_on), newest first."""
    return (
        select(col(db.Quote.id).label("id"), col(db.Quote.said_on).label("said_on"))
        .where(*_cheap(shape))
        .order_by(*_newest())
        .limit(sa.bindparam("window"))
        .subquery("latest")
    )


def _window_full(session: Session, shape: _Shape, values: dict[str, Any]) -> bool:
    """Whether PROBE_WINDOW quotes or more pass the cheap filters (the window then did not hold
    them all, and a probe finding too few in it proves nothing)."""

    def count() -> sa.Select[Any]:
        held = select(db.Quote.id).where(*_cheap(shape)).limit(sa.bindparam("window")).subquery()
        return sa.select(sa.func.count()).select_from(held)

    held = dbrows.rows(session.connection(), ("window full", shape), count, values)[0][0]
    return bool(held >= PROBE_WINDOW)


def _stream_latest(session: Session, shape: _Shape, values: dict[str, Any], limit: int) -> list[int] | None:
    """SQLite: the latest `limit` quotes passing every filter among the PROBE_WINDOW latest that
    pass the cheap ones, in one statement that SQLite runs as a stream (the window, newest first,
    tested row by row, stopped at `limit`); None when that window holds too few.

    The window is a subquery whose ORDER BY and LIMIT SQLite honours, and rows leave it in that
    order; each answer is checked to be in it anyway (else None: the caller asks the indexes)."""

    def stream() -> sa.Select[Any]:
        window = _latest_window(shape)
        return (sa.select(window.c.id, window.c.said_on).where(*(c(window.c.id) for c in _probes(shape)))
                .limit(sa.bindparam("limit")))

    rows = dbrows.rows(session.connection(), ("stream", shape), stream, values)
    keys = [(said_on is not None, said_on or "", quote_id) for quote_id, said_on in rows]
    if any(a < b for a, b in itertools.pairwise(keys)):  # not newest first: not the stream this expects
        return None
    found = [int(quote_id) for quote_id, _ in rows]
    if len(found) >= limit:
        return found
    # Too few: the answer if the window held every quote the cheap filters pass, else unknown.
    return None if _window_full(session, shape, values) else found


def _probe_latest_sql(session: Session, shape: _Shape, values: dict[str, Any], limit: int) -> list[Hit] | None:
    """The window probe in one statement with the hits' records (PostgreSQL, where every statement
    is a round trip to the server, which a busy machine makes slow): the latest quotes passing
    every filter among the PROBE_WINDOW latest that pass the cheap ones, read newest first until
    `limit` are found; None when the window is full and holds fewer (the caller then asks the
    indexes for all)."""

    def probe() -> sa.Executable:
        window = _latest_window(shape)
        chosen = (
            select(window.c.id)
            .join_from(window, db.Quote, col(db.Quote.id) == window.c.id)
            .where(*(p(db.Quote.id) for p in _probes(shape)))
            .order_by(window.c.said_on.desc().nulls_last(), window.c.id.desc())
            .limit(sa.bindparam("limit"))
        )
        return _hits_statement(chosen.subquery("chosen"))

    hits = _read_hits(session, dbrows.rows(session.connection(), ("probe hits", shape), probe, values))
    if len(hits) >= limit:
        return hits
    return None if _window_full(session, shape, values) else hits


# How many ids load_hits binds in one statement at most (a longer list is read in parts).
_IDS_AT_ONCE = 256


def _hit_statements(n: int) -> tuple[sa.Select[Any], sa.Select[Any]]:
    """The two statements of load_hits for `n` ids (parameters id_0 ... id_n-1)."""
    quote, speaker = db.Quote.__table__, db.Speaker.__table__  # type: ignore[attr-defined]
    occurrence, source = db.Occurrence.__table__, db.Source.__table__  # type: ignore[attr-defined]
    correction = db.Correction.__table__  # type: ignore[attr-defined]
    ids = dbrows.in_list("id", n)
    corrected = sa.exists().where(correction.c.quote_key == quote.c.text_key)
    quotes = (
        sa.select(quote.c.id, quote.c.text, quote.c.text_key, quote.c.kind, quote.c.speaker_id, quote.c.said_on,
                  speaker.c.name, corrected)
        .select_from(quote.outerjoin(speaker, speaker.c.id == quote.c.speaker_id))
        .where(quote.c.id.in_(ids))
    )
    sources = (
        sa.select(occurrence.c.quote_id, source.c.url, source.c.outlet, source.c.title, source.c.author,
                  source.c.published, source.c.accessed, occurrence.c.cue, occurrence.c.said_on,
                  occurrence.c.said_on_source, occurrence.c.venue, occurrence.c.confidence, occurrence.c.start,
                  occurrence.c.end, occurrence.c.speaker_mention, source.c.id)
        .select_from(occurrence.join(source, source.c.id == occurrence.c.source_id))
        .where(occurrence.c.quote_id.in_(ids))
        .order_by(source.c.published.asc().nulls_last(), source.c.id)
    )
    return quotes, sources


def _hit_statement(n: int, which: int) -> sa.Select[Any]:
    return _hit_statements(n)[which]


def load_hits(session: Session, ids: list[int]) -> list[Hit]:
    """Full records for quote ids, in the order given; each quote's sources oldest first; the
    corrections of those that some correction names.

    Read as plain rows, not ORM objects (a page of 20 hits cost 4.6 ms of CPU through the ORM,
    most of it building and tracking objects that are only read once), by statements compiled
    once and run on the driver's cursor (quotes/dbrows.py)."""
    if not ids:
        return []
    conn = session.connection()
    rows: list[tuple[Any, ...]] = []
    sources: dict[int, list[SourceRef]] = {}
    for start in range(0, len(ids), _IDS_AT_ONCE):  # a quote's sources are all read with it
        n, values = dbrows.padded("id", ids[start : start + _IDS_AT_ONCE])
        quotes, occurrences = functools.partial(_hit_statement, n, 0), functools.partial(_hit_statement, n, 1)
        rows += dbrows.rows(conn, ("hit quotes", n), quotes, values)
        for quote_id, *fields in dbrows.rows(conn, ("hit sources", n), occurrences, values):
            sources.setdefault(quote_id, []).append(SourceRef(*fields))
    by_id = {row[0]: row for row in rows}
    ordered = [by_id[i] for i in ids if i in by_id]
    # the corrections are read only for the quotes some correction names (most have none)
    flagged = [(r[0], r[2]) for r in ordered if r[7]]
    return _hits(session, [r[:7] for r in ordered], sources, flagged)


def _hits_statement(chosen: sa.Subquery) -> sa.Executable:
    """The quotes whose ids `chosen` yields (a subquery with an `id` column), latest said first,
    each with its speaker, whether any correction names it, and every article carrying it
    (oldest first), one row per article (_read_hits)."""
    q, o, s = db.Quote, db.Occurrence, db.Source
    corrected_flag = sa.exists().where(col(db.Correction.quote_key) == q.text_key)
    return (
        sa.select(
            col(q.id),
            col(q.text),
            col(q.text_key),
            col(q.kind),
            col(q.speaker_id),
            col(q.said_on),
            col(db.Speaker.name),
            corrected_flag,
            # then each source in SourceRef's order, as load_hits reads them
            col(s.url),
            col(s.outlet),
            col(s.title),
            col(s.author),
            col(s.published),
            col(s.accessed),
            col(o.cue),
            col(o.said_on),
            col(o.said_on_source),
            col(o.venue),
            col(o.confidence),
            col(o.start),
            col(o.end),
            col(o.speaker_mention),
            col(s.id),
        )
        .select_from(chosen)
        .join(q, col(q.id) == chosen.c.id)
        .outerjoin(db.Speaker, col(db.Speaker.id) == q.speaker_id)
        .outerjoin(o, col(o.quote_id) == q.id)
        .outerjoin(s, col(s.id) == o.source_id)
        .order_by(
            col(q.said_on).desc().nulls_last(), col(q.id).desc(), col(s.published).asc().nulls_last(), col(s.id)
        )
    )


def _read_hits(session: Session, rows: Sequence[Sequence[Any]]) -> list[Hit]:
    """The hits of the rows of a _hits_statement, in their order; the corrections are read only
    for the quotes some correction names."""
    quotes: dict[int, tuple[Any, ...]] = {}
    sources: dict[int, list[SourceRef]] = {}
    for row in rows:
        qid = int(row[0] or 0)  # the primary key: never NULL
        quotes.setdefault(qid, tuple(row[:8]))
        if row[-1] is None:  # a quote no article carries (any more): no source row joined
            continue
        fields: list[Any] = list(row[8:])
        sources.setdefault(qid, []).append(SourceRef(*fields))
    flagged = [(qid, row[2]) for qid, row in quotes.items() if row[7]]
    return _hits(session, [row[:7] for row in quotes.values()], sources, flagged)


def _hits(
    session: Session,
    quotes: Sequence[Sequence[Any]],
    sources: dict[int, list[SourceRef]],
    correctable: list[tuple[int, str]],
) -> list[Hit]:
    """The hits of quote rows (id, text, text key, kind, speaker id, said on, speaker name), in
    their order, with their sources and the corrections of the quotes `correctable` (id, text key)."""
    from quotes.corrections import describe, quote_corrections, speaker_names

    corrected = quote_corrections(session, correctable) if correctable else {}
    values = {v for cs in corrected.values() for c in cs for v in (c.previous, c.value)}
    names = speaker_names(session, sorted({int(v) for v in values if v and v.isdigit()})) if corrected else {}
    return [
        Hit(
            quote_id=qid,
            text=text,
            kind=kind,
            speaker=name,
            speaker_id=speaker_id,
            said_on=said_on,
            sources=tuple(sources.get(qid, [])),
            corrections=tuple(describe(c, names) for c in corrected.get(qid, [])),
        )
        for qid, text, _key, kind, speaker_id, said_on, name in quotes
    ]


def speaker_quotes(engine: Engine, name: str, limit: int = 10) -> tuple[SpeakerMatch, list[Hit]]:
    """One speaker (by any alias, fuzzy) and their latest quotes. Raises `NotFoundError`."""
    with Session(engine) as session:
        match = lookup_speakers(session, name)
        if len(match.speakers) > 1:
            names = ", ".join(s.name for s in match.speakers)
            raise NotFoundError(f"{name!r} fits several speakers ({names}); give a fuller name")
        speaker = match.speakers[0]
        ids = session.exec(
            select(db.Quote.id)
            .where(db.Quote.speaker_id == speaker.id, col(db.Quote.hidden).is_(False))
            .order_by(col(db.Quote.said_on).desc().nulls_last(), col(db.Quote.id).desc())
            .limit(limit)
        ).all()
        return match, load_hits(session, [i for i in ids if i is not None])
