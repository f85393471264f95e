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
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from quotes.errors import InputError, ModelError, QuotesError
from quotes.ingest import Outcome, OverBudget, time_budget
from quotes.types import Article, ArticleQuotes

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
    try:
        with time_budget(budget):
            result: ArticleQuotes = extractor.extract_one(article)
        return result
    except OverBudget as exc:  # a pathological input: skipped, the run goes on
        return Failed(article, str(exc), skip=True)
    except QuotesError:
        raise
    except Exception as exc:
        return Failed(article, f"extraction failed ({type(exc).__name__}: {exc})")


def _warn(message: str) -> None:
    sys.stderr.write(f"Warning: {message}\n")


def _load(model_dir: Path | None) -> None:
    global _extractor
    from quotes.extract.pipeline import Extractor

    _extractor = Extractor(warn=_warn, model_dir=model_dir)


def _extract(article: Article, budget: float) -> ArticleQuotes | Failed:
    return extract_guarded(_extractor, article, budget)


def _in_order(
    submit: Callable[[Article], Future[ArticleQuotes | Failed]], entries: Iterable[Extracted], window: int
) -> Iterator[Extracted]:
    """The entries with their results filled in, in input order, at most `window` in flight."""
    pending: deque[tuple[Extracted, Future[ArticleQuotes | Failed] | None]] = deque()
    for entry in entries:
        pending.append((entry, submit(entry.item) if entry.to_extract else None))  # type: ignore[arg-type]
        while len(pending) > window or (pending and pending[0][1] is None):
            head, future = pending.popleft()
            yield head if future is None else replace(head, result=future.result())
    for head, future in pending:
        yield head if future is None else replace(head, result=future.result())


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
) -> Iterator[Extracted]:
    """Each entry with its article's result, in input order; entries with nothing to extract
    (a read error, an article already stored) are passed on as they are. One worker: in this
    process, with the extractor `local()` makes, one article at a time. More: from `workers`
    processes that each load the pipeline once, at most a few articles per worker in flight
    (a long input is never read into memory whole)."""
    if workers == 1:
        from quotes.extract.pipeline import Extractor

        extractor = local() if local is not None else Extractor(warn=_warn, model_dir=model_dir)
        for entry in entries:
            if entry.to_extract:
                assert isinstance(entry.item, Article)
                entry = replace(entry, result=extract_guarded(extractor, entry.item, budget))
            yield entry
        return
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_load, initargs=(model_dir,)) as pool:
        try:
            yield from _in_order(lambda a: pool.submit(_extract, a, budget), entries, 4 * workers)
        except BrokenProcessPool as exc:  # a worker could not load the pipeline, or was killed
            raise ModelError(f"an extraction worker stopped ({exc}); try --workers 1 to see why") from exc
