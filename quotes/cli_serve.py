"""`quotes serve`: the newsroom web page over a database. A thin wrapper over quotes.web.

Registered on `quotes.cli.app` by the import at the end of quotes/cli.py.
"""

from __future__ import annotations

from typing import Annotated

import typer

from quotes.cli import app
from quotes.cli_db import DbOption


@app.command("serve")
def serve(
    db: DbOption = None,
    host: Annotated[str, typer.Option(help="Address to listen on (only this machine by default).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
) -> None:
    """Serve search, speaker and article pages over the database (read-only)."""
    import uvicorn

    from quotes.db import open_db
    from quotes.web.app import create_app

    engine = open_db(db, create=False)
    try:
        uvicorn.run(create_app(engine), host=host, port=port, log_level="info")
    finally:
        engine.dispose()
