"""`quotes golden add|check|update` and `quotes evaluate`: thin wrappers over golden.py and evaluate.py.

Registered on `quotes.cli.app` by the import at the end of quotes/cli.py.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable, Iterator, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Protocol

import typer

from quotes.cli import ModelOpt, app, err, result_record
from quotes.errors import InputError
from quotes.evaluate import AnnotatedArticle
from quotes.types import Article, ArticleQuotes


class ExtractorLike(Protocol):
    def extract(self, articles: Iterable[Article]) -> Iterator[ArticleQuotes]: ...


def load_extractor(model_dir: Path | None = None) -> ExtractorLike:
    """The loaded French pipeline (tests replace this function to share one or to fake one)."""
    from quotes.extract.pipeline import Extractor

    return Extractor(warn=lambda msg: err.print(f"[yellow]Warning:[/] {msg}", highlight=False), model_dir=model_dir)


golden_app = typer.Typer(
    name="golden",
    help="The golden regression suite: articles with the quotes the tool is expected to find.",
    no_args_is_help=True,
)
app.add_typer(golden_app, name="golden")

ArticlesOpt = Annotated[Path, typer.Option("--articles", help="Directory of golden articles (ID.txt or ID.json).")]
ExpectedOpt = Annotated[Path, typer.Option("--expected", help="Directory of expected files (ID.yml).")]
IdsArg = Annotated[
    list[str] | None, typer.Argument(help="Golden article ids (file names without extension); all when none.")
]
DEFAULT_ARTICLES = Path("golden/articles")
DEFAULT_EXPECTED = Path("golden/expected")


def _read_one(path: Path) -> Article:
    from quotes.read import read_path

    return next(read_path(str(path)))


@golden_app.command("add")
def golden_add(
    files: Annotated[list[Path], typer.Argument(help="Article files (.txt or .json) to add to the suite.")],
    case_id: Annotated[
        str | None, typer.Option("--id", help="Id of the new golden article (default: the file name).")
    ] = None,
    articles: ArticlesOpt = DEFAULT_ARTICLES,
    expected: ExpectedOpt = DEFAULT_EXPECTED,
) -> None:
    """Copy articles into the suite, write their expected files from the current output, print it."""
    from quotes.golden import GoldenSuite, golden_record, render_record, write_expected

    if case_id is not None and len(files) > 1:
        raise InputError("--id names one article: pass a single FILE with --id")
    suite = GoldenSuite(articles, expected)
    cases = []
    for src in files:
        if not src.is_file():
            raise InputError(f"{src}: no such file")
        cases.append(suite.destination(src, case_id))
    ids = [c.id for c in cases]
    if len(set(ids)) < len(ids):
        raise InputError(f"two of the files would get the same id ({ids}); add them one at a time with --id")
    inputs = [_read_one(src) for src in files]  # fails on bad input before loading the model
    results = list(load_extractor().extract(inputs))
    for src, case, result in zip(files, cases, results, strict=True):
        case.article.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, case.article)
        record = golden_record(result)
        write_expected(case.expected, record)
        typer.echo(render_record(case.id, record))
        typer.echo(f"  added {case.article}, wrote {case.expected}")
    typer.echo(
        "Review the quotes above. Where the tool is wrong, correct the expected file by hand: "
        "`quotes golden check` then shows what it still gets wrong."
    )


@golden_app.command("check")
def golden_check(
    ids: IdsArg = None,
    articles: ArticlesOpt = DEFAULT_ARTICLES,
    expected: ExpectedOpt = DEFAULT_EXPECTED,
) -> None:
    """Run the golden articles and print the quotes gained, lost and changed; exit 1 when anything changed."""
    from quotes.golden import GoldenSuite, check_results, render_diff, require_expected

    suite = GoldenSuite(articles, expected)
    cases = suite.cases(ids or [])
    require_expected(cases)
    inputs = [_read_one(c.article) for c in cases]
    report = check_results(cases, load_extractor().extract(inputs))
    for diff in report.diffs:
        typer.echo(render_diff(diff))
    typer.echo(report.summary())
    where = (
        ""
        if (articles, expected) == (DEFAULT_ARTICLES, DEFAULT_EXPECTED)
        else (f" --articles {articles} --expected {expected}")
    )
    orphans = [] if ids else suite.orphans()
    for path in orphans:
        typer.echo(f"{path}: no article {path.stem!r} in {suite.articles}; delete it or restore the article")
    if not report.ok:
        changed = " ".join(d.id for d in report.diffs if not d.ok)
        typer.echo(f"If these changes are right, accept them with: quotes golden update {changed}{where}")
    if orphans or not report.ok:
        raise typer.Exit(code=1)


@golden_app.command("update")
def golden_update(
    ids: IdsArg = None,
    articles: ArticlesOpt = DEFAULT_ARTICLES,
    expected: ExpectedOpt = DEFAULT_EXPECTED,
) -> None:
    """Accept the current output: rewrite the expected files (all, or the ids given)."""
    from quotes.errors import QuotesError
    from quotes.golden import (
        GoldenSuite,
        diff_records,
        golden_record,
        load_expected,
        render_record,
        write_expected,
    )

    suite = GoldenSuite(articles, expected)
    cases = suite.cases(ids or [])
    inputs = [_read_one(c.article) for c in cases]
    results = load_extractor().extract(inputs)
    for case, result in zip(cases, results, strict=True):
        record = golden_record(result)
        if case.expected.is_file():
            try:
                before = load_expected(case.expected, case.id)
            except QuotesError:
                typer.echo(f"{case.id}: unreadable expected file replaced")
            else:
                diff = diff_records(case.id, before, record, case.expected.read_bytes())
                typer.echo(diff.summary() if diff.ok else f"{diff.summary()} (accepted)")
        else:
            typer.echo(render_record(case.id, record) + "\n  (new expected file)")
        write_expected(case.expected, record)
    typer.echo(f"{len(cases)} expected file{'s' if len(cases) != 1 else ''} written in {expected}")


class OverlapMode(StrEnum):
    jaccard = "jaccard"
    coverage = "coverage"


@app.command("evaluate")
def evaluate_command(
    annotated_dirs: Annotated[
        list[Path], typer.Argument(help="Directories of annotated articles (*.json, as in the shared corpus).")
    ],
    errors: Annotated[
        bool, typer.Option("--errors", help="List the missed quotes, spurious quotes and wrong speakers.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as one JSON object.")] = False,
    overlap: Annotated[
        OverlapMode,
        typer.Option(help="jaccard: spans overlap by half or more; coverage: 0.3 of the annotated span."),
    ] = OverlapMode.jaccard,
    predictions: Annotated[
        Path | None,
        typer.Option(help="Score these predictions (JSON Lines, `quotes extract -f jsonl`), do not extract."),
    ] = None,
    save_predictions: Annotated[
        Path | None, typer.Option(help="Also write the predictions made, as JSON Lines.")
    ] = None,
    model: ModelOpt = None,
    cross_validate: Annotated[
        int,
        typer.Option(
            "--cross-validate",
            help="K: train the speaker scorer on K-1 folds of these articles (by article) and score the held-out fold.",
        ),
    ] = 0,
) -> None:
    """Precision, recall and F1 of detection, speaker accuracy and end-to-end F1 on annotated articles."""
    from quotes.evaluate import evaluate, predictions_from_results, read_annotated, read_predictions

    gold = [a for d in annotated_dirs for a in read_annotated(d)]
    if cross_validate:
        if predictions is not None or model is not None:
            raise InputError("--cross-validate trains its own models: drop --predictions and --model")
        _cross_validate(gold, cross_validate, errors, as_json, save_predictions)
        return
    if predictions is not None:
        if save_predictions is not None:
            raise InputError("--save-predictions writes extracted predictions: drop it with --predictions")
        preds = read_predictions(predictions)
    else:
        results = list(load_extractor(model).extract([g.article for g in gold]))
        if save_predictions is not None:
            _write_jsonl(save_predictions, results)
        preds = predictions_from_results([g.id for g in gold], results)
    evaluation = evaluate(gold, preds, overlap.value)
    if errors:
        for e in evaluation.errors:
            typer.echo(e.line())
    if as_json:
        typer.echo(json.dumps(evaluation.as_dict(), ensure_ascii=False))
    else:
        typer.echo(evaluation.report())


def _cross_validate(
    gold: Sequence[AnnotatedArticle], k: int, errors: bool, as_json: bool, save_predictions: Path | None
) -> None:
    from quotes.extract.pipeline import Extractor
    from quotes.train import analyse_annotated, check_folds, cross_validate

    check_folds(k, len(gold))  # before loading the model
    extractor = Extractor(warn=lambda msg: err.print(f"[yellow]Warning:[/] {msg}", highlight=False), use_scorer=False)
    cv = cross_validate(analyse_annotated(extractor, gold), k)
    if save_predictions is not None:
        _write_jsonl(save_predictions, cv.results)
    if errors:
        for e in cv.evaluation.errors:
            typer.echo(e.line())
    if as_json:
        typer.echo(json.dumps({"folds": k, **cv.evaluation.as_dict()}, ensure_ascii=False))
    else:
        typer.echo(cv.report())


def _write_jsonl(path: Path, results: Sequence[ArticleQuotes]) -> None:
    try:
        with path.open("w", encoding="utf-8") as out:
            for r in results:
                out.write(json.dumps(result_record(r), ensure_ascii=False) + "\n")
    except OSError as exc:
        raise InputError(f"{path}: cannot write predictions ({exc.strerror})") from exc
