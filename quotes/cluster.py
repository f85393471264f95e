"""Extraction over a Dask distributed cluster, for corpora one machine cannot get through.

The client (`quotes ingest --scheduler tcp://HOST:8786`) reads the articles, skips those already
stored, and sends the others in batches to the cluster; each worker process loads the pipeline
once (the first batch it is given loads it) and parses a batch through nlp.pipe; the results come
back to the client, in input order, and the client alone writes them, several articles per
transaction. The database's unique keys make a retried batch, or another client storing the same
articles, harmless.

The workers must have `quotes` installed, with the same version and model as the client.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from quotes.errors import QuotesError
from quotes.parallel import BATCH, Extracted, Results, extract_batch_guarded, in_order
from quotes.types import Article

CONNECT_TIMEOUT = 10.0  # seconds to reach the scheduler
WORKERS_TIMEOUT = 60.0  # seconds to wait for a first worker to join it
WRITE_BATCH = 16  # articles stored per transaction by the client
RETRIES = 2  # a batch whose worker died is sent again this many times


class ClusterError(QuotesError):
    """The Dask scheduler cannot be reached, has no workers, or lost the workers of a batch."""


# ---------------------------------------------------------------------------------------------
# on the workers

_lock = threading.Lock()
_loaded: dict[str | None, Any] = {}


def _warn(message: str) -> None:
    sys.stderr.write(f"Warning: {message}\n")


def worker_extractor(model_dir: str | None) -> Any:
    """This worker process's pipeline for `model_dir`, loaded on first use and kept."""
    if model_dir not in _loaded:
        from quotes.extract.pipeline import Extractor

        _loaded[model_dir] = Extractor(warn=_warn, model_dir=Path(model_dir) if model_dir else None)
    return _loaded[model_dir]


def extract_task(articles: list[Article], model_dir: str | None, budget: float) -> Results:
    """One batch, on a worker. One batch at a time per process (spaCy and coreferee keep state on
    the pipeline), whatever the worker's number of threads. Dask runs tasks in worker threads, where
    no POSIX alarm reaches; `time_budget` keeps the budget there with a timer thread."""
    with _lock:
        return extract_batch_guarded(worker_extractor(model_dir), articles, budget)


# ---------------------------------------------------------------------------------------------
# on the client


def check_address(address: str) -> None:
    """A clear error for an address that is not a scheduler's (`tcp://HOST:PORT`)."""
    from distributed.comm.addressing import parse_address, parse_host_port

    try:
        scheme, location = parse_address(address, strict=True)
        parse_host_port(location)
    except ValueError as exc:
        raise ClusterError(
            f"--scheduler {address!r} is not a scheduler address such as tcp://HOST:8786 ({exc})"
        ) from None
    if scheme not in ("tcp", "tls", "ucx", "ws", "wss"):
        raise ClusterError(f"--scheduler {address!r}: unknown protocol {scheme!r} (use tcp://HOST:8786)")


def connect(address: str) -> Any:
    """A Dask client of the scheduler at `address`, with at least one worker."""
    check_address(address)
    from distributed import Client

    try:
        client = Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError) as exc:
        raise ClusterError(
            f"cannot reach the Dask scheduler at {address} ({exc}); start one with `dask scheduler`"
        ) from None
    try:
        client.wait_for_workers(1, timeout=WORKERS_TIMEOUT)
    except (OSError, TimeoutError):
        client.close()  # type: ignore[no-untyped-call]
        raise ClusterError(
            f"the Dask scheduler at {address} has no worker after {WORKERS_TIMEOUT:g} s; "
            f"start some with `dask worker {address}`"
        ) from None
    return client


def extract_on_cluster(
    entries: Iterable[Extracted],
    address: str,
    model_dir: Path | None = None,
    budget: float = 0,
    batch: int = BATCH,
) -> Iterator[Extracted]:
    """Each entry with its article's result, in input order, extracted by the cluster's workers;
    entries with nothing to extract are passed on as they are. About two batches per worker are
    in flight."""
    from distributed.client import FutureCancelledError
    from distributed.scheduler import KilledWorker

    client = connect(address)
    model = str(model_dir.resolve()) if model_dir is not None else None
    try:
        workers = max(1, len(client.scheduler_info().get("workers", {})))

        def submit(articles: list[Article]) -> Callable[[], Results]:
            future = client.submit(extract_task, articles, model, budget, pure=False, retries=RETRIES)
            return lambda: _result(future)

        def _result(future: Any) -> Results:
            try:
                results: Results = future.result()
            except (KilledWorker, FutureCancelledError) as exc:
                raise ClusterError(f"the cluster lost the workers of a batch ({type(exc).__name__}: {exc})") from None
            return results

        yield from in_order(submit, entries, 2 * workers, batch)
    finally:
        client.close()
