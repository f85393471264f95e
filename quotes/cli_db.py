"""The database commands: ingest, search, speakers, speaker, export. Thin wrappers over the library.

Registered on `quotes.cli.app` (quotes/cli.py imports this module last). Every library error
becomes one line `Error: …` on stderr and exit code 1, here, so that the commands behave the same
under `quotes` and under a test runner.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from quotes.cli import ModelOpt, WorkersOpt, app
from quotes.errors import InputError, QuotesError

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="SQLite file or postgresql:// URL. Default: $QUOTES_DB, else quotes.db in the user data folder.",
        show_default=False,
    ),
]


def _stderr() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def _stdout() -> Console:
    return Console(highlight=False, soft_wrap=True)


@contextmanager
def errors() -> Iterator[None]:
    """Library errors -> `Error: message` on stderr, exit code 1."""
    import sqlalchemy as sa

    try:
        yield
    except QuotesError as exc:
        _stderr().print(f"Error: {exc}", markup=False)
        raise typer.Exit(1) from None
    except sa.exc.SQLAlchemyError as exc:  # a database that breaks half-way (corrupt pages, lost server)
        from quotes.db import storage_error

        _stderr().print(f"Error: {storage_error(exc, 'database error')}", markup=False)
        raise typer.Exit(1) from None


# ---------------------------------------------------------------------------------------------
# ingest


def make_extractor(model_dir: Path | None = None) -> Any:
    """The loaded extraction pipeline (a function so that tests can hand in the session's one)."""
    from quotes.extract.pipeline import Extractor

    return Extractor(warn=lambda msg: _stderr().print(f"Warning: {msg}", markup=False), model_dir=model_dir)


@app.command()
def ingest(
    paths: Annotated[
        list[str],
        typer.Argument(
            help="Articles: .txt .json .jsonl .html .warc(.gz) files, directories (recursively), - for stdin."
        ),
    ],
    db: DbOption = None,
    url: Annotated[str | None, typer.Option(help="URL of the article (one input only).")] = None,
    outlet: Annotated[str | None, typer.Option(help="Outlet that published it, for inputs that do not say.")] = None,
    published: Annotated[
        str | None, typer.Option(help="Publication date YYYY-MM-DD, for inputs that do not say.")
    ] = None,
    title: Annotated[str | None, typer.Option(help="Title of the article (one input only).")] = None,
    author: Annotated[str | None, typer.Option(help="Author (byline), for inputs that do not say.")] = None,
    model: ModelOpt = None,
    budget: Annotated[
        float, typer.Option(min=0, help="Seconds one article may take before it is skipped (0: no limit).")
    ] = 300,
    workers: WorkersOpt = 1,
    scheduler: Annotated[
        str | None,
        typer.Option(
            help="Extract on a Dask cluster: its scheduler's address, e.g. tcp://HOST:8786 (see README).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Store the attributed quotes of articles in the speaker database (same article twice: stored once)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from quotes.db import open_db
    from quotes.ingest import Ingestor
    from quotes.parallel import Extracted, extract_entries, store_entries
    from quotes.read import find_ingest_inputs, read_items
    from quotes.search import check_date
    from quotes.types import Article

    with errors():
        check_date(published, "--published")
        if scheduler is not None and workers > 1:
            raise InputError("--workers runs processes on this machine, --scheduler on a cluster: give one of them")
        if scheduler is not None:
            from quotes.cluster import check_address

            check_address(scheduler)
        inputs = find_ingest_inputs(paths)
        if (url or title) and (len(inputs) > 1 or any(p.lower().endswith((".jsonl", ".warc", ".gz")) for p in inputs)):
            flag = "--url" if url else "--title"
            raise InputError(f"{flag} names one article; give a single article file with it")
        defaults = {
            k: v for k, v in dict(url=url, outlet=outlet, published=published, title=title, author=author).items() if v
        }
        engine = open_db(db)
        ingestor = Ingestor(engine)
        console = _stderr()
        with Progress(
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=console,
            transient=True,
            disable=not console.is_terminal,  # a bar only where a person watches
        ) as progress:
            task = progress.add_task("Ingesting", total=len(inputs))

            def read_all() -> Iterator[Extracted]:
                for path in inputs:
                    for item in read_items([path], defaults=defaults):
                        known = ingestor.skip_known(item) if isinstance(item, Article) else None  # no NLP
                        yield Extracted(path, item, known=known)
                    progress.advance(task)

            if scheduler is not None:
                from quotes.cluster import WRITE_BATCH, extract_on_cluster

                entries = extract_on_cluster(read_all(), scheduler, model, budget)
                stored = store_entries(ingestor, entries, WRITE_BATCH)
            else:
                entries = extract_entries(read_all(), workers, model, budget, local=lambda: make_extractor(model))
                stored = store_entries(ingestor, entries)
            for _entry, outcome in stored:
                if outcome.status == "failed":
                    reason = outcome.reason
                    where = "" if reason.startswith(outcome.path) else f"{outcome.path}: "
                    progress.console.print(f"Failed: {where}{reason}", markup=False)
                elif outcome.status == "skipped":
                    progress.console.print(f"Skipped: {outcome.path}: {outcome.reason}", markup=False)
        engine.dispose()
        summary = ingestor.summary
        _stdout().print(summary.line(), markup=False)
        if summary.failed and not summary.stored and not summary.skipped:
            raise InputError(f"no article could be stored ({len(summary.failed)} failed)")
        if summary.failed:  # the others are stored; the run still failed (exit 1)
            raise InputError(f"{len(summary.failed)} of {summary.read} articles failed (listed above)")


# ---------------------------------------------------------------------------------------------
# search and export


class SearchFormat(StrEnum):
    table = "table"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"


class ExportFormat(StrEnum):
    csl_json = "csl-json"
    bibtex = "bibtex"
    ris = "ris"
    csv = "csv"
    markdown = "markdown"
    citation = "citation"
    text = "text"
    annotations = "annotations"


SpeakerOpt = Annotated[
    str | None,
    typer.Option("--speaker", "-s", help="Speaker name or alias (case, accents, misspellings forgiven)."),
]
TextOpt = Annotated[str | None, typer.Option("--text", "-t", help="Words the quote contains (full text).")]
SinceOpt = Annotated[str | None, typer.Option(help="Said on or after this date (YYYY-MM-DD, YYYY-MM or YYYY).")]
UntilOpt = Annotated[str | None, typer.Option(help="Said on or before this date (YYYY-MM-DD, YYYY-MM or YYYY).")]
OutletOpt = Annotated[str | None, typer.Option(help="Outlet name contains this.")]
VenueOpt = Annotated[str | None, typer.Option(help='Venue contains this ("BFM", "communiqué", "sommet").')]
KindOpt = Annotated[str | None, typer.Option(help="direct, mixed or indirect.")]


def _filters(**kw: Any) -> Any:
    from quotes.search import Filters

    return Filters(**kw)


def _run_search(filters: Any, db: str | None) -> Any:
    from quotes.db import open_db
    from quotes.search import check_filters, search

    check_filters(filters)  # bad arguments are told before a missing database
    engine = open_db(db, write=False)
    try:
        result = search(engine, filters)
    finally:
        engine.dispose()
    match = result.speaker_match
    if match is not None:
        names = ", ".join(s.name for s in match.speakers)
        how = {"alias": "alias", "surname": "surname", "fuzzy": f"closest name, {match.score:.0f}%"}[match.how]
        _stderr().print(f"Speaker {match.query!r}: {names} (matched {match.matched!r}, {how})", markup=False)
    for note in result.notes:
        _stderr().print(f"Note: {note}", markup=False)
    if not result.hits:
        _stderr().print("No quotes match.", markup=False)
    return result


def hit_record(hit: Any) -> dict[str, Any]:
    record = asdict(hit)
    record["sources"] = [{k: v for k, v in s.items() if v is not None and k != "source_id"} for s in record["sources"]]
    return record


@app.command("search")
def search_cmd(
    speaker: SpeakerOpt = None,
    text: TextOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    outlet: OutletOpt = None,
    venue: VenueOpt = None,
    kind: KindOpt = None,
    limit: Annotated[int, typer.Option(help="At most this many quotes, latest first.")] = 20,
    format: Annotated[
        SearchFormat, typer.Option("--format", "-f", help="table, json, jsonl or csv.")
    ] = SearchFormat.table,
    db: DbOption = None,
) -> None:
    """Search stored quotes by speaker, words, date said, outlet, venue and kind."""
    from rich.text import Text

    from quotes.export import export_csv, french_date, table_quote

    with errors():
        filters = _filters(
            speaker=speaker,
            text=text,
            since=since,
            until=until,
            outlet=outlet,
            venue=venue,
            kind=kind,
            limit=limit,
        )
        result = _run_search(filters, db)
        hits = result.hits
        if format is SearchFormat.json:
            sys.stdout.write(json.dumps([hit_record(h) for h in hits], ensure_ascii=False, indent=2) + "\n")
        elif format is SearchFormat.jsonl:
            for h in hits:
                sys.stdout.write(json.dumps(hit_record(h), ensure_ascii=False) + "\n")
        elif format is SearchFormat.csv:
            sys.stdout.write(export_csv(hits))
        elif hits:
            # Readable from 80 columns up: every column wraps (a name or URL folds at any character
            # rather than being cut), the venue goes under the date, which keeps its width.
            table = Table(show_lines=True, expand=True)
            table.add_column("said, where", max_width=14, overflow="fold")
            table.add_column("speaker", style="bold", ratio=3, overflow="fold")
            table.add_column("quote", ratio=5, overflow="fold")
            table.add_column("source", ratio=3, overflow="fold")
            for h in hits:
                src = h.primary
                where = "\n".join(p for p in (src.outlet if src else None, src.url if src else None) if p)
                if len(h.sources) > 1:
                    where += f" (+{len(h.sources) - 1})"
                when = "\n".join(p for p in (french_date(h.said_on), src.venue if src else None) if p)
                table.add_row(
                    Text(when),
                    Text((h.speaker or "?") + ("\n(corrected)" if h.corrections else "")),
                    Text(table_quote(h.text, h.kind)),
                    Text(where),
                )
            _stdout().print(table)


@app.command("export")
def export_cmd(
    format: Annotated[
        ExportFormat,
        typer.Option(
            "--format",
            "-f",
            help="csl-json, bibtex, ris, csv, markdown, citation, text, or annotations (whole articles, "
            "corrections applied, as annotated-corpus files for `quotes train`: -o DIR).",
        ),
    ] = ExportFormat.csl_json,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write to this file (a directory for annotations) instead of stdout."),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace the --output file (annotations: the files) if it exists.")
    ] = False,
    speaker: SpeakerOpt = None,
    text: TextOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    outlet: OutletOpt = None,
    venue: VenueOpt = None,
    kind: KindOpt = None,
    limit: Annotated[int | None, typer.Option(help="At most this many quotes, latest first.")] = None,
    per_quote: Annotated[
        bool, typer.Option("--per-quote", help="csl-json, bibtex, ris: one item per quote, not per article.")
    ] = False,
    db: DbOption = None,
) -> None:
    """Export quotes as citations (CSL-JSON, biblatex, RIS, CSV, Markdown, French citation lines, ISO 690),
    or the stored articles as annotated corpus (--format annotations -o DIR)."""
    from quotes.export import export

    with errors():
        if format is ExportFormat.annotations:
            options: dict[str, object] = dict(speaker=speaker, text=text, since=since, until=until, outlet=outlet)
            options.update(venue=venue, kind=kind, limit=limit, per_quote=per_quote)
            given = [f"--{name.replace('_', '-')}" for name, value in options.items() if value]
            _export_annotations(output, force, given, db)
            return
        if output is not None and output.is_dir():
            raise InputError(f"cannot write {output}: it is a directory (a directory is for --format annotations)")
        if output is not None and (output.exists() or output.is_symlink()) and not force:
            raise InputError(f"{output} exists; use --force to replace it")
        filters = _filters(
            speaker=speaker,
            text=text,
            since=since,
            until=until,
            outlet=outlet,
            venue=venue,
            kind=kind,
            limit=limit,
        )
        result = _run_search(filters, db)
        content = export(result.hits, format.value, per_quote=per_quote)
        if output is None:
            sys.stdout.write(content)
            return
        from quotes.db import resolve_target
        from quotes.files import write_atomic

        write_atomic(output, content, protect=resolve_target(db).sqlite_path)
        _stderr().print(f"Wrote {len(result.hits)} quote(s) to {output}", markup=False)


def _export_annotations(output: Path | None, force: bool, given: list[str], db: str | None) -> None:
    """`export --format annotations -o DIR`: one annotated-corpus file per stored article."""
    from quotes.db import open_db
    from quotes.export import export_annotations
    from quotes.files import write_atomic

    if given:
        raise InputError(
            f"--format annotations writes whole articles with all their quotes; {', '.join(given)} cannot apply"
        )
    if output is None:
        raise InputError("--format annotations writes one file per article: give the directory with -o DIR")
    if output.exists() and not output.is_dir():
        raise InputError(f"{output} is not a directory; --format annotations writes one file per article into one")
    if not output.exists() and not output.parent.is_dir():
        raise InputError(f"cannot write {output}: directory {output.parent} does not exist")
    engine = open_db(db, write=False)
    try:
        result = export_annotations(engine)
    finally:
        engine.dispose()
    clash = sorted(name for name in result.files if (output / name).exists())
    if clash and not force:
        raise InputError(
            f"{output} already holds {len(clash)} of these files ({clash[0]}, …); use --force to replace them"
        )
    console = _stderr()
    for note in result.notes:
        console.print(f"Note: {note}", markup=False)
    if not result.files:
        raise InputError("no stored article has its text to export (ingest articles first)")
    try:
        output.mkdir(exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create {output}: {exc.strerror}") from exc
    for name, content in result.files.items():
        write_atomic(output / name, content)
    console.print(
        f"Wrote {len(result.files)} annotated article(s) to {output}: {result.quotes} quote(s), "
        f"{result.not_quotes} not-quote(s)",
        markup=False,
    )


# ---------------------------------------------------------------------------------------------
# speakers


class SpeakersFormat(StrEnum):
    table = "table"
    json = "json"


speakers_app = typer.Typer(
    help="List speakers (no subcommand), or correct them: merge, rename.", invoke_without_command=True
)
app.add_typer(speakers_app, name="speakers")


@speakers_app.callback()
def speakers_cmd(
    ctx: typer.Context,
    limit: Annotated[int | None, typer.Option(help="At most this many speakers, most quoted first.")] = None,
    format: Annotated[SpeakersFormat, typer.Option("--format", "-f", help="table or json.")] = SpeakersFormat.table,
    db: DbOption = None,
) -> None:
    """List speakers with their number of quotes, aliases and roles; `merge` and `rename` correct them."""
    from sqlmodel import Session

    if ctx.invoked_subcommand is not None:
        return

    from quotes.db import open_db
    from quotes.speakers import list_speakers

    with errors():
        engine = open_db(db, write=False)
        with Session(engine) as session:
            rows = list_speakers(session, limit)
        engine.dispose()
        if format is SpeakersFormat.json:
            sys.stdout.write(json.dumps([asdict(r) for r in rows], ensure_ascii=False, indent=2) + "\n")
            return
        if not rows:
            _stderr().print("No speakers yet: store quotes with `quotes ingest`.", markup=False)
            return
        table = Table(expand=True)
        table.add_column("id", justify="right", no_wrap=True)
        table.add_column("speaker", style="bold")
        table.add_column("quotes", justify="right")
        table.add_column("aliases")
        table.add_column("roles")
        for r in rows:
            table.add_row(str(r.id), r.name, str(r.quotes), ", ".join(r.aliases), ", ".join(r.roles))
        _stdout().print(table)


@app.command("speaker")
def speaker_cmd(
    name: Annotated[str, typer.Argument(help="Speaker name or alias (case, accents, misspellings forgiven).")],
    limit: Annotated[int, typer.Option(help="How many of the latest quotes to show.")] = 10,
    db: DbOption = None,
) -> None:
    """Show one speaker: aliases, roles and latest quotes."""
    from sqlmodel import Session

    from quotes.corrections import describe, speaker_corrections
    from quotes.db import open_db
    from quotes.export import citation_line
    from quotes.search import speaker_quotes
    from quotes.speakers import speaker_summary

    with errors():
        engine = open_db(db, write=False)
        match, hits = speaker_quotes(engine, name, limit)
        with Session(engine) as session:
            summary = speaker_summary(session, match.speakers[0])
            corrected = [describe(c) for c in speaker_corrections(session, summary.id) if c.kind != "speaker"]
        engine.dispose()
        out = _stdout()
        out.print(f"{summary.name} — {summary.quotes} quote{'s' * (summary.quotes != 1)}", markup=False)
        if match.how != "alias":
            out.print(f"(matched {name!r} by {match.how}: {match.matched!r})", markup=False)
        if summary.aliases:
            out.print("Aliases: " + ", ".join(summary.aliases), markup=False)
        if summary.roles:
            out.print("Roles: " + ", ".join(summary.roles), markup=False)
        if corrected:
            out.print("Corrections: " + "; ".join(corrected), markup=False)
        for h in hits:
            out.print("  " + citation_line(h), markup=False)
            for line in h.corrections:
                out.print("    corrected " + line, markup=False)


# The desk commands add `speakers merge|rename` to this module's `speakers` group, so they are
# registered once it is complete (here rather than in quotes/cli.py, which imports this module).
from quotes import cli_desk as _cli_desk  # noqa: E402,F401
