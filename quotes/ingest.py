"""Store the attributed quotes of articles: one transaction per article, idempotent.

An article already stored (same URL and same content, or the same content under another
address) stores nothing; a changed version of a stored URL replaces that article's quotes. The
same quote carried by several outlets (wire copies) is one quote with several sources.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import re
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, delete, func, select

from quotes import db
from quotes.corrections import redate_publication, replay
from quotes.errors import StorageError
from quotes.speakers import record_speaker
from quotes.types import Article, ArticleQuotes

# How many times one article is tried against a busy database or a concurrent writer's rows.
STORE_ATTEMPTS = 6
_ISO_PREFIX = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?")


def content_hash(text: str) -> str:
    """Hash of an article's text with whitespace collapsed (re-wrapped copies hash the same)."""
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()


def quote_key(text: str) -> str:
    """Hash of a quote's normalised text: wire copies of one statement share it."""
    return hashlib.sha256(db.normalise(text).encode("utf-8")).hexdigest()[:32]


def iso_date(value: str | None) -> str | None:
    """`YYYY-MM-DD` (or `YYYY-MM`, `YYYY`) from an ISO date or datetime; None when not one."""
    if not value:
        return None
    match = _ISO_PREFIX.match(value.strip())
    return match.group(0) if match else None


@dataclass(frozen=True)
class Outcome:
    """What happened to one article."""

    path: str
    status: str  # "stored", "replaced", "skipped" or "failed"
    reason: str = ""
    source_id: int | None = None
    quotes: int = 0
    new_quotes: int = 0
    new_speakers: int = 0


@dataclass
class IngestSummary:
    read: int = 0
    stored: int = 0
    replaced: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    quotes: int = 0
    new_quotes: int = 0
    new_speakers: int = 0

    def add(self, outcome: Outcome) -> None:
        self.read += 1
        if outcome.status in ("stored", "replaced"):
            self.stored += 1
            self.replaced += outcome.status == "replaced"
        elif outcome.status == "skipped":
            self.skipped.append((outcome.path, outcome.reason))
        else:
            self.failed.append((outcome.path, outcome.reason))
        self.quotes += outcome.quotes
        self.new_quotes += outcome.new_quotes
        self.new_speakers += outcome.new_speakers

    def line(self) -> str:
        """One line for the end of `quotes ingest`."""
        stored = f"{self.stored} stored" + (f" ({self.replaced} replaced)" if self.replaced else "")
        parts = [f"{self.read} article{'s' * (self.read != 1)} read", stored]
        if self.skipped:
            reasons: dict[str, int] = {}
            for _path, reason in self.skipped:
                key = reason.split(":")[0].split(" (")[0]
                reasons[key] = reasons.get(key, 0) + 1
            parts.append(f"{len(self.skipped)} skipped (" + ", ".join(f"{n} {r}" for r, n in reasons.items()) + ")")
        if self.failed:
            parts.append(f"{len(self.failed)} failed")
        return (
            ", ".join(parts)
            + f"; {self.quotes} quote{'s' * (self.quotes != 1)} ({self.new_quotes} new)"
            + f", {self.new_speakers} new speaker{'s' * (self.new_speakers != 1)}"
        )


