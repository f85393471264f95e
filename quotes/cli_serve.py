"""`quotes serve`: the newsroom web page over a database. A thin wrapper over quotes.web.

Registered on `quotes.cli.app` by the import at the end of quotes/cli.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from quotes.cli import app
from quotes.web.cache import CACHE_SIZE

# Seconds an idle keep-alive connection stays open (uvicorn's default is 5): under load, a client's
# next request on a connection can arrive just as a short timer closes it (a reset, not an answer).
KEEP_ALIVE = 30


@app.command("serve")
def serve(
    db: Annotated[str | None, typer.Option("--db", help="Database file or URL (default: QUOTES_DB).")] = None,
    host: Annotated[str, typer.Option(help="Address to listen on (only this machine by default).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    allow_edits: Annotated[
        bool,
        typer.Option("--allow-edits", help="Let the pages correct a quote's speaker or mark it not a quote."),
    ] = False,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Server processes (they share one CSRF secret).")
    ] = 1,
    search_cache: Annotated[
        int,
        typer.Option(min=0, max=1_000_000, help="Search answers each process keeps while the database is "
                     "unchanged (SQLite files only; 0: none)."),
    ] = CACHE_SIZE,
) -> None:
    """Serve search, speaker and article pages over the database (read-only unless --allow-edits)."""
    import uvicorn

    from quotes.cli import err
    from quotes.db import open_db
    from quotes.web.app import create_app, quick_thread_switches

    check_address(host, port)
    # a missing or foreign database fails here, once, in one line; read-only, it is never migrated
    engine = open_db(db, create=False, write=allow_edits)
    mode = "edits allowed: quote speaker and not-a-quote corrections" if allow_edits else "read-only"
    err.print(f"quotes serve: {mode}" + (f", {workers} worker processes" if workers > 1 else ""), highlight=False,
              soft_wrap=True)
    if workers > 1:
        import os
        import secrets

        from quotes.web.app import SERVE_CACHE, SERVE_DB, SERVE_EDITS, SERVE_SECRET

        engine.dispose()
        os.environ.update({SERVE_DB: db or "", SERVE_EDITS: "1" if allow_edits else "",
                           SERVE_SECRET: secrets.token_hex(32), SERVE_CACHE: str(search_cache)})
        uvicorn.run("quotes.web.app:app_from_environment", factory=True, workers=workers, host=host, port=port,
                    log_level="info", timeout_keep_alive=KEEP_ALIVE)
        return
    quick_thread_switches()
    try:
        uvicorn.run(create_app(engine, allow_edits=allow_edits, cache_size=search_cache), host=host, port=port,
                    log_level="info", timeout_keep_alive=KEEP_ALIVE)
    finally:
        engine.dispose()


def check_address(host: str, port: int) -> None:
    """A taken port or an address this machine does not have: one line, before the server starts."""
    import socket

    from quotes.errors import InputError

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        with socket.socket(infos[0][0], socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
            probe.bind(infos[0][4])
    except OSError as exc:
        raise InputError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc


def make_extractor() -> Any:
    """The loaded French pipeline (tests replace this function to fake one)."""
    from quotes.cli import err
    from quotes.extract.pipeline import Extractor

    return Extractor(warn=lambda msg: err.print(f"[yellow]Warning:[/] {msg}", highlight=False))


@app.command("show")
def show(
    article: Annotated[str, typer.Argument(help="One article: a .txt or .json file.")],
    html: Annotated[Path, typer.Option("--html", help="Write the highlighted article to this HTML file.")],
) -> None:
    """Write one article with its quotes highlighted as a self-contained HTML file (no database)."""
    from quotes.cli import quote_record
    from quotes.read import find_inputs, read_path
    from quotes.web.app import standalone_article
    from quotes.web.article import marks_from_records

    find_inputs([article])  # fail early on a missing path, before loading the model
    articles = list(read_path(article))
    result = next(iter(make_extractor().extract(articles)))
    marks = marks_from_records([quote_record(q) for q in result.quotes])
    page = standalone_article(result.article.title or article, result.article.text, marks)
    try:
        html.write_text(page, encoding="utf-8")
    except OSError as exc:
        from quotes.errors import InputError

        raise InputError(f"cannot write {html}: {exc.strerror}") from exc
