"""`quotes serve`: the newsroom web page over a database. A thin wrapper over quotes.web.

Registered on `quotes.cli.app` by the import at the end of quotes/cli.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from quotes.cli import app


@app.command("serve")
def serve(
    db: Annotated[str | None, typer.Option("--db", help="Database file or URL (default: QUOTES_DB).")] = None,
    host: Annotated[str, typer.Option(help="Address to listen on (only this machine by default).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
) -> None:
    """Serve search, speaker and article pages over the database (read-only)."""
    import uvicorn

    from quotes.db import open_db
    from quotes.web.app import create_app

    engine = open_db(db, write=False)
    try:
        uvicorn.run(create_app(engine), host=host, port=port, log_level="info")
    finally:
        engine.dispose()


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
