"""`quotes golden add|check|update` and quotes/golden.py, on hand-built results (no model).

The CLI's extractor is replaced by `FakeExtractor`, which reports every « … » of an article
as a quote said by one speaker: a test changes the speaker, or drops quotes, to play a change
of the detector, and reads what `golden check` says about it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Literal

import pytest
import yaml
from cli_helpers import run_main
from typer.testing import CliRunner

from quotes import cli_golden
from quotes.cli import app
from quotes.golden import (
    ArticleDiff,
    diff_records,
    dump_record,
    golden_record,
    load_expected,
    pair_by_overlap,
    render_diff,
)
from quotes.types import Article, ArticleQuotes, Quote

runner = CliRunner()
QUOTE = re.compile(r"«\s*(.+?)\s*»", re.S)

ARTICLE_A = (
    "Le conseil municipal de Penmarc'h a voté le budget\n\n"
    "« Nous tenons nos promesses », a déclaré lundi la maire, Anne Martin. "
    "Elle a ajouté : « Aucun impôt n'augmentera cette année. »\n"
)
ARTICLE_B = {
    "title": "La digue sera renforcée",
    "published": "2025-01-15",
    "text": "L'ingénieur Paul Durand l'a assuré : « La digue tiendra. » Les travaux dureront six mois.\n",
}


class FakeExtractor:
    """Every « … » is a direct quote of `speaker`; quotes whose words contain `drop` vanish."""

    def __init__(self, speaker: str = "Anne Martin", drop: str | None = None) -> None:
        self.speaker = speaker
        self.drop = drop
        self.coreference: Literal["coreferee", "fallback"] = "coreferee"
        self.calls = 0

    def extract(self, articles: Iterable[Article]) -> Iterator[ArticleQuotes]:
        self.calls += 1
        for art in articles:
            quotes = tuple(
                Quote(
                    text=m.group(1),
                    start=m.start(1),
                    end=m.end(1),
                    kind="direct",
                    speaker=self.speaker,
                    speaker_mention=self.speaker,
                    cue="a déclaré",
                    confidence=0.8123,
                    said_on=art.published,
                    said_on_source="publication" if art.published else None,
                )
                for m in QUOTE.finditer(art.text)
                if not (self.drop and self.drop in m.group(1))
            )
            yield ArticleQuotes(article=art, quotes=quotes, coreference=self.coreference)


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeExtractor:
    extractor = FakeExtractor()
    monkeypatch.setattr(cli_golden, "load_extractor", lambda model_dir=None: extractor)
    return extractor


@pytest.fixture
def sources(tmp_path: Path) -> Path:
    src = tmp_path / "incoming"
    src.mkdir()
    (src / "budget.txt").write_text(ARTICLE_A, encoding="utf-8")
    (src / "digue.json").write_text(json.dumps(ARTICLE_B, ensure_ascii=False), encoding="utf-8")
    return src


def suite_args(tmp_path: Path) -> list[str]:
    return ["--articles", str(tmp_path / "g" / "articles"), "--expected", str(tmp_path / "g" / "expected")]


def golden(tmp_path: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["golden", *args, *suite_args(tmp_path)])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout


# ---------------------------------------------------------------------------- the round trip


def test_add_check_update_round_trip(tmp_path: Path, sources: Path, fake: FakeExtractor) -> None:
    code, out = golden(tmp_path, "add", str(sources / "budget.txt"), str(sources / "digue.json"))
    assert code == 0, out
    articles, expected = tmp_path / "g" / "articles", tmp_path / "g" / "expected"
    # the articles are copied byte for byte, the expected files hold the current output
    assert (articles / "budget.txt").read_bytes() == (sources / "budget.txt").read_bytes()
    assert (articles / "digue.json").read_bytes() == (sources / "digue.json").read_bytes()
    budget = yaml.safe_load((expected / "budget.yml").read_text(encoding="utf-8"))
    texts = [q["text"] for q in budget["quotes"]]
    assert texts == ["Nous tenons nos promesses", "Aucun impôt n'augmentera cette année."]
    assert "confidence" not in budget["quotes"][0]
    digue = yaml.safe_load((expected / "digue.yml").read_text(encoding="utf-8"))
    assert digue["published"] == "2025-01-15" and digue["quotes"][0]["said_on"] == "2025-01-15"
    # ... and are printed for review
    assert "budget: 2 quotes" in out
    assert "« Nous tenons nos promesses »" in out
    assert "digue: 1 quote (published 2025-01-15)" in out

    code, out = golden(tmp_path, "check")
    assert code == 0, out
    assert out.splitlines()[-1] == "2 articles checked: 2 unchanged, 0 changed"

    # the detector changes: another speaker everywhere, one quote of budget no longer found
    fake.speaker, fake.drop = "Paul Durand", "impôt"
    code, out = golden(tmp_path, "check")
    assert code == 1
    assert "budget: 0 gained, 1 lost, 1 changed" in out
    assert "  - [" in out and "« Aucun impôt n'augmentera cette année. »" in out
    assert "      speaker: 'Anne Martin' → 'Paul Durand'" in out
    assert "digue: 0 gained, 0 lost, 1 changed" in out
    assert "2 articles checked: 0 unchanged, 2 changed" in out
    where = " ".join(suite_args(tmp_path))
    assert f"accept them with: quotes golden update budget digue {where}" in out

    code, out = golden(tmp_path, "update", "budget")
    assert code == 0, out
    assert "budget: 0 gained, 1 lost, 1 changed (accepted)" in out
    code, out = golden(tmp_path, "check")
    assert code == 1
    assert "budget: unchanged (1 quote)" in out and "digue: 0 gained, 0 lost, 1 changed" in out

    code, out = golden(tmp_path, "check", "budget")
    assert code == 0 and out.splitlines()[-1] == "1 article checked: 1 unchanged, 0 changed"

    fake.drop = None  # the lost quote comes back: gained
    code, out = golden(tmp_path, "check", "budget")
    assert code == 1 and "budget: 1 gained, 0 lost, 0 changed" in out and "  + [" in out

    code, _ = golden(tmp_path, "update")
    assert code == 0
    code, out = golden(tmp_path, "check")
    assert code == 0, out


def test_hand_edited_expected_file_shows_a_diff(tmp_path: Path, sources: Path, fake: FakeExtractor) -> None:
    assert golden(tmp_path, "add", str(sources / "budget.txt"))[0] == 0
    path = tmp_path / "g" / "expected" / "budget.yml"
    record = load_expected(path)
    first = record["quotes"][0]
    first["speaker"] = "Anne-Marie Martin"  # a reviewer corrects the speaker
    first["start"] += 1  # and the boundaries
    first["text"] = first["text"][1:]
    first["cue"] = "a déclaré lundi"
    path.write_bytes(dump_record(record))
    code, out = golden(tmp_path, "check")
    assert code == 1
    assert "budget: 0 gained, 0 lost, 1 changed" in out
    assert "      speaker: 'Anne-Marie Martin' → 'Anne Martin'" in out
    assert "      cue: 'a déclaré lundi' → 'a déclaré'" in out
    span = f"[{first['start']}:{first['end']}] → [{first['start'] - 1}:{first['end']}]"
    assert f"      boundaries: {span}" in out
    assert "        was « ous tenons nos promesses »" in out


def test_hand_edit_that_only_changes_the_layout(tmp_path: Path, sources: Path, fake: FakeExtractor) -> None:
    """pytest-regressions compares text: a file with the same quotes in another layout fails there,
    so `golden check` says so too, and `golden update` writes it back in the usual form."""
    assert golden(tmp_path, "add", str(sources / "budget.txt"))[0] == 0
    path = tmp_path / "g" / "expected" / "budget.yml"
    record = load_expected(path)
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")  # JSON is YAML too
    code, out = golden(tmp_path, "check")
    assert code == 1
    assert "budget: same quotes, but the file is not in the written form (hand edit?)" in out
    assert golden(tmp_path, "update")[0] == 0
    assert path.read_bytes() == dump_record(record)


def test_add_with_id_and_refusals(tmp_path: Path, sources: Path, fake: FakeExtractor) -> None:
    code, out = golden(tmp_path, "add", str(sources / "budget.txt"), "--id", "budget_2025")
    assert code == 0, out
    assert (tmp_path / "g" / "articles" / "budget_2025.txt").is_file()
    assert (tmp_path / "g" / "expected" / "budget_2025.yml").is_file()
    with pytest.raises(Exception, match=r"golden article 'budget_2025' already exists"):
        golden(tmp_path, "add", str(sources / "budget.txt"), "--id", "budget_2025")
    with pytest.raises(Exception, match="--id names one article"):
        golden(tmp_path, "add", str(sources / "budget.txt"), str(sources / "digue.json"), "--id", "x")
    with pytest.raises(Exception, match="a golden id is letters"):
        golden(tmp_path, "add", str(sources / "budget.txt"), "--id", "../evil")
    assert fake.calls == 1  # refusals come before any extraction


# ---------------------------------------------------------------------------- bad input


def test_check_with_a_missing_expected_file(
    tmp_path: Path, sources: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    arts = tmp_path / "g" / "articles"
    arts.mkdir(parents=True)
    (arts / "budget.txt").write_text(ARTICLE_A, encoding="utf-8")
    monkeypatch.setattr(cli_golden, "load_extractor", lambda model_dir=None: pytest.fail("the model must not load"))
    code, out, err = run_main(["golden", "check", *suite_args(tmp_path)], monkeypatch, capsys)
    assert (code, out) == (1, "")
    missing = tmp_path / "g" / "expected" / "budget.yml"
    assert err == f"Error: {missing}: expected file missing; run `quotes golden update budget` to write it\n"


def test_check_with_a_missing_articles_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _out, err = run_main(["golden", "check", *suite_args(tmp_path)], monkeypatch, capsys)
    assert code == 1
    assert err == f"Error: {tmp_path / 'g' / 'articles'}: no such articles directory (pass --articles DIR)\n"


def test_unknown_id_and_missing_file(
    tmp_path: Path,
    sources: Path,
    fake: FakeExtractor,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert golden(tmp_path, "add", str(sources / "budget.txt"))[0] == 0
    code, _out, err = run_main(["golden", "update", "nope", *suite_args(tmp_path)], monkeypatch, capsys)
    assert (code, err) == (1, f"Error: no golden article 'nope' in {tmp_path / 'g' / 'articles'}\n")
    code, _out, err = run_main(
        ["golden", "add", str(sources / "absent.txt"), *suite_args(tmp_path)], monkeypatch, capsys
    )
    assert (code, err) == (1, f"Error: {sources / 'absent.txt'}: no such file\n")


def test_unreadable_expected_file(
    tmp_path: Path,
    sources: Path,
    fake: FakeExtractor,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert golden(tmp_path, "add", str(sources / "budget.txt"))[0] == 0
    path = tmp_path / "g" / "expected" / "budget.yml"
    path.write_text("quotes: [start: 3\n", encoding="utf-8")
    code, _out, err = run_main(["golden", "check", *suite_args(tmp_path)], monkeypatch, capsys)
    assert code == 1 and err.startswith(f"Error: {path}: not a readable golden YAML file (")
    assert err.count("\n") == 1
    path.write_text("quotes:\n- start: 3\n", encoding="utf-8")
    code, _out, err = run_main(["golden", "check", *suite_args(tmp_path)], monkeypatch, capsys)
    assert (code, err) == (1, f"Error: {path}: quote 1 needs integer `start` and `end`\n")


def test_every_command_has_help() -> None:
    for args in (["golden"], ["golden", "add"], ["golden", "check"], ["golden", "update"], ["evaluate"]):
        result = runner.invoke(app, [*args, "--help"])
        assert result.exit_code == 0
        assert len(result.stdout.split("Usage:")[1].split("Options")[0].strip().splitlines()) >= 2


# ---------------------------------------------------------------------------- records and diffs


def _q(start: int, end: int, speaker: str | None = "A", cue: str | None = "a dit") -> dict[str, object]:
    return {
        "text": "x" * (end - start),
        "start": start,
        "end": end,
        "kind": "direct",
        "speaker": speaker,
        "speaker_mention": speaker,
        "cue": cue,
        "said_on": None,
        "venue": None,
    }


def test_record_is_stable_and_sorted() -> None:
    art = Article(path="/somewhere/a.txt", text="« Oui » puis « Non ».", published="2025-02-01")
    late = Quote("Non", 14, 17, "direct", speaker="B", confidence=0.123456)
    early = Quote("Oui", 2, 5, "direct", speaker="A", confidence=0.9)
    record = golden_record(ArticleQuotes(art, (late, early)))
    assert record == {
        "coreference": "fallback",
        "published": "2025-02-01",
        "quotes": [
            {
                "text": "Oui",
                "start": 2,
                "end": 5,
                "kind": "direct",
                "speaker": "A",
                "speaker_mention": None,
                "cue": None,
                "said_on": None,
                "venue": None,
            },
            {
                "text": "Non",
                "start": 14,
                "end": 17,
                "kind": "direct",
                "speaker": "B",
                "speaker_mention": None,
                "cue": None,
                "said_on": None,
                "venue": None,
            },
        ],
    }
    elsewhere = Article(path="elsewhere.json", text=art.text, published="2025-02-01")
    moved = ArticleQuotes(elsewhere, (early, late))
    assert dump_record(golden_record(moved)) == dump_record(record)  # no path, no confidence, any order


def test_written_exactly_as_data_regression_writes(tmp_path: Path, data_regression: object) -> None:
    """`golden update` and `pytest --force-regen` write the same bytes: data_regression passes on a
    file that `dump_record` wrote (it compares text)."""
    record = {"published": None, "quotes": [_q(0, 4), {**_q(10, 30), "text": "« Ça » l’a dit : “oui”"}]}
    path = tmp_path / "case.yml"
    path.write_bytes(dump_record(record))
    data_regression.check(record, fullpath=path)  # type: ignore[attr-defined]


def test_pairing_by_overlap_best_first() -> None:
    expected = [_q(0, 100), _q(200, 220)]
    actual = [_q(50, 100), _q(0, 98), _q(300, 310)]
    assert pair_by_overlap(expected, actual) == [(0, 1)]
    assert pair_by_overlap([_q(0, 10)], [_q(20, 30)]) == []


def test_diff_gained_lost_changed() -> None:
    expected = {"published": "2025-01-01", "quotes": [_q(0, 100), _q(200, 220), _q(400, 410)]}
    changed = _q(200, 220, speaker="B", cue=":")
    actual = {"published": "2025-01-02", "quotes": [_q(0, 98), changed, _q(500, 510)]}
    diff = diff_records("art", expected, actual)
    assert [q["start"] for q in diff.gained] == [500]
    assert [q["start"] for q in diff.lost] == [400]
    fields = [[c.field for c in ch.changes] for ch in diff.changed]
    assert fields == [["boundaries"], ["speaker", "speaker_mention", "cue"]]
    assert [c.field for c in diff.other] == ["published"]
    assert not diff.ok
    text = render_diff(diff)
    assert text.splitlines()[0] == "art: 1 gained, 1 lost, 2 changed, published changed"
    assert "  ~ published: '2025-01-01' → '2025-01-02'" in text
    assert "      boundaries: [0:100] → [0:98]" in text
    assert "      cue: 'a dit' → ':'" in text
    assert "      speaker: 'A' → 'B'" in text
    same = diff_records("art", expected, expected)
    assert same == ArticleDiff(id="art", unchanged_quotes=3) and same.ok
    assert same.summary() == "art: unchanged (3 quotes)"


def test_exit_codes_through_the_entry_point(
    tmp_path: Path,
    sources: Path,
    fake: FakeExtractor,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`quotes golden check` as run from a shell: 0 when nothing changed, 1 when something did."""
    assert golden(tmp_path, "add", str(sources / "budget.txt"))[0] == 0
    code, out, _err = run_main(["golden", "check", *suite_args(tmp_path)], monkeypatch, capsys)
    assert code == 0 and out.splitlines()[-1] == "1 article checked: 1 unchanged, 0 changed"
    fake.speaker = "Paul Durand"
    code, out, _err = run_main(["golden", "check", *suite_args(tmp_path)], monkeypatch, capsys)
    assert code == 1 and "speaker: 'Anne Martin' → 'Paul Durand'" in out


