"""Extraction in several processes on one machine: each worker loads the pipeline once, the
results come back in input order, and only the calling process writes (stdout or the database).

Workers are started with the `spawn` method: a fresh interpreter each, with no state copied from
the parent (spaCy and the database connections do not survive a fork safely).
"""

from __future__ import annotations

import multiprocessing
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from quotes.errors import InputError, ModelError, QuotesError
from quotes.ingest import Ingestor, Outcome, OverBudget, time_budget
from quotes.types import Article, ArticleQuotes

T = TypeVar("T")
_extractor: Any = None  # the worker process's pipeline, loaded once by _load


@dataclass(frozen=True)
class Failed:
    """An article whose extraction raised (or, `skip`, ran over its time budget): the reason."""

    article: Article
    reason: str
    skip: bool = False


@dataclass(frozen=True)
class Extracted:
    """One entry read for `quotes ingest`, with its extraction (None: a read error, or an
    article already stored, which is not extracted)."""

    path: str
    item: Article | InputError
    result: ArticleQuotes | Failed | None = None
    known: Outcome | None = None  # already stored: skipped before extraction

    @property
    def to_extract(self) -> bool:
        return isinstance(self.item, Article) and self.known is None and self.result is None


def extract_guarded(extractor: Any, article: Article, budget: float = 0) -> ArticleQuotes | Failed:
    """The article's quotes, or why there are none: one article's failure never stops a run
    (the project's own errors, such as a missing model, still do)."""
    return _guarded(lambda: extractor.extract_one(article), article, budget)


def _guarded(run: Callable[[], T], article: Article, budget: float) -> T | Failed:
    try:
        with time_budget(budget):
            return run()
    except OverBudget as exc:  # a pathological input: skipped, the run goes on
        return Failed(article, str(exc), skip=True)
    except QuotesError:
        raise
    except Exception as exc:
        return Failed(article, f"extraction failed ({type(exc).__name__}: {exc})")


def extract_batch_guarded(extractor: Any, articles: list[Article], budget: float = 0) -> list[ArticleQuotes | Failed]:
    """Each article's result as `extract_guarded` gives it, the texts parsed together through
    `nlp.pipe` (spaCy's batching) and decided together (`decide_many`: the classifiers asked
    about all the articles at once). The parse of the batch may take the batch's budget (the
    budget times the number of articles), and so may the decisions; each article's stages
    between them have their own budget. A batch whose parse or decisions fail or run over is
    done again article by article, so that the failure is the one article's."""
    from quotes.extract.nlp import parse_windowed

    if len(articles) < 2 or not hasattr(extractor, "analyse_parsed"):
        return [extract_guarded(extractor, a, budget) for a in articles]
    try:
        with time_budget(budget * len(articles)):
            pairs = ((a.text, a) for a in articles)
            parsed = list(parse_windowed(extractor.pipeline.nlp, pairs, extractor.batch_size))
    except QuotesError:
        raise
    except Exception:  # OverBudget included: each article alone says which one it is
        return [extract_guarded(extractor, a, budget) for a in articles]
    from quotes.extract.pipeline import Analysis, decide, decide_many

    analysed = [_guarded(partial(extractor.analyse_parsed, doc, article), article, budget) for doc, article in parsed]
    ready = [a for a in analysed if isinstance(a, Analysis)]
    together = _guarded(lambda: decide_many(ready, extractor.scorer), articles[0], budget * len(ready))
    alone: Iterator[ArticleQuotes | Failed]
    if isinstance(together, Failed):  # each article alone says which one it is
        alone = (_guarded(partial(decide, a, extractor.scorer), a.article, budget) for a in ready)
    else:
        alone = iter(together)
    return [next(alone) if isinstance(a, Analysis) else a for a in analysed]


def _warn(message: str) -> None:
    sys.stderr.write(f"Warning: {message}\n")


def _load(model_dir: Path | None) -> None:
    global _extractor
    from quotes.extract.pipeline import Extractor

    _extractor = Extractor(warn=_warn, model_dir=model_dir)


def _extract(articles: list[Article], budget: float) -> list[ArticleQuotes | Failed]:
    return extract_batch_guarded(_extractor, articles, budget)


Results = list[ArticleQuotes | Failed]
BATCH = 8  # articles parsed together through nlp.pipe (the Extractor's batch size)


