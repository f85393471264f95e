"""`quotes extract` as a user runs it: output contract, and one-line errors for bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.model

ARTICLE = (
    "Le ministre de la Santé, Thomas Girard, s'est rendu mardi à Lyon.\n\n"
    "« Nous ouvrirons trois centres de soins cet automne », a annoncé Thomas Girard.\n"
)


def run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "quotes", *args], input=stdin, capture_output=True, check=False, env=env
    )


def test_jsonl_contract(tmp_path: Path) -> None:
    p = tmp_path / "a.txt"
    p.write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "empty.txt").write_text("", encoding="utf-8")
    res = run("extract", str(p), str(tmp_path / "empty.txt"), "--format", "jsonl")
    assert res.returncode == 0, res.stderr
    lines = [json.loads(x) for x in res.stdout.decode().splitlines()]
    assert [x["path"] for x in lines] == [str(p), str(tmp_path / "empty.txt")]
    (q,) = [q for q in lines[0]["quotes"] if q["kind"] != "indirect"]
    assert ARTICLE[q["start"] : q["end"]] == q["text"] == "Nous ouvrirons trois centres de soins cet automne"
    assert (q["speaker"], q["speaker_mention"], q["cue"], q["kind"]) == (
        "Thomas Girard",
        "Thomas Girard",
        "a annoncé",
        "direct",
    )
    assert 0.0 <= q["confidence"] <= 1.0
    assert lines[1]["quotes"] == []


def test_stdin_and_table() -> None:
    res = run("extract", "-", stdin=ARTICLE.encode())
    assert res.returncode == 0
    assert "Thomas Girard" in res.stdout.decode()


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda d: str(d / "absent.txt"), "absent.txt: no such file or directory"),
        (lambda d: str(d), "directory holds no articles"),
        (lambda d: (d / "l.txt").write_bytes("café".encode("latin-1")) and str(d / "l.txt"), "not valid UTF-8"),
        (lambda d: (d / "n.json").write_text('{"title": "x"}') and str(d / "n.json"), 'no "text" string field'),
    ],
    ids=["missing file", "empty directory", "invalid utf-8", "json without text"],
)
def test_bad_input_one_line_error(tmp_path: Path, setup: object, message: str) -> None:
    path = setup(tmp_path)  # type: ignore[operator]
    res = run("extract", path, "--format", "jsonl")
    err = res.stderr.decode().strip()
    assert res.returncode == 1
    assert err.startswith("Error: ") and message in err
    assert "Traceback" not in err and len(err.splitlines()) == 1


def test_help_for_every_command() -> None:
    res = run("--help")
    assert res.returncode == 0
    for cmd in ("extract",):
        assert cmd in res.stdout.decode()
        sub = run(cmd, "--help")
        assert sub.returncode == 0 and len(sub.stdout) > 100
