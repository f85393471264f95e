"""`quotes export --format annotations -o DIR`: the stored articles, corrections applied, in the
annotated-corpus format that `quotes train` and `quotes evaluate` read (quotes/evaluate.py), and an
old database (before migration 0006 kept the article text) upgraded and still working."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from dbtesting import db_url, make_result  # noqa: F401
from typer.testing import CliRunner

from quotes import cli_db
from quotes.cli import app
from quotes.db import alembic_config, head_revision, open_db
from quotes.evaluate import read_annotated
from quotes.export import export_annotations
from quotes.ingest import Ingestor

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200"})
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.model
def test_samples_corrected_then_exported_read_back_by_the_corpus_reader(
    extractor: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli_db, "make_extractor", lambda model_dir=None: extractor)
    monkeypatch.delenv("QUOTES_DB", raising=False)
    db = str(tmp_path / "q.db")
    code, _, err = invoke("ingest", str(ROOT / "samples"), "--db", db)
    assert code == 0, err
    code, out, _ = invoke("search", "--limit", "100", "--format", "json", "--db", db)
    hits = json.loads(out)
    stored = len(hits)
    # One quote given to another speaker, one marked not a quote.
    first, second = hits[0], hits[1]
    code, _, err = invoke("correct", str(first["quote_id"]), "--speaker", "Camille Le Goff", "--new", "--db", db)
    assert code == 0, err
    code, _, err = invoke("correct", str(second["quote_id"]), "--not-a-quote", "--db", db)
    assert code == 0, err

    out_dir = tmp_path / "corpus"
    code, _, err = invoke("export", "--format", "annotations", "-o", str(out_dir), "--db", db)
    assert code == 0, err
    articles = read_annotated(out_dir)  # the project's own corpus reader: offsets are checked there too
    assert len(articles) == 2
    assert f"Wrote 2 annotated article(s) to {out_dir}: {stored - 1} quote(s), 1 not-quote(s)" in err
    quotes = [q for a in articles for q in a.quotes]
    assert len(quotes) == stored - 1
    for a in articles:
        for q in a.quotes:
            assert a.article.text[q.start : q.end] == q.text
    corrected = [q for q in quotes if q.text == first["text"]]
    assert [q.speaker for q in corrected] == ["Camille Le Goff"]
    assert corrected[0].attribution is None  # the machine's reading of who said it was wrong
    assert not [q for q in quotes if q.text == second["text"]]
    assert [n for a in articles for n in a.not_quotes] == [second["text"]]
    # Everything but the correction is what the machine stored.
    others = {(q.text, q.speaker) for q in quotes} - {(first["text"], "Camille Le Goff")}
    assert others == {(h["text"], h["speaker"]) for h in hits[2:]}
    # The articles keep their metadata.
    by_title = {a.article.title: a.article for a in articles}
    assert any(t and t.startswith("Sommet de Lisbonne") for t in by_title)
    assert all(a.published for a in by_title.values())

    # Written again: refused without --force, the same files with it.
    before = {p.name: p.read_text(encoding="utf-8") for p in out_dir.iterdir()}
    code, _, err = invoke("export", "--format", "annotations", "-o", str(out_dir), "--db", db)
    assert code == 1 and err.startswith(f"Error: {out_dir} already holds 2 of these files")
    code, _, err = invoke("export", "--format", "annotations", "-o", str(out_dir), "--force", "--db", db)
    assert code == 0, err
    assert {p.name: p.read_text(encoding="utf-8") for p in out_dir.iterdir()} == before


def test_indirect_speech_is_left_out_and_offsets_index_the_stored_text(tmp_path: Path) -> None:
    text = "Le maire a promis que les travaux finiraient en juin. « Nous tiendrons », a-t-il dit, Paul Roux."
    result = make_result(text, [("Nous tiendrons", "Paul Roux")], url="https://ex.org/a", published="2024-05-02")
    indirect = make_result(text, [("les travaux finiraient en juin", "Paul Roux")]).quotes[0]
    from dataclasses import replace

    result = replace(result, quotes=(*result.quotes, replace(indirect, kind="indirect")))
    engine = open_db(str(tmp_path / "q.db"))
    Ingestor(engine).add(result)
    exported = export_annotations(engine)
    engine.dispose()
    [(name, content)] = exported.files.items()
    record = json.loads(content)
    assert name == f"{record['id']}.json"
    assert record["text"] == text and record["url"] == "https://ex.org/a" and record["published"] == "2024-05-02"
    assert [(q["quote"], q["kind"], q["speaker"]) for q in record["quotes"]] == [
        ("Nous tiendrons", "direct", "Paul Roux")
    ]
    q = record["quotes"][0]
    assert text[q["start"] : q["end"]] == q["quote"]
    assert exported.notes == []


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["--speaker", "Roux"],
            "--format annotations writes whole articles with all their quotes; --speaker cannot apply",
        ),
        ([], "--format annotations writes one file per article: give the directory with -o DIR"),
    ],
)
def test_annotations_refuse_filters_and_need_a_directory(
    tmp_path: Path, args: list[str], message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("QUOTES_DB", raising=False)
    db = str(tmp_path / "q.db")
    engine = open_db(db)
    Ingestor(engine).add(make_result("« Oui », a dit Paul Roux.", [("Oui", "Paul Roux")], url="https://ex.org/b"))
    engine.dispose()
    out = [] if not args else ["-o", str(tmp_path / "out")]
    code, stdout, err = invoke("export", "--format", "annotations", *args, *out, "--db", db)
    assert (code, stdout, err) == (1, "", f"Error: {message}\n")
    assert not (tmp_path / "out").exists()


def test_a_file_is_not_a_directory_of_annotations(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QUOTES_DB", raising=False)
    db = str(tmp_path / "q.db")
    open_db(db).dispose()
    target = tmp_path / "notes.txt"
    target.write_text("mes notes\n", encoding="utf-8")
    code, _, err = invoke("export", "--format", "annotations", "-o", str(target), "--db", db)
    assert (
        code == 1
        and err == f"Error: {target} is not a directory; --format annotations writes one file per article into one\n"
    )
    assert target.read_text(encoding="utf-8") == "mes notes\n"


OLD_TEXT = "« Nous ne céderons rien », a déclaré Camille Le Goff. « Oui », a conclu Paul Roux."


def _store_at_0005(url: str) -> int:
    """An article stored the way quotes stored it before migration 0006 (no text column); the id
    of its quote « Oui »."""
    from alembic import command

    from quotes.db import make_engine, resolve_target
    from quotes.ingest import content_hash, quote_key

    engine = make_engine(resolve_target(url))
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0005")
    with engine.begin() as conn:
        assert "text" not in {c["name"] for c in sa.inspect(conn).get_columns("source")}
        source = conn.execute(
            sa.text(
                "INSERT INTO source (url, outlet, published, accessed, content_hash, path) VALUES "
                "('https://ex.org/old', 'Le Quotidien', '2024-07-03', '2024-07-04', :h, 'old.txt') RETURNING id"
            ),
            {"h": content_hash(OLD_TEXT)},
        ).scalar_one()
        speaker = conn.execute(
            sa.text(
                "INSERT INTO speaker (name, norm, surname) VALUES ('Camille Le Goff', 'camille le goff', 'le goff') "
                "RETURNING id"
            )
        ).scalar_one()
        ids = []
        for words in ("Nous ne céderons rien", "Oui"):
            start = OLD_TEXT.index(words)
            quote = conn.execute(
                sa.text(
                    "INSERT INTO quote (text, text_key, kind, speaker_id, said_on, hidden) "
                    "VALUES (:t, :k, 'direct', :sp, '2024-07-03', false) RETURNING id"
                ),
                {"t": words, "k": quote_key(words), "sp": speaker},
            ).scalar_one()
            ids.append(quote)
            conn.execute(
                sa.text(
                    'INSERT INTO occurrence (quote_id, source_id, start, "end", cue, attribution, confidence, '
                    "said_on, said_on_source) VALUES (:q, :src, :s, :e, 'a déclaré', 'name', 0.9, '2024-07-03', "
                    "'publication')"
                ),
                {"q": quote, "src": source, "s": start, "e": start + len(words)},
            )
    engine.dispose()
    return int(ids[1])


def test_old_database_upgraded_through_0006_searches_corrects_and_exports(
    db_url: str,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("QUOTES_DB", raising=False)
    oui = _store_at_0005(db_url)
    code, out, err = invoke("search", "--text", "céderons", "--format", "json", "--db", db_url)
    assert code == 1 and "older quotes schema" in err, "a reading command never migrates"
    engine = open_db(db_url)  # a writing command's open (as `quotes ingest`) upgrades it
    from quotes.db import current_revision

    assert current_revision(engine) == head_revision()
    engine.dispose()
    code, out, err = invoke("search", "--text", "céderons", "--format", "json", "--db", db_url)
    assert code == 0, err
    [hit] = json.loads(out)
    assert hit["speaker"] == "Camille Le Goff"
    code, _, err = invoke("correct", str(oui), "--speaker", "Paul Roux", "--new", "--db", db_url)
    assert code == 0, err

    # Its article has no text yet: left out, and the note says how to include it.
    code, _, err = invoke("export", "--format", "annotations", "-o", str(tmp_path / "a"), "--db", db_url)
    assert code == 1
    assert err == (
        "Note: 1 article stored before the article text was kept left out; ingest them again to include them\n"
        "Error: no stored article has its text to export (ingest articles first)\n"
    )
    assert not (tmp_path / "a").exists()

    # Read again unchanged: nothing is extracted or replaced, but the text is kept.
    engine = open_db(db_url)
    outcome = Ingestor(engine).add(
        make_result(OLD_TEXT, [("Nous ne céderons rien", "Camille Le Goff")], url="https://ex.org/old", path="old.txt")
    )
    engine.dispose()
    assert outcome.status == "skipped" and outcome.reason.startswith("unchanged")
    code, _, err = invoke("export", "--format", "annotations", "-o", str(tmp_path / "a"), "--db", db_url)
    assert code == 0, err
    [article] = read_annotated(tmp_path / "a")
    assert article.article.outlet == "Le Quotidien" and article.article.published == "2024-07-03"
    assert [(q.text, q.speaker) for q in article.quotes] == [
        ("Nous ne céderons rien", "Camille Le Goff"),
        ("Oui", "Paul Roux"),
    ]