class Ingestor:
    """Stores articles one at a time, each in its own transaction, and keeps the summary."""

    def __init__(self, engine: Engine, today: Callable[[], dt.date] = dt.date.today) -> None:
        self.engine = engine
        self.today = today
        self.summary = IngestSummary()

    def skip(self, path: str, reason: str) -> Outcome:
        outcome = Outcome(path, "skipped", reason)
        self.summary.add(outcome)
        return outcome

    def fail(self, path: str, reason: str) -> Outcome:
        outcome = Outcome(path, "failed", reason)
        self.summary.add(outcome)
        return outcome

    def add(self, result: ArticleQuotes) -> Outcome:
        """Store one article. A concurrent writer that stored the same rows first (a unique
        constraint) or held the database (busy) makes this article retry, then fail alone."""
        for attempt in range(STORE_ATTEMPTS):
            try:
                with db.session_scope(self.engine) as session:
                    outcome = self._store(session, result)
                break
            except sa.exc.SQLAlchemyError as exc:
                if attempt + 1 < STORE_ATTEMPTS and db.is_transient(exc):
                    time.sleep(0.05 * 2**attempt)
                    continue
                raise db.storage_error(exc, f"{result.article.path}: cannot store") from exc
        self.summary.add(outcome)
        return outcome

    def add_many(self, results: list[ArticleQuotes]) -> list[Outcome]:
        """Store several articles in one transaction (fewer round trips to a distant server), each
        outcome as `add` gives it (an article that cannot be stored is a "failed" outcome). A batch
        that fails (a concurrent writer's rows, one article the database refuses) is rolled back
        and stored again article by article, so that each article still succeeds or fails alone."""
        if len(results) > 1:
            try:
                with db.session_scope(self.engine) as session:
                    outcomes = [self._store(session, result) for result in results]
            except sa.exc.SQLAlchemyError:
                pass
            else:
                for outcome in outcomes:
                    self.summary.add(outcome)
                return outcomes
        return [self._add_or_fail(result) for result in results]

    def _add_or_fail(self, result: ArticleQuotes) -> Outcome:
        try:
            return self.add(result)
        except StorageError as exc:  # rolled back; the next articles still get their turn
            return self.fail(result.article.path, str(exc))

    def skip_known(self, article: Article) -> Outcome | None:
        """The "skipped" outcome of an article already stored (same URL and content, or the same
        content elsewhere), counted in the summary; None when it must be extracted. Checked before
        any NLP, so that a re-run over unchanged articles costs reading and hashing only. A database
        that cannot be read here gives None: storing the article reports that failure."""
        try:
            with db.session_scope(self.engine) as session:
                _existing, known = self._known(session, article, content_hash(article.text))
        except sa.exc.SQLAlchemyError:
            return None
        if known is not None:
            self.summary.add(known)
        return known

    # -----------------------------------------------------------------------------------------

    def _known(self, session: Session, article: Article, digest: str) -> tuple[db.Source | None, Outcome | None]:
        """The stored source at the article's URL, and the skip outcome when nothing is to be
        stored (unchanged, or the same content under another address)."""
        existing = None
        if article.url:
            existing = session.exec(select(db.Source).where(db.Source.url == article.url)).first()
        same_content = session.exec(select(db.Source).where(db.Source.content_hash == digest)).first()
        unchanged = None
        if existing is not None and existing.content_hash == digest:
            unchanged = existing
        elif same_content is not None and not article.url and same_content.path == article.path:
            unchanged = same_content
        if unchanged is not None:
            _keep_text(session, unchanged, article)
            redated = _keep_publication_date(session, unchanged, article)
            return existing, Outcome(article.path, "skipped", "unchanged (already stored)" + redated, unchanged.id)
        if same_content is not None:
            where = same_content.url or same_content.path or f"source #{same_content.id}"
            return existing, Outcome(
                article.path, "skipped", f"duplicate content: same text as {where}", same_content.id
            )
        return existing, None

    def _store(self, session: Session, result: ArticleQuotes) -> Outcome:
        article = result.article
        digest = content_hash(article.text)
        existing, known = self._known(session, article, digest)
        if known is not None:
            return known
        status = "stored"
        previous: list[int] = []
        if existing is not None:
            status = "replaced"
            previous = self._drop_occurrences(session, existing)
            source = existing
        else:
            source = db.Source(content_hash=digest)
        self._fill_source(source, article, digest)
        session.add(source)
        session.flush()
        assert source.id is not None
        published = source.published
        new_quotes = new_speakers = stored = 0
        seen_spans: set[tuple[int, int]] = set()
        for q in result.quotes:
            if (q.start, q.end) in seen_spans:
                continue
            seen_spans.add((q.start, q.end))
            resolved = record_speaker(session, q.speaker, q.speaker_role, q.speaker_mention, published)
            new_speakers += resolved.created
            speaker_id = resolved.speaker.id if resolved.speaker is not None else None
            said_on = iso_date(q.said_on)
            said_on_source = q.said_on_source if said_on else None
            if said_on is None and published:
                said_on, said_on_source = published, "publication"
            quote, created = self._quote(session, q.text, q.kind, speaker_id)
            new_quotes += created
            if said_on and (quote.said_on is None or said_on < quote.said_on):
                quote.said_on = said_on
                session.add(quote)
            session.flush()
            assert quote.id is not None
            session.add(
                db.Occurrence(
                    quote_id=quote.id,
                    source_id=source.id,
                    start=q.start,
                    end=q.end,
                    cue=q.cue,
                    speaker_mention=q.speaker_mention,
                    speaker_role=q.speaker_role,
                    attribution=q.attribution,
                    confidence=float(q.confidence),
                    said_on=said_on,
                    said_on_source=said_on_source,
                    venue=q.venue,
                )
            )
            stored += 1
        session.flush()
        if previous:  # after the new occurrences, so that an unchanged quote keeps its id
            self._prune_quotes(session, previous)
        replay(session, source)  # the corrections a person made to this article's earlier version
        return Outcome(article.path, status, "", source.id, stored, new_quotes, new_speakers)

    def _fill_source(self, source: db.Source, article: Article, digest: str) -> None:
        source.url = article.url
        source.outlet = article.outlet
        source.title = article.title
        source.author = article.author
        source.published = iso_date(article.published)
        source.accessed = iso_date(article.accessed) or self.today().isoformat()
        source.content_hash = digest
        source.path = article.path
        source.text = article.text

    def _quote(self, session: Session, text: str, kind: str, speaker_id: int | None) -> tuple[db.Quote, bool]:
        """The stored quote for this text and speaker, or a new one. An unattributed copy joins an
        attributed one (and an attributed copy names the speaker of an unattributed one)."""
        key = quote_key(text)
        candidates = session.exec(select(db.Quote).where(db.Quote.text_key == key)).all()
        for quote in candidates:
            if quote.speaker_id == speaker_id:
                return quote, False
        for quote in candidates:
            if speaker_id is None:
                return quote, False
            if quote.speaker_id is None:
                quote.speaker_id = speaker_id
                session.add(quote)
                return quote, False
        quote = db.Quote(text=text, text_key=key, kind=kind, speaker_id=speaker_id)
        session.add(quote)
        session.flush()
        return quote, True

    def _drop_occurrences(self, session: Session, source: db.Source) -> list[int]:
        """Remove an article's occurrences; the ids of the quotes they were of."""
        quote_ids = list(session.exec(select(db.Occurrence.quote_id).where(db.Occurrence.source_id == source.id)))
        session.exec(delete(db.Occurrence).where(col(db.Occurrence.source_id) == source.id))
        return quote_ids

    def _prune_quotes(self, session: Session, quote_ids: list[int]) -> None:
        """Remove the quotes left without any occurrence, and recompute the others' dates."""
        still = set(
            session.exec(select(db.Occurrence.quote_id).where(col(db.Occurrence.quote_id).in_(quote_ids))).all()
        )
        orphans = [i for i in quote_ids if i not in still]
        if orphans:
            session.exec(delete(db.Quote).where(col(db.Quote.id).in_(orphans)))
        for qid in still:
            earliest = session.exec(select(func.min(db.Occurrence.said_on)).where(db.Occurrence.quote_id == qid)).one()
            quote = session.get(db.Quote, qid)
            if quote is not None:
                quote.said_on = earliest
                session.add(quote)
        session.flush()


