"""`quotes train`: fit the speaker scorer on annotated articles. A thin wrapper over train.py.

Registered on `quotes.cli.app` by the import at the end of quotes/cli.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from quotes.cli import app, err


@app.command("train")
def train_command(
    annotated_dirs: Annotated[
        list[Path], typer.Argument(help="Directories of annotated articles (*.json, as in the shared corpus).")
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="Model directory to write (created if missing).")],
    cross_validate: Annotated[
        int, typer.Option("--cross-validate", help="Also print figures cross-validated over K folds by article.")
    ] = 0,
) -> None:
    """Train the speech classifier and the speaker scorer on annotated articles; write them to a model directory."""
    from datetime import date

    from quotes.evaluate import read_annotated
    from quotes.extract.pipeline import Extractor
    from quotes.train import analyse_annotated, check_folds, fit
    from quotes.train import cross_validate as run_cross_validation

    annotated = [a for d in annotated_dirs for a in read_annotated(d)]
    if cross_validate:
        check_folds(cross_validate, len(annotated))
    quotes = sum(len(a.quotes) for a in annotated)
    if quotes == 0:
        from quotes.errors import InputError

        raise InputError("the annotated articles hold no quotes to learn from")
    err.print(f"Analysing {len(annotated)} annotated articles ({quotes} quotes)…", highlight=False)
    extractor = Extractor(warn=lambda msg: err.print(f"[yellow]Warning:[/] {msg}", highlight=False), use_scorer=False)
    examples = analyse_annotated(extractor, annotated)
    meta: dict[str, object] = {
        "trained_on": [str(d) for d in annotated_dirs],
        "articles": len(annotated),
        "annotated_quotes": quotes,
        "date": date.today().isoformat(),
    }
    cv = None
    if cross_validate:
        cv = run_cross_validation(examples, cross_validate)
        typer.echo(cv.report())
        meta["cross_validated"] = {"folds": cross_validate, **cv.evaluation.as_dict()}
    scorer = fit(examples)
    scorer.save(output, meta)
    if cv is not None:
        (output / "figures.txt").write_text(cv.report() + "\n", encoding="utf-8")
    typer.echo(f"model written to {output} ({len(annotated)} articles, {quotes} annotated quotes)")
