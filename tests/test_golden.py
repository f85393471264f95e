"""The golden suite: one test per article of golden/articles against golden/expected/ID.yml.

A failing test prints what changed (quotes gained, lost, changed) and pytest-regressions' diff
of the YAML. `pytest --force-regen` accepts the current output, as `quotes golden update` does.
The seed articles of ../shared/corpus/dev go through the same `golden add` / `golden check`
commands in a temporary suite (their text never enters the project).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from quotes import cli_golden
from quotes.cli import app
from quotes.golden import GoldenSuite, diff_records, golden_record, load_expected, render_diff
from quotes.read import read_path
from quotes.types import ArticleQuotes

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
SUITE = GoldenSuite(GOLDEN / "articles", GOLDEN / "expected")
CASES = {case.id: case for case in SUITE.all_cases()}
SEEDS = ("seed_000", "seed_004")


@pytest.fixture(scope="module")
def golden_results(extractor: Any) -> dict[str, ArticleQuotes]:
    """Every golden article extracted once, in one batch."""
    articles = [next(read_path(str(case.article))) for case in CASES.values()]
    return dict(zip(CASES, extractor.extract(articles), strict=True))


@pytest.mark.model
@pytest.mark.parametrize("case_id", sorted(CASES))
def test_golden_article(case_id: str, golden_results: dict[str, ArticleQuotes], data_regression: Any) -> None:
    case = CASES[case_id]
    record = golden_record(golden_results[case_id])
    try:
        data_regression.check(record, fullpath=case.expected)
    except AssertionError as exc:
        readable = render_diff(
            diff_records(case_id, load_expected(case.expected, case_id), record, case.expected.read_bytes())
        )
        raise AssertionError(f"{readable}\n(accept with: quotes golden update {case_id})\n\n{exc}") from None


def test_golden_suite_is_consistent() -> None:
    """Without the model: every article has an expected file and vice versa, and every expected
    quote is the text of its article between its offsets (hand edits keep them in step)."""
    assert len(CASES) >= 20
    expected_ids = {p.stem for p in SUITE.expected.glob("*.yml")}
    assert expected_ids == set(CASES), "articles without expected files, or expected files without articles"
    for case in CASES.values():
        text = next(read_path(str(case.article))).text
        for q in load_expected(case.expected, case.id)["quotes"]:
            assert text[q["start"] : q["end"]] == q["text"], f"{case.id}: offsets of {q['text'][:40]!r}"


def test_golden_annotations_are_the_golden_articles() -> None:
    """golden/annotated/ID.json annotates golden article ID by hand (for `quotes evaluate`): same
    text, valid offsets, and every hard case has one."""
    from quotes.evaluate import read_annotated

    annotated = {a.id: a for a in read_annotated(GOLDEN / "annotated")}
    assert set(annotated) == set(CASES)
    for case_id, case in CASES.items():
        assert annotated[case_id].article.text == next(read_path(str(case.article))).text, case_id
    assert annotated["sans_citation"].quotes == () and annotated["pas_des_citations"].quotes == ()
    assert len(annotated["pas_des_citations"].not_quotes) >= 5


@pytest.mark.model
def test_seed_articles_through_golden_add_and_check(
    shared_dir: Path, tmp_path: Path, extractor: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`golden add` then `golden check --articles --expected` on a suite kept outside the project:
    the check passes on an unchanged tool, every recorded quote is the text at its offsets, and a
    corrected expected file (one quote the tool missed) makes the check fail with a readable diff."""
    monkeypatch.setattr(cli_golden, "load_extractor", lambda model_dir=None: extractor)
    runner = CliRunner()
    suite = GoldenSuite(tmp_path / "articles", tmp_path / "expected")
    where = ["--articles", str(suite.articles), "--expected", str(suite.expected)]
    sources = [str(shared_dir / "corpus" / "dev" / f"{s}.json") for s in SEEDS]
    added = runner.invoke(app, ["golden", "add", *sources, *where])
    assert added.exit_code == 0, added.output
    assert [c.id for c in suite.all_cases()] == list(SEEDS)

    checked = runner.invoke(app, ["golden", "check", *where])
    assert checked.exit_code == 0, checked.output
    assert checked.stdout.splitlines()[-1] == "2 articles checked: 2 unchanged, 0 changed"
    for case in suite.all_cases():
        text = next(read_path(str(case.article))).text
        for q in load_expected(case.expected, case.id)["quotes"]:
            assert text[q["start"] : q["end"]] == q["text"]

    # A reviewer adds to seed_004's expected file a quote the tool does not report.
    text = next(read_path(str(suite.articles / "seed_004.json"))).text
    record = load_expected(suite.expected_path("seed_004"))
    free = next(
        i
        for i in range(len(text) - 20, 0, -1)
        if not any(q["start"] <= i + 12 and i <= q["end"] for q in record["quotes"])
    )
    record["quotes"].append(
        {
            "text": text[free : free + 12],
            "start": free,
            "end": free + 12,
            "kind": "direct",
            "speaker": "Quelqu'un",
            "speaker_mention": None,
            "cue": None,
            "said_on": None,
            "venue": None,
        }
    )
    from quotes.golden import write_expected

    write_expected(suite.expected_path("seed_004"), record)
    checked = runner.invoke(app, ["golden", "check", *where])
    assert checked.exit_code == 1
    assert "seed_004: 0 gained, 1 lost, 0 changed" in checked.stdout
    assert "seed_000: unchanged" in checked.stdout
