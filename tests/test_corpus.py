"""The annotated corpus in ../shared: the seed articles, and the dev figures against the issue's bar."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from quotes.cli import result_record
from quotes.read import read_inputs

pytestmark = pytest.mark.model

BAR = {"detection_f1": 0.93, "speaker_accuracy": 0.90, "end_to_end_f1": 0.85}


@pytest.fixture(scope="module")
def dev_scores(extractor: Any, shared_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Extract the dev corpus (articles without their annotations) and score it with score.py."""
    work = tmp_path_factory.mktemp("dev")
    inputs = work / "in"
    score = shared_dir / "eval" / "score.py"
    subprocess.run(
        [sys.executable, str(score), "--inputs", str(shared_dir / "corpus" / "dev"), str(inputs)], check=True
    )
    out = work / "dev.jsonl"
    with out.open("w", encoding="utf-8") as fh:
        for result in extractor.extract(read_inputs([str(inputs)])):
            fh.write(json.dumps(result_record(result), ensure_ascii=False) + "\n")
    run = subprocess.run(
        [sys.executable, str(score), str(shared_dir / "corpus" / "dev"), str(out), "--json"],
        check=True,
        capture_output=True,
        text=True,
    )
    return dict(json.loads(run.stdout.strip().splitlines()[-1]))


def test_seed_000_three_quotes(extractor: Any, shared_dir: Path) -> None:
    (result,) = extractor.extract(read_inputs([str(shared_dir / "corpus" / "dev" / "seed_000.json")]))
    direct = [q for q in result.quotes if q.kind != "indirect"]
    assert [q.speaker for q in direct] == ["Vladimir Poutine", "Recep Tayyip Erdoğan", "António Guterres"]
    assert [q.kind for q in direct] == ["direct", "direct", "mixed"]
    text = result.article.text
    assert all(text[q.start : q.end] == q.text for q in result.quotes)
    assert direct[0].text.startswith("Les relations russo-chinoises") and direct[0].cue == "a déclaré"


def test_seed_004_has_no_quote(extractor: Any, shared_dir: Path) -> None:
    (result,) = extractor.extract(read_inputs([str(shared_dir / "corpus" / "dev" / "seed_004.json")]))
    assert [q for q in result.quotes if q.kind != "indirect"] == []


def test_dev_detection_f1(dev_scores: dict[str, Any]) -> None:
    assert dev_scores["detection"]["f1"] >= BAR["detection_f1"]


def test_dev_speaker_accuracy(dev_scores: dict[str, Any]) -> None:
    assert dev_scores["attribution_accuracy"] >= BAR["speaker_accuracy"]


def test_dev_end_to_end_f1(dev_scores: dict[str, Any]) -> None:
    assert dev_scores["end_to_end"]["f1"] >= BAR["end_to_end_f1"]
