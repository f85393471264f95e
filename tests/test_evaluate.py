"""`quotes evaluate` and quotes/evaluate.py: figures by hand, and agreement with shared/eval/score.py."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import run_main
from typer.testing import CliRunner

from quotes import cli_golden
from quotes.cli import app
from quotes.evaluate import (
    GoldQuote,
    PredictedQuote,
    evaluate,
    match_quotes,
    read_annotated,
    same_speaker,
)

ANNOTATED = Path(__file__).parent / "data" / "annotated"
runner = CliRunner()
VISITE = (
    "Notre frontière est aussi la vôtre, et nous la défendrons ensemble, quoi qu'il arrive dans les mois qui viennent"
)
SYNDICAT = "Le syndicat des conducteurs"


def _text(article_id: str) -> str:
    return str(json.loads((ANNOTATED / f"{article_id}.json").read_text(encoding="utf-8"))["text"])


def _pred(
    article_id: str, words: str, speaker: str | None, kind: str = "direct", grow_left: int = 0, keep: float = 1.0
) -> dict[str, Any]:
    """A predicted quote over `words` in the article, optionally widened or cut short."""
    start = _text(article_id).index(words)
    end = start + round(len(words) * keep)
    return {"start": start - grow_left, "end": end, "speaker": speaker, "kind": kind}


def hand_predictions() -> list[dict[str, Any]]:
    """Predictions exercising every rule: case, accents, shorter names, overlap, best first,
    indirect left out, spurious quotes, an article with no prediction line (eval_festival)."""
    return [
        {
            "path": "out/eval_port.txt",
            "quotes": [
                _pred(
                    "eval_port", "Nous voulons un port ouvert aux pêcheurs comme aux promeneurs", "anne-sophie DERRIEN"
                ),
                _pred("eval_port", "mené sans interrompre la pêche", "Derrien", kind="mixed", grow_left=9),
                _pred("eval_port", "Le financement n'est pas encore bouclé", "le préfet"),
                _pred("eval_port", "Kerloc'h 2030", None, kind="mixed"),
                _pred("eval_port", "le chantier serait", "Anne-Sophie Derrien", kind="indirect"),
            ],
        },
        {
            "path": "out/eval_greve.json",
            "quotes": [
                _pred("eval_greve", "dégradation continue des conditions de travail", SYNDICAT),
                _pred("eval_greve", "une dégradation continue des conditions de travail", SYNDICAT),
                _pred("eval_greve", "Nous n'avons obtenu aucune réponse sérieuse. Le dialogue est rompu.", None),
                _pred("eval_greve", "les négociations restent ouvertes", "Regie des transports de Valmont"),
            ],
        },
        {
            "path": "eval_visite",
            "quotes": [
                # 0.4 of the quote: too little for Jaccard (0.5), enough for coverage (0.3)
                _pred("eval_visite", VISITE, "Kerbelytė-Vaitkienė", keep=0.4),
            ],
        },
    ]


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


# ---------------------------------------------------------------------------- rules


@pytest.mark.parametrize(
    ("gold", "pred", "lenient", "expected"),
    [
        ("Recep Tayyip Erdoğan", "Erdogan", True, True),
        ("Recep Tayyip Erdoğan", "Erdogan", False, False),
        ("Recep Tayyip Erdoğan", "Recep Erdoğan", True, True),
        ("Recep Tayyip Erdoğan", "Tayyip", True, False),  # not the last word
        ("Anne-Sophie Derrien", "anne sophie DERRIEN", False, True),  # case and hyphen
        ("Marc Téllier", "Marc Tellier", False, True),  # accents
        ("Marc Téllier", "Marc Dupont", True, False),
        (None, None, True, True),
        (None, "", True, True),
        ("Marc Téllier", None, True, False),
        (None, "Marc Téllier", True, False),
    ],
)
def test_same_speaker(gold: str | None, pred: str | None, lenient: bool, expected: bool) -> None:
    assert same_speaker(gold, pred, lenient=lenient) is expected


def test_matching_is_one_to_one_best_overlap_first() -> None:
    gold = [GoldQuote("x" * 100, 0, 100, "A", "name"), GoldQuote("y" * 50, 100, 150, "B", "name")]
    # prediction 0 overlaps gold 0 by 0.6; prediction 1 equals gold 0; prediction 2 half of gold 1
    preds = [PredictedQuote(40, 100, "A"), PredictedQuote(0, 100, "A"), PredictedQuote(100, 124, "B")]
    assert match_quotes(gold, preds) == [(0, 1)]  # 24/50 < 0.5: gold 1 unmatched
    assert sorted(match_quotes(gold, preds, "coverage")) == [(0, 1), (1, 2)]


def test_figures_computed_by_hand(tmp_path: Path) -> None:
    from quotes.evaluate import read_predictions

    preds = read_predictions(write_jsonl(tmp_path / "p.jsonl", hand_predictions()))
    result = evaluate(read_annotated(ANNOTATED), preds)
    d = result.as_dict()
    # 8 annotated quotes; 9 predictions once the indirect one is left out; 6 matches
    assert (d["articles"], d["articles_without_prediction"]) == (4, 1)
    assert (d["gold_quotes"], d["predicted_quotes"], result.matched) == (8, 9, 6)
    assert d["detection"] == {"precision": 0.6667, "recall": 0.75, "f1": 0.7059, "exact_boundaries": 0.8333}
    assert (d["attribution_accuracy"], d["attribution_accuracy_strict"]) == (0.6667, 0.3333)
    assert d["end_to_end"] == {"precision": 0.4444, "recall": 0.5, "f1": 0.4706}
    assert d["by_attribution"] == {
        "context": {"gold": 1, "detected": 1, "correct_speaker": 0, "accuracy": 0.0},
        "name": {"gold": 2, "detected": 1, "correct_speaker": 1, "accuracy": 1.0},
        "nominal": {"gold": 2, "detected": 2, "correct_speaker": 1, "accuracy": 0.5},
        "pronoun": {"gold": 2, "detected": 1, "correct_speaker": 1, "accuracy": 1.0},
        "relative": {"gold": 1, "detected": 1, "correct_speaker": 1, "accuracy": 1.0},
    }
    kinds = sorted(e.what for e in result.errors)
    assert kinds == ["missed", "missed", "spurious", "spurious", "spurious", "wrong speaker", "wrong speaker"]
    assert "eval_port WRONG SPEAKER [nominal] gold='Marc Téllier' pred='le préfet'" in {
        e.line().split(" :: ")[0] for e in result.errors
    }


def test_no_prediction_at_all_scores_zero() -> None:
    result = evaluate(read_annotated(ANNOTATED), {})
    d = result.as_dict()
    assert d["articles_without_prediction"] == 4
    assert d["detection"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "exact_boundaries": 0.0}
    assert {k: v["accuracy"] for k, v in d["by_attribution"].items()} == dict.fromkeys(
        ["context", "name", "nominal", "pronoun", "relative"]
    )
    assert len(result.errors) == 8


# ---------------------------------------------------------------------------- agreement with score.py


def score_py(shared: Path, gold: Path, predictions: Path, *flags: str) -> str:
    done = subprocess.run(
        [sys.executable, str(shared / "eval" / "score.py"), str(gold), str(predictions), *flags],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


@pytest.mark.parametrize("overlap", ["jaccard", "coverage"])
def test_agrees_with_score_py_on_hand_predictions(shared_dir: Path, tmp_path: Path, overlap: str) -> None:
    preds = write_jsonl(tmp_path / "p.jsonl", hand_predictions())
    flags = ["--json", "--errors"] + (["--coverage"] if overlap == "coverage" else [])
    reference = score_py(shared_dir, ANNOTATED, preds, *flags)
    result = runner.invoke(
        app, ["evaluate", str(ANNOTATED), "--predictions", str(preds), "--overlap", overlap, "--json", "--errors"]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[:-1] == reference.splitlines()[:-1]  # the error lines
    assert json.loads(result.stdout.splitlines()[-1]) == json.loads(reference.splitlines()[-1])
    assert len(reference.splitlines()) > 5  # the sample really produces errors to compare


@pytest.mark.model
def test_agrees_with_score_py_on_extracted_quotes(
    shared_dir: Path, tmp_path: Path, extractor: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The whole command (extraction included) against score.py on the predictions it saved:
    the sample of tests/data/annotated plus the two seed articles of the shared corpus."""
    gold = tmp_path / "annotated"
    shutil.copytree(ANNOTATED, gold)
    for name in ("seed_000.json", "seed_004.json"):
        shutil.copy(shared_dir / "corpus" / "dev" / name, gold / name)
    monkeypatch.setattr(cli_golden, "load_extractor", lambda model_dir=None: extractor)
    saved = tmp_path / "predictions.jsonl"
    args = ["evaluate", str(gold), "--json", "--errors", "--save-predictions", str(saved)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert len(saved.read_text(encoding="utf-8").splitlines()) == 6
    reference = score_py(shared_dir, gold, saved, "--json", "--errors")
    assert result.stdout.splitlines()[:-1] == reference.splitlines()[:-1]
    ours = json.loads(result.stdout.splitlines()[-1])
    assert ours == json.loads(reference.splitlines()[-1])
    assert ours["articles"] == 6 and ours["gold_quotes"] == 11


def test_text_report(tmp_path: Path) -> None:
    preds = write_jsonl(tmp_path / "p.jsonl", hand_predictions())
    result = runner.invoke(app, ["evaluate", str(ANNOTATED), "--predictions", str(preds)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "articles 4 (no prediction: 1), annotated quotes 8, predicted 9"
    assert lines[1] == "detection    P 0.667  R 0.750  F1 0.706  exact boundaries 0.833"
    assert "  nominal   annotated    2  detected    2  speaker accuracy 0.500" in lines
    assert lines[-1] == "end-to-end   P 0.444  R 0.500  F1 0.471"


# ---------------------------------------------------------------------------- bad input


def test_missing_directory_is_one_error_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_main(["evaluate", str(tmp_path / "nowhere")], monkeypatch, capsys)
    assert (code, out) == (1, "")
    assert err == f"Error: {tmp_path / 'nowhere'}: no such directory of annotated articles\n"


def test_directory_without_articles(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _out, err = run_main(["evaluate", str(tmp_path)], monkeypatch, capsys)
    assert code == 1
    assert err == f"Error: {tmp_path}: no annotated articles (*.json files)\n"


def test_annotated_file_without_quotes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a.json").write_text(json.dumps({"id": "a", "text": "Rien à signaler."}), encoding="utf-8")
    monkeypatch.setattr(cli_golden, "load_extractor", lambda model_dir=None: pytest.fail("the model must not load"))
    code, _out, err = run_main(["evaluate", str(tmp_path)], monkeypatch, capsys)
    assert code == 1
    assert err.startswith(f'Error: {tmp_path / "a.json"}: no "quotes" list')
    assert err.count("\n") == 1


def test_annotated_offsets_must_match_the_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    quote = {"quote": "Bonjour", "start": 0, "end": 7}
    art = {"id": "a", "text": "Il a dit : « Bonjour ».", "quotes": [quote]}
    (tmp_path / "a.json").write_text(json.dumps(art), encoding="utf-8")
    code, _out, err = run_main(["evaluate", str(tmp_path)], monkeypatch, capsys)
    assert code == 1
    where = tmp_path / "a.json"
    assert err == f"Error: {where}: quote 1: text[0:7] is not its \"quote\" ('Bonjour'); fix the offsets\n"


def test_bad_predictions_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "p.jsonl"
    bad.write_text('{"path": "eval_port.txt", "quotes": [{"start": "3"}]}\n', encoding="utf-8")
    code, _out, err = run_main(["evaluate", str(ANNOTATED), "--predictions", str(bad)], monkeypatch, capsys)
    assert code == 1
    assert err == f'Error: {bad}: line 1: every quote needs integer "start" and "end"\n'


def test_text_report_by_kind_and_not_quotes(tmp_path: Path) -> None:
    """Annotated: 6 direct, 2 mixed. Matched: 4 direct, 2 mixed; spurious: two predicted direct
    (the widened eval_greve span, the short eval_visite one) and one mixed, « Kerloc'h 2030 »,
    which eval_port lists among its not_quotes."""
    preds = write_jsonl(tmp_path / "p.jsonl", hand_predictions())
    result = runner.invoke(app, ["evaluate", str(ANNOTATED), "--predictions", str(preds)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[1].startswith("detection    P 0.667")
    assert lines[2:6] == [
        "  by kind: the annotation's (a spurious quote counts under its predicted kind)",
        "  direct    annotated    6  predicted    6  P 0.667  R 0.667  F1 0.667",
        "  mixed     annotated    2  predicted    3  P 0.667  R 1.000  F1 0.800",
        "  spurious     3  of which in the article's not_quotes 1",
    ]


def test_not_quotes_compare_without_case_or_spacing() -> None:
    [port] = [a for a in read_annotated(ANNOTATED) if a.id == "eval_port"]
    start = port.article.text.index("Kerloc'h 2030")
    spurious = [PredictedQuote(start, start + len("Kerloc'h 2030"), None, "mixed")]
    assert evaluate([port], {"eval_port": spurious}).spurious_not_quotes == 1
    elsewhere = evaluate([port], {"eval_port": [PredictedQuote(0, 10, None, "direct")]})
    assert elsewhere.spurious_not_quotes == 0
    assert elsewhere.by_kind == {"direct": (3, 1, 0), "mixed": (1, 0, 0)}
    assert elsewhere.kind_figures("direct") == (0.0, 0.0, 0.0)


def test_speaker_accuracy_by_the_pattern_that_named_the_speaker() -> None:
    from quotes.evaluate import AnnotatedArticle, GoldQuote, PredictedQuote, evaluate
    from quotes.types import Article

    text = "« Un », dit Léa. « Deux », dit-elle. « Trois », ajoute Paul."
    article = Article(path="a.json", text=text)
    spans = [(text.index(w), text.index(w) + len(w)) for w in ("Un", "Deux", "Trois")]
    gold = tuple(
        GoldQuote(text[s:e], s, e, who, "name") for (s, e), who in zip(spans, ("Léa", "Léa", "Paul"), strict=True)
    )
    preds = [
        PredictedQuote(*spans[0], "Léa", "direct", "name"),
        PredictedQuote(*spans[1], "Paul", "direct", "previous speaker"),
        PredictedQuote(*spans[2], "Paul", "direct", "name"),
    ]
    result = evaluate([AnnotatedArticle("a", article, gold)], {"a": preds})
    assert result.by_evidence == {"name": (2, 2), "previous speaker": (1, 0)}
    report = result.report()
    assert "by the pattern that named the speaker" in report
    assert any(line.split()[:2] == ["previous", "speaker"] and line.endswith("0.000") for line in report.splitlines())
    assert "by_evidence" not in json.dumps(result.as_dict()), "the JSON stays the reference scorer's"


@pytest.mark.parametrize(
    ("gold", "predicted", "same"),
    [
        ("BFM TV", "sur BFM TV", True),
        ("courrier électronique à la direction du club", "dans un courrier", True),
        ("conférence de presse", "lors d'une conférence de presse", True),
        ("tribunal correctionnel de Nîmes", "devant le tribunal correctionnel", True),
        ("conférence de presse", "dans un courrier", False),
        ("tribunal correctionnel de Nîmes", "sur Facebook", False),
        ("AFP", "dans un", False),
    ],
)
def test_same_venue(gold: str, predicted: str, same: bool) -> None:
    from quotes.evaluate import same_venue

    assert same_venue(gold, predicted) is same


def test_venue_precision_and_recall_over_the_matched_quotes() -> None:
    from quotes.evaluate import AnnotatedArticle
    from quotes.types import Article

    text = "« Un » ; « Deux » ; « Trois » ; « Quatre »"
    spans = [(text.index(w), text.index(w) + len(w)) for w in ("Un", "Deux", "Trois", "Quatre")]
    venues = ["BFM TV", "conférence de presse", None, "AFP"]
    gold = AnnotatedArticle(
        "v",
        Article(path="v.txt", text=text),
        tuple(GoldQuote(text[a:b], a, b, None, None, venue=v) for (a, b), v in zip(spans, venues, strict=True)),
    )
    said = ["sur BFM TV", "dans un courrier", "à Paris", None]
    preds = [PredictedQuote(a, b, None, "direct", venue=v) for (a, b), v in zip(spans, said, strict=True)]
    figures = evaluate([gold], {"v": preds}).venue_figures()
    assert figures == {"annotated": 3, "predicted": 3, "precision": round(1 / 3, 4), "recall": round(1 / 3, 4)}
