"""The desk commands: `quotes correct`, `quotes speakers merge|rename`, `quotes source`, end to end
through the CLI: a quote found by `search --format json` is corrected, seen corrected in search,
`speaker` and export, and stays corrected after its article is re-ingested changed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from dbtesting import make_result
from typer.testing import CliRunner

from quotes.cli import app
from quotes.db import open_db
from quotes.ingest import Ingestor

runner = CliRunner()
URL = "https://ex.org/seance"
TEXT = (
    "« Nous ne céderons rien », a lancé la députée Camille Le Goff à l'Assemblée nationale. "
    "« Oui », a conclu Charles de Gaulle."
)


def store(path: str, text: str = TEXT) -> None:
    engine = open_db(path)
    Ingestor(engine).add(
        make_result(
            text,
            [("Nous ne céderons rien", "Assemblée nationale"), ("Oui", "Charles de Gaulle")],
            url=URL,
            outlet="Le Quotidien",
            published="2024-07-03",
        )
    )
    Ingestor(engine).add(
        make_result("« Rien », a dit Camille Le Goff.", [("Rien", "Camille Le Goff")], url="https://ex.org/b")
    )
    engine.dispose()


@pytest.fixture
def db_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.delenv("QUOTES_DB", raising=False)
    path = str(tmp_path / "quotes.db")
    store(path)
    return path


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200"})
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def found(db_file: str, words: str) -> list[dict[str, object]]:
    code, out, _ = invoke("search", "--text", words, "--format", "json", "--db", db_file)
    assert code == 0
    return list(json.loads(out))


def test_correct_from_search_json_changes_search_export_and_survives_reingest(db_file: str) -> None:
    [hit] = found(db_file, "céderons")
    assert hit["speaker"] == "Assemblée nationale"
    code, out, err = invoke("correct", str(hit["quote_id"]), "--speaker", "Camille Le Goff", "--db", db_file)
    assert code == 0, err
    assert "Assemblée nationale -> Camille Le Goff" in out
    [hit] = found(db_file, "céderons")
    assert hit["speaker"] == "Camille Le Goff" and hit["corrections"]
    code, out, _ = invoke("export", "--format", "citation", "--text", "céderons", "--db", db_file)
    assert "Camille Le Goff" in out and "Assemblée nationale" not in out
    store(db_file, TEXT + " La séance est levée.")
    [hit] = found(db_file, "céderons")
    assert hit["speaker"] == "Camille Le Goff"
    code, out, _ = invoke("speaker", "Le Goff", "--db", db_file)
    assert "corrected" in out


def test_not_a_quote_merge_rename_source(db_file: str) -> None:
    [hit] = found(db_file, "oui")
    assert invoke("correct", str(hit["quote_id"]), "--not-a-quote", "--db", db_file)[0] == 0
    assert found(db_file, "oui") == []
    code, out, _ = invoke("speakers", "--format", "json", "--db", db_file)
    ids = {s["name"]: s["id"] for s in json.loads(out)}
    code, out, err = invoke("speakers", "rename", str(ids["Camille Le Goff"]), "Camille Le Goff-Riou", "--db", db_file)
    assert code == 0, err
    assert {h["text"]: h["speaker"] for h in found(db_file, "rien")}["Rien"] == "Camille Le Goff-Riou"
    code, out, err = invoke(
        "speakers", "merge", str(ids["Camille Le Goff"]), str(ids["Assemblée nationale"]), "--db", db_file
    )
    assert code == 0, err
    code, out, err = invoke("source", URL, "--outlet", "La Gazette", "--published", "2024-07-02", "--db", db_file)
    assert code == 0, err
    code, out, _ = invoke("export", "--format", "csv", "--db", db_file)
    assert "La Gazette" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["correct", "99", "--speaker", "Camille Le Goff"], "Error: no quote #99; closest: #"),
        (
            ["correct", "1", "--speaker", "Camile Le Gof"],
            "Error: no speaker named 'Camile Le Gof'; closest: Camille Le Goff",
        ),
        (["speakers", "merge", "1", "77"], "Error: no speaker #77; closest: #"),
        (["speakers", "rename", "77", "Jean Dupont"], "Error: no speaker #77; closest: #"),
        (
            ["source", "https://ex.org/seanse", "--outlet", "X"],
            f"Error: no article at https://ex.org/seanse; closest: {URL}",
        ),
        (["source", URL, "--published", "juillet"], "Error: 'juillet' is not a date"),
    ],
)
def test_bad_input_one_error_line_nothing_changed(db_file: str, args: list[str], message: str) -> None:
    before = invoke("export", "--format", "csv", "--db", db_file)[1]
    code, _out, err = invoke(*args, "--db", db_file)
    assert code == 1
    assert err.startswith(message) and len(err.strip().splitlines()) == 1, err
    assert invoke("export", "--format", "csv", "--db", db_file)[1] == before


def test_correct_needs_one_action(db_file: str) -> None:
    code, _, err = invoke("correct", "1", "--db", db_file)
    assert code == 2 and "--speaker" in err