def test_expected_file_left_without_its_article(tmp_path: Path, sources: Path, fake: FakeExtractor) -> None:
    assert golden(tmp_path, "add", str(sources / "budget.txt"), str(sources / "digue.json"))[0] == 0
    (tmp_path / "g" / "articles" / "digue.json").unlink()
    code, out = golden(tmp_path, "check")
    assert code == 1
    assert "1 article checked: 1 unchanged, 0 changed" in out
    orphan = tmp_path / "g" / "expected" / "digue.yml"
    articles = tmp_path / "g" / "articles"
    assert f"{orphan}: no article 'digue' in {articles}; delete it or restore the article" in out
    assert golden(tmp_path, "check", "budget")[0] == 0  # a check of named articles leaves the rest alone


@pytest.mark.parametrize(
    "text",
    [
        "Il a dit\u00a0: «\u202fnon\u202f» ",  # no-break and narrow no-break spaces, trailing space
        "première ligne\n\n« deuxième »  avec  deux espaces",
        "# pas un commentaire: - ni une liste, ni 'un' \"mot\" ; ni null ni yes",
        "x" * 300,
        "",
    ],
)
def test_golden_files_keep_any_text(text: str, tmp_path: Path) -> None:
    record = {"published": None, "quotes": [{**_q(0, len(text)), "text": text}]}
    path = tmp_path / "case.yml"
    path.write_bytes(dump_record(record))
    assert load_expected(path) == record


def test_a_run_without_coreferee_says_so(tmp_path: Path, sources: Path, fake: FakeExtractor) -> None:
    assert golden(tmp_path, "add", str(sources / "digue.json"))[0] == 0
    fake.coreference = "fallback"
    code, out = golden(tmp_path, "check")
    assert code == 1
    assert "digue: 0 gained, 0 lost, 0 changed, coreference changed" in out
    assert "  ~ coreference: 'coreferee' → 'fallback'" in out