def in_order(
    submit: Callable[[list[Article]], Callable[[], Results]],
    entries: Iterable[Extracted],
    window: int,
    batch: int = BATCH,
) -> Iterator[Extracted]:
    """The entries with their results filled in, in input order. The articles to extract go by
    batches of `batch` to `submit`, which returns how to wait for their results; at most `window`
    batches are in flight (a long input is never read into memory whole)."""
    pending: deque[tuple[list[Extracted], Callable[[], Results] | None]] = deque()
    chunk: list[Extracted] = []

    def flush() -> None:
        articles = [e.item for e in chunk if e.to_extract]
        pending.append((list(chunk), submit(articles) if articles else None))  # type: ignore[arg-type]
        chunk.clear()

    def ready() -> Iterator[Extracted]:
        head, wait = pending.popleft()
        results = iter(wait() if wait is not None else ())
        for entry in head:
            yield replace(entry, result=next(results)) if entry.to_extract else entry

    for entry in entries:
        chunk.append(entry)
        if sum(e.to_extract for e in chunk) >= batch:
            flush()
        elif not entry.to_extract and len(chunk) == 1:
            flush()  # nothing waits on it: pass it on at once
        while len(pending) > window or (pending and pending[0][1] is None):
            yield from ready()
    if chunk:
        flush()
    while pending:
        yield from ready()


def extract_in_workers(
    articles: Iterable[Article], workers: int, model_dir: Path | None = None, budget: float = 0
) -> Iterator[ArticleQuotes | Failed]:
    """Each article's result (or its failure), in input order, from `workers` processes."""
    entries = (Extracted("", a, None) for a in articles)
    for entry in extract_entries(entries, workers, model_dir, budget):
        assert entry.result is not None
        yield entry.result


def extract_entries(
    entries: Iterable[Extracted],
    workers: int,
    model_dir: Path | None = None,
    budget: float = 0,
    local: Callable[[], Any] | None = None,
    batch: int = BATCH,
) -> Iterator[Extracted]:
    """Each entry with its article's result, in input order; entries with nothing to extract
    (a read error, an article already stored) are passed on as they are. Articles are parsed
    `batch` at a time through nlp.pipe. One worker: in this process, with the extractor `local()`
    makes. More: in `workers` processes that each load the pipeline once, a few batches per
    worker in flight."""
    if workers == 1:
        from quotes.extract.pipeline import Extractor

        extractor = local() if local is not None else Extractor(warn=_warn, model_dir=model_dir)

        def here(articles: list[Article]) -> Callable[[], Results]:
            results = extract_batch_guarded(extractor, articles, budget)
            return lambda: results

        yield from in_order(here, entries, 0, batch)
        return
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_load, initargs=(model_dir,)) as pool:
        try:
            yield from in_order(lambda a: pool.submit(_extract, a, budget).result, entries, 2 * workers, batch)
        except BrokenProcessPool as exc:  # a worker could not load the pipeline, or was killed
            raise ModelError(f"an extraction worker stopped ({exc}); try --workers 1 to see why") from exc


def store_entries(
    ingestor: Ingestor, entries: Iterable[Extracted], batch: int = 1
) -> Iterator[tuple[Extracted, Outcome]]:
    """Each entry with what storing it did, in input order: a read error or an extraction failure
    is a failed (or, over the budget, skipped) outcome, an article already stored its skip, and the
    extracted articles are stored `batch` per transaction (`Ingestor.add_many`)."""
    waiting: list[Extracted] = []

    def store() -> Iterator[tuple[Extracted, Outcome]]:
        results = [e.result for e in waiting]
        outcomes = ingestor.add_many(results)  # type: ignore[arg-type]
        yield from zip(waiting, outcomes, strict=True)
        waiting.clear()

    for entry in entries:
        item, result = entry.item, entry.result
        if isinstance(item, Article) and entry.known is None and isinstance(result, ArticleQuotes):
            waiting.append(entry)
            if len(waiting) >= batch:
                yield from store()
            continue
        yield from store()
        if isinstance(item, InputError):
            outcome = ingestor.fail(entry.path, str(item))
        elif entry.known is not None:
            outcome = entry.known
        else:
            assert isinstance(result, Failed), entry
            outcome = (ingestor.skip if result.skip else ingestor.fail)(item.path, result.reason)
        yield entry, outcome
    yield from store()
