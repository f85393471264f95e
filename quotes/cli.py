"""The command line: thin wrappers over the library. Only this module prints and exits."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from quotes.errors import InputError, QuotesError
from quotes.types import Article, ArticleQuotes

app = typer.Typer(
    name="quotes",
    help="Who said what in French news: find quotations, name their speakers, store and search them.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True)


WorkersOpt = Annotated[
    int, typer.Option(min=1, help="Processes extracting at once, each loading the pipeline (output order kept).")
]
ModelOpt = Annotated[
    Path | None,
    typer.Option("--model", help="Model directory made by `quotes train` (default: the one shipped with quotes)."),
]


class ExtractFormat(StrEnum):
    table = "table"
    jsonl = "jsonl"
    json = "json"


def quote_record(q: object) -> dict[str, object]:
    from quotes.types import Quote

    assert isinstance(q, Quote)
    return {
        "text": q.text,
        "start": q.start,
        "end": q.end,
        "kind": q.kind,
        "speaker": q.speaker,
        "speaker_mention": q.speaker_mention,
        "cue": q.cue,
        "confidence": round(q.confidence, 3),
        "attribution": q.attribution,
        "speaker_role": q.speaker_role,
        "evidence": q.evidence,
        "said_on": q.said_on,
        "venue": q.venue,
    }


def result_record(result: ArticleQuotes) -> dict[str, object]:
    return {"path": result.article.path, "quotes": [quote_record(q) for q in result.quotes]}


def print_table(result: ArticleQuotes, console: Console) -> None:
    if not result.quotes:
        console.print(f"{result.article.path}: no quotation found")
        return
    from rich.text import Text

    from quotes.export import french_date, table_quote

    # Readable from 80 columns up: every column wraps (a name folds rather than being cut), the
    # kind goes under the cue and the venue under the date, which keeps its width.
    table = Table(title=Text(result.article.path), show_lines=True, expand=True)
    table.add_column("speaker", style="bold", ratio=3, overflow="fold")
    table.add_column("quote", ratio=5, overflow="fold")
    table.add_column("cue, kind", ratio=2, overflow="fold")
    table.add_column("said, where", max_width=14, overflow="fold")
    table.add_column("conf.", justify="right", no_wrap=True, min_width=5)
    for q in result.quotes:
        if q.speaker:
            speaker = q.speaker
        elif q.speaker_mention:
            speaker = f"? ({q.speaker_mention})"
        else:
            speaker = "?"
        how = "\n".join(p for p in (q.cue, q.kind) if p)
        when = "\n".join(p for p in (french_date(q.said_on), q.venue) if p)
        table.add_row(Text(speaker), Text(table_quote(q.text, q.kind)), Text(how), Text(when), f"{q.confidence:.2f}")
    console.print(table)


@app.command()
def extract(
    paths: Annotated[
        list[str],
        typer.Argument(help="Articles: .txt or .json files, directories (recursively), or - for stdin."),
    ],
    format: Annotated[
        ExtractFormat, typer.Option("--format", "-f", help="table (readable), jsonl (one line per article) or json.")
    ] = ExtractFormat.table,
    model: ModelOpt = None,
    workers: WorkersOpt = 1,
    budget: Annotated[
        float, typer.Option(min=0, help="Seconds one article may take before it is skipped (0: no limit).")
    ] = 300,
) -> None:
    """Find every quotation in French news articles and name who said it."""
    from quotes.read import find_inputs, read_inputs

    find_inputs(paths)  # fail early on a missing path, before loading the model
    out = Console(highlight=False, soft_wrap=True)
    collected: list[dict[str, object]] = []
    for result in _extracted(read_inputs(paths), model, workers, budget):
        if format is ExtractFormat.jsonl:
            sys.stdout.write(json.dumps(result_record(result), ensure_ascii=False) + "\n")
            sys.stdout.flush()
        elif format is ExtractFormat.json:
            collected.append(result_record(result))
        else:
            print_table(result, out)
    if format is ExtractFormat.json:
        sys.stdout.write(json.dumps(collected, ensure_ascii=False, indent=2) + "\n")


def _extracted(articles: Iterable[Article], model: Path | None, workers: int, budget: float) -> Iterator[ArticleQuotes]:
    """Each article's quotes in input order, from this process or from `workers` processes; an
    article over the time budget is one "Skipped:" line (as in `quotes ingest`) and the run goes on."""
    if workers == 1 and not budget:
        from quotes.extract.pipeline import Extractor

        warn = lambda msg: err.print(f"[yellow]Warning:[/] {msg}", highlight=False)  # noqa: E731
        yield from Extractor(warn=warn, model_dir=model).extract(articles)
        return
    from quotes.parallel import Failed, extract_in_workers

    for result in extract_in_workers(articles, workers, model, budget):
        if isinstance(result, Failed):
            if not result.skip:
                raise InputError(f"{result.article.path}: {result.reason}")
            err.print(f"Skipped: {result.article.path}: {result.reason}", markup=False, highlight=False, soft_wrap=True)
            continue
        yield result


def _print_version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"quotes {version('quotes')}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Who said what in French news: find quotations, name their speakers, store and search them."""


def main() -> None:
    """The one error path: usage errors get Typer's own message and exit 2 (standalone mode);
    library errors become `Error: <message>` on stderr and exit 1; never a traceback."""
    try:
        app()
    except QuotesError as exc:
        fail(str(exc))
    except RecursionError:
        fail("input is nested too deeply to read")
    except OSError as exc:
        fail(f"{exc.filename or 'input/output'}: {exc.strerror or exc}")


def fail(message: str) -> None:
    """`Error: message` on stderr (one line) and exit code 1."""
    err.print(f"Error: {message}", highlight=False, markup=False, soft_wrap=True)
    sys.exit(1)


from quotes import cli_db as _cli_db  # noqa: E402,F401
from quotes import cli_golden as _cli_golden  # noqa: E402,F401
from quotes import cli_serve as _cli_serve  # noqa: E402,F401
from quotes import cli_train as _cli_train  # noqa: E402,F401