def _keep_text(session: Session, source: db.Source, article: Article) -> None:
    """An article stored before its text was kept (migration 0006) keeps it when read again
    unchanged: `quotes export --format annotations` can then include it."""
    if source.text is not None:
        return
    rows = session.exec(
        select(db.Occurrence.start, db.Occurrence.end, db.Quote.text)
        .join(db.Quote, col(db.Quote.id) == db.Occurrence.quote_id)
        .where(db.Occurrence.source_id == source.id)
    ).all()
    # The same hash allows other whitespace; the text is kept only where the offsets still hold.
    if all(db.normalise(article.text[start:end]) == db.normalise(text) for start, end, text in rows):
        source.text = article.text
        session.add(source)


def _keep_publication_date(session: Session, source: db.Source, article: Article) -> str:
    """An article read again unchanged whose publication date is now read otherwise (a dateline,
    a year htmldate had turned into 1 January) takes the date read, and the quotes dated by it
    follow, unless a person corrected that date (`quotes source --published`). Says so, or ''."""
    read = iso_date(article.published)
    if not read or read == source.published:
        return ""
    if source.url is not None:
        corrected = session.exec(
            select(db.Correction.id).where(
                db.Correction.kind == "source",
                db.Correction.source_url == source.url,
                db.Correction.field == "published",
            )
        ).first()
        if corrected is not None:
            return ""
    previous, source.published = source.published, read
    session.add(source)
    redate_publication(session, source)
    return f"; publication date {previous or 'none'} -> {read}"


def ingest(engine: Engine, results: list[ArticleQuotes]) -> IngestSummary:
    """Store every article (the library call behind `quotes ingest`)."""
    ingestor = Ingestor(engine)
    for result in results:
        try:
            ingestor.add(result)
        except StorageError as exc:
            ingestor.fail(result.article.path, str(exc))
    return ingestor.summary


class OverBudget(Exception):
    """An article's extraction ran past its time budget (the article is skipped, the run goes on)."""


@contextlib.contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    """Raise OverBudget in the block once `seconds` of wall time have passed (0: no limit). In the
    main thread of a POSIX process by SIGALRM; in any other thread (a Dask worker runs its tasks
    in threads) by a timer thread that raises it in this one. Either way it is raised between
    two Python bytecodes: a single call into C code (a spaCy parse) finishes first."""
    if seconds <= 0:
        yield
        return
    message = f"over the time budget ({seconds:g} s per article)"
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        with _thread_budget(seconds, message):
            yield
        return

    def expire(_signum: int, _frame: object) -> None:
        raise OverBudget(message)

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextlib.contextmanager
def _thread_budget(seconds: float, message: str) -> Iterator[None]:
    """`time_budget` outside the main thread: CPython's PyThreadState_SetAsyncExc, called by a
    timer thread, makes this thread raise OverBudget at its next bytecode. A budget that expires
    as the block ends is withdrawn before it can be raised outside it."""
    import ctypes

    class Expired(OverBudget):
        def __init__(self) -> None:
            super().__init__(message)

    name = ("PyThreadState_SetAsyncExc", ctypes.pythonapi)
    set_async_exc = ctypes.PYFUNCTYPE(ctypes.c_int, ctypes.c_ulong, ctypes.py_object)(name)
    clear_async_exc = ctypes.PYFUNCTYPE(ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p)(name)  # NULL: clear
    target = threading.get_ident()
    lock = threading.Lock()
    state = {"active": True, "fired": False}

    def expire() -> None:
        with lock:
            if state["active"]:
                state["fired"] = bool(set_async_exc(target, Expired))

    timer = threading.Timer(seconds, expire)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        with lock:
            state["active"] = False
            if state["fired"]:  # raised already, or still pending: withdraw a pending one
                clear_async_exc(target, None)
