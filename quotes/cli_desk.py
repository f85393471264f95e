"""The journalist's desk: `quotes correct`, `quotes speakers merge|rename`, `quotes source`.

Thin wrappers over quotes/corrections.py, registered on `quotes.cli.app` (and on the `speakers`
group of quotes/cli_db.py). Each correction is one transaction: an error changes nothing.
"""

from __future__ import annotations

from typing import Annotated

import typer

from quotes.cli import app
from quotes.cli_db import DbOption, _stdout, errors, speakers_app


def _run(db: str | None, change: object) -> None:
    from quotes.corrections import describe, speaker_names
    from quotes.db import open_db, session_scope

    engine = open_db(db, create=False)
    try:
        with session_scope(engine) as session:
            assert callable(change)
            correction = change(session)
            ids = [int(v) for v in (correction.previous, correction.value) if v and v.isdigit()]
            line = describe(correction, speaker_names(session, ids))
    finally:
        engine.dispose()
    _stdout().print(f"Corrected: {line}", markup=False)


@app.command("correct")
def correct_cmd(
    quote_id: Annotated[int, typer.Argument(help="Quote id (the quote_id of `quotes search --format json`).")],
    speaker: Annotated[str | None, typer.Option("--speaker", help="Give the quote to this stored speaker.")] = None,
    new: Annotated[
        bool, typer.Option("--new", help="With --speaker: create the speaker if none has the name.")
    ] = False,
    not_a_quote: Annotated[
        bool, typer.Option("--not-a-quote", help="Hide it from search and export (it stays stored).")
    ] = False,
    db: DbOption = None,
) -> None:
    """Correct a stored quote: its speaker, or that it is no quote at all. Survives re-ingest."""
    from quotes.corrections import mark_not_quote, reassign_speaker

    if (speaker is None) == (not not_a_quote):
        raise typer.BadParameter("give exactly one of --speaker NAME or --not-a-quote")
    with errors():
        if speaker is not None:
            _run(db, lambda s: reassign_speaker(s, quote_id, speaker, create=new))
        else:
            _run(db, lambda s: mark_not_quote(s, quote_id))


@speakers_app.command("merge")
def merge_cmd(
    keep: Annotated[int, typer.Argument(help="Id of the speaker to keep (ids: `quotes speakers`).")],
    other: Annotated[int, typer.Argument(help="Id of the speaker who is the same person; it goes.")],
    db: DbOption = None,
) -> None:
    """Two stored speakers are one person: OTHER's quotes, aliases and roles go to KEEP."""
    from quotes.corrections import merge_speakers

    with errors():
        _run(db, lambda s: merge_speakers(s, keep, other))


@speakers_app.command("rename")
def rename_cmd(
    speaker_id: Annotated[int, typer.Argument(help="Speaker id (ids: `quotes speakers`).")],
    name: Annotated[str, typer.Argument(help="The right name.")],
    db: DbOption = None,
) -> None:
    """Give a speaker their right name (kept over names later articles give)."""
    from quotes.corrections import rename_speaker

    with errors():
        _run(db, lambda s: rename_speaker(s, speaker_id, name))


@app.command("source")
def source_cmd(
    url: Annotated[str, typer.Argument(help="The stored article's URL.")],
    outlet: Annotated[str | None, typer.Option("--outlet", help="The outlet that published it.")] = None,
    published: Annotated[
        str | None, typer.Option("--published", help="Publication date: YYYY-MM-DD, YYYY-MM or YYYY.")
    ] = None,
    title: Annotated[str | None, typer.Option("--title", help="The article's title.")] = None,
    db: DbOption = None,
) -> None:
    """Correct a stored article's outlet, publication date or title. Survives re-ingest."""
    from quotes.corrections import correct_source

    with errors():
        _run(db, lambda s: correct_source(s, url, outlet=outlet, published=published, title=title))
