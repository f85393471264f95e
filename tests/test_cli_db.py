"""The database commands through Typer's CliRunner: output, exact error messages and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from dbtesting import db_url, make_result  # noqa: F401
from typer.testing import CliRunner

from quotes import cli_db
from quotes.cli import app
from quotes.db import open_db
from quotes.ingest import Ingestor

runner = CliRunner()

ARTICLES = [
    make_result(
        "« Le commerce entre nos pays doit doubler », a affirmé mercredi Recep Tayyip Erdoğan, le président turc.",
        [("Le commerce entre nos pays doit doubler", "Recep Tayyip Erdoğan, le président turc")],
        url="https://ex.org/erdogan",
        outlet="Le Quotidien",
        title="Ankara veut doubler ses échanges",
        published="2024-07-04",
        said_on="2024-07-03",
        said_on_source="article",
    ),
    make_result(
        "« Notre organisation n'a jamais été aussi solide », a déclaré Vladimir Poutine lors du sommet.",
        [("Notre organisation n'a jamais été aussi solide", "Vladimir Poutine")],
        url="https://ex.org/poutine",
        outlet="Euronews",
        title="Le sommet de l'OCS s'achève",
        published="2024-07-05",
        venue="sommet de l'OCS à Astana",
    ),
]


@pytest.fixture
def db_file(tmp_path: Path) -> str:
    path = str(tmp_path / "quotes.db")
    engine = open_db(path)
    ingestor = Ingestor(engine)
    for article in ARTICLES:
        ingestor.add(article)
    engine.dispose()
    return path


@pytest.fixture(autouse=True)
def no_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands that fail must fail before loading the model; the one ingest test lifts this."""

    def refuse(model_dir: object = None) -> None:
        raise AssertionError("the model was loaded")

    monkeypatch.setattr(cli_db, "make_extractor", refuse)
    monkeypatch.delenv("QUOTES_DB", raising=False)


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200"})
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("command", ["ingest", "search", "speakers", "speaker", "export"])
def test_every_command_has_help(command: str) -> None:
    code, out, _ = invoke(command, "--help")
    assert code == 0
    assert "--db" in out
    head = out.split("Options")[0]
    assert len(head.split("Usage:")[1].splitlines()) > 2  # a sentence of help under the usage line


def test_search_table_and_speaker_note(db_file: str) -> None:
    code, out, err = invoke("search", "--speaker", "erdogen", "--db", db_file)
    assert code == 0
    assert "Le commerce entre nos pays doit doubler" in out and "3 juillet 2024" in out
    assert err == "Speaker 'erdogen': Recep Tayyip Erdoğan (matched 'Recep Tayyip Erdoğan', closest name, 86%)\n"


def test_search_json_and_csv(db_file: str) -> None:
    code, out, _ = invoke("search", "--text", "organisation", "--format", "json", "--db", db_file)
    assert code == 0
    (record,) = json.loads(out)
    assert record["speaker"] == "Vladimir Poutine"
    assert record["sources"][0]["venue"] == "sommet de l'OCS à Astana"
    code, out, _ = invoke("search", "--format", "csv", "--db", db_file)
    lines = out.splitlines()
    assert lines[0].startswith("quote,speaker,kind,cue,said_on") and len(lines) == 3


def test_search_without_match(db_file: str) -> None:
    code, out, err = invoke("search", "--text", "girafe", "--db", db_file)
    assert (code, out, err) == (0, "", "No quotes match.\n")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["search", "--speaker", "Jacques Zorglub"],
            "Error: no speaker matches 'Jacques Zorglub'; closest: ",
        ),
        (
            ["search", "--since", "hier"],
            "Error: --since 'hier' is not a date; use YYYY-MM-DD, YYYY-MM or YYYY\n",
        ),
        (["search", "--kind", "quoted"], "Error: --kind 'quoted' is not one of direct, mixed, indirect\n"),
        (["search", "--text", "«»"], "Error: --text '«»' has no words to search for\n"),
        (["speaker", "Zorglub"], "Error: no speaker matches 'Zorglub'; closest: "),
        (["export", "--format", "ris", "--until", "2024-13"], "Error: --until '2024-13' is not a date"),
    ],
)
def test_bad_input_is_one_error_line(db_file: str, args: list[str], message: str) -> None:
    code, out, err = invoke(*args, "--db", db_file)
    assert code == 1 and out == ""
    assert err.startswith(message) and err.count("\n") == 1


def test_read_commands_on_a_missing_database_create_nothing(tmp_path: Path) -> None:
    target = tmp_path / "none.db"
    for args in (["search"], ["speakers"], ["speaker", "X"], ["export"]):
        code, _, err = invoke(*args, "--db", str(target))
        assert (code, err) == (
            1,
            f"Error: no database at {target}; store quotes first with `quotes ingest`\n",
        )
    assert not target.exists()


def test_corrupt_database_and_silent_server(tmp_path: Path) -> None:
    notes = tmp_path / "notes.db"
    notes.write_text("mes notes\n", encoding="utf-8")
    code, _, err = invoke("speakers", "--db", str(notes))
    assert (code, err) == (1, f"Error: {notes} is not a SQLite database (or it is corrupt)\n")
    assert notes.read_text(encoding="utf-8") == "mes notes\n"
    code, _, err = invoke("search", "--db", "postgresql://nobody@127.0.0.1:9/none")
    assert code == 1 and err.startswith("Error: cannot open database postgresql://nobody@127.0.0.1:9/none: ")
    assert err.count("\n") == 1


def test_speakers_and_speaker(db_file: str) -> None:
    code, out, _ = invoke("speakers", "--format", "json", "--db", db_file)
    assert code == 0
    rows = {r["name"]: r for r in json.loads(out)}
    assert rows["Recep Tayyip Erdoğan"]["roles"] == ["président turc"] and rows["Vladimir Poutine"]["quotes"] == 1
    code, out, _ = invoke("speaker", "ERDOGAN", "--db", db_file)
    assert code == 0
    assert out.splitlines()[0] == "Recep Tayyip Erdoğan — 1 quote"
    assert "Roles: président turc" in out
    assert (
        "«\u00a0Le commerce entre nos pays doit doubler\u00a0», a déclaré Recep Tayyip Erdoğan (Le Quotidien, "
        "4 juillet 2024\u00a0; propos tenus le 3 juillet 2024)." in out
    )


def test_export_to_stdout_and_file(db_file: str, tmp_path: Path) -> None:
    code, out, _ = invoke("export", "--format", "citation", "--speaker", "Poutine", "--db", db_file)
    assert code == 0
    assert out == (
        "«\u00a0Notre organisation n'a jamais été aussi solide\u00a0», a déclaré Vladimir Poutine (Euronews, "
        "5 juillet 2024).\n"
    )
    target = tmp_path / "out.bib"
    code, _, err = invoke("export", "--format", "bibtex", "-o", str(target), "--db", db_file)
    assert code == 0 and err == f"Wrote 2 quote(s) to {target}\n"
    assert target.read_text(encoding="utf-8").count("@article{") == 2  # one entry per article
    # An existing file is never replaced unless asked.
    target.write_text("ma bibliographie\n", encoding="utf-8")
    code, _, err = invoke("export", "--format", "bibtex", "-o", str(target), "--db", db_file)
    assert (code, err) == (1, f"Error: {target} exists; use --force to replace it\n")
    assert target.read_text(encoding="utf-8") == "ma bibliographie\n"
    code, _, _ = invoke("export", "--format", "ris", "-o", str(target), "--force", "--db", db_file)
    assert code == 0 and target.read_text(encoding="utf-8").startswith("TY  - NEWS")


def test_ingest_errors_before_the_model_is_loaded(tmp_path: Path) -> None:
    article = tmp_path / "a.txt"
    article.write_text("« Bonjour », a dit Ana.", encoding="utf-8")
    other = tmp_path / "b.txt"
    other.write_text("« Au revoir », a dit Jo.", encoding="utf-8")
    db = str(tmp_path / "q.db")
    cases = [
        ([str(tmp_path / "absent.txt")], f"Error: {tmp_path / 'absent.txt'}: no such file or directory\n"),
        (
            [str(article), "--published", "juillet"],
            "Error: --published 'juillet' is not a date; use YYYY-MM-DD, YYYY-MM or YYYY\n",
        ),
        (
            [str(article), str(other), "--url", "https://ex.org/x"],
            "Error: --url names one article; give a single article file with it\n",
        ),
        (
            [str(article), "--db", str(tmp_path / "no" / "q.db")],
            f"Error: cannot open database {tmp_path / 'no' / 'q.db'}: directory {tmp_path / 'no'} does not exist\n",
        ),
    ]
    for args, message in cases:
        code, out, err = invoke("ingest", *args, *(["--db", db] if "--db" not in args else []))
        assert (code, out, err) == (1, "", message)


@pytest.mark.model
def test_ingest_end_to_end(extractor: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli_db, "make_extractor", lambda model_dir=None: extractor)
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "mairie.txt").write_text(
        "Le budget de Nantes adopté\nPar Ana Lopes\nPublié le 3 juillet 2024\n\n"
        "« Nous ne toucherons pas aux impôts locaux », a déclaré mardi Johanna Roland devant le conseil municipal.\n",
        encoding="utf-8",
    )
    (folder / "abime.txt").write_bytes("caf\xe9".encode("latin-1"))
    db = str(tmp_path / "q.db")
    code, out, err = invoke("ingest", str(folder), "--db", db, "--outlet", "Ouest Matin")
    assert code == 1  # issue 10, F9: the unreadable article fails the run; the other is stored
    assert err.endswith("Error: 1 of 2 articles failed (listed above)\n")
    assert out == "2 articles read, 1 stored, 1 failed; 1 quote (1 new), 1 new speaker\n"
    assert f"Failed: {folder / 'abime.txt'}: not valid UTF-8" in err
    code, out, err = invoke("ingest", str(folder), "--db", db)
    assert out == "2 articles read, 0 stored, 1 skipped (1 unchanged), 1 failed; 0 quotes (0 new), 0 new speakers\n"
    engine = open_db(db)
    with engine.connect() as conn:
        row = conn.execute(
            sa.text(
                "SELECT s.outlet, s.title, s.author, s.published, o.said_on, o.said_on_source, o.venue "
                "FROM occurrence o JOIN source s ON s.id = o.source_id"
            )
        ).one()
    engine.dispose()
    assert tuple(row) == (
        "Ouest Matin",
        "Le budget de Nantes adopté",
        "Ana Lopes",
        "2024-07-03",
        "2024-07-02",
        "article",
        "devant le conseil municipal",
    )


def test_search_speakers_and_export_on_both_back_ends(db_url: str) -> None:  # noqa: F811
    engine = open_db(db_url)
    ingestor = Ingestor(engine)
    for article in ARTICLES:
        ingestor.add(article)
    engine.dispose()
    code, out, err = invoke("search", "--speaker", "erdogan", "--text", "COMMERCE", "--format", "json", "--db", db_url)
    assert code == 0, err
    assert [r["text"] for r in json.loads(out)] == ["Le commerce entre nos pays doit doubler"]
    code, out, _ = invoke("speakers", "--format", "json", "--db", db_url)
    assert sorted(r["name"] for r in json.loads(out)) == ["Recep Tayyip Erdoğan", "Vladimir Poutine"]
    code, out, _ = invoke("export", "--format", "csl-json", "--venue", "astana", "--db", db_url)
    assert code == 0 and [i["URL"] for i in json.loads(out)] == ["https://ex.org/poutine"]


def test_database_corrupt_inside_is_one_error_line(db_file: str) -> None:
    path = Path(db_file)
    data = bytearray(path.read_bytes())
    page = 4096
    data[page : len(data)] = b"\xa5" * (len(data) - page)  # keep the header, ruin every other page
    path.write_bytes(bytes(data))
    for args in (["speakers"], ["search", "--text", "commerce"], ["speaker", "Poutine"], ["export"]):
        code, out, err = invoke(*args, "--db", db_file)
        assert code == 1 and out == "", (args, out)
        assert err.startswith("Error: ") and err.count("\n") == 1, (args, err)


class ExtractorFailingOn:
    """Extraction that breaks on one named article and finds one quotation in the others."""

    def __init__(self, bad_name: str) -> None:
        self.bad_name = bad_name

    def extract_one(self, article: object) -> object:
        from quotes.types import Article, ArticleQuotes, Quote

        assert isinstance(article, Article)
        if article.path.endswith(self.bad_name):
            raise RuntimeError("parser crashed")
        start = article.text.index("«") + 2
        end = article.text.index("»") - 1
        quote = Quote(article.text[start:end], start, end, "direct", speaker="Ana Lopes", cue="a dit")
        return ArticleQuotes(article=article, quotes=(quote,))


def test_ingest_skips_an_article_whose_extraction_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli_db, "make_extractor", lambda model_dir=None: ExtractorFailingOn("b.txt"))
    for name, words in (("a.txt", "Premier avis"), ("b.txt", "Deuxième avis"), ("c.txt", "Troisième avis")):
        (tmp_path / name).write_text(f"« {words} », a dit Ana Lopes.", encoding="utf-8")
    db = str(tmp_path / "q.db")
    code, out, err = invoke(
        "ingest", str(tmp_path / "a.txt"), str(tmp_path / "b.txt"), str(tmp_path / "c.txt"), "--db", db
    )
    assert code == 1  # issue 10, F9: a failed article fails the run; the others are stored
    assert out == "3 articles read, 2 stored, 1 failed; 2 quotes (2 new), 1 new speaker\n"
    assert err == (
        f"Failed: {tmp_path / 'b.txt'}: extraction failed (RuntimeError: parser crashed)\n"
        "Error: 1 of 3 articles failed (listed above)\n"
    )
    code, out, _ = invoke("search", "--speaker", "Ana Lopes", "--format", "jsonl", "--db", db)
    assert sorted(json.loads(line)["text"] for line in out.splitlines()) == ["Premier avis", "Troisième avis"]


def test_ingest_where_every_article_fails_exits_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli_db, "make_extractor", lambda model_dir=None: ExtractorFailingOn("b.txt"))
    (tmp_path / "b.txt").write_text("« Rien », a dit Ana Lopes.", encoding="utf-8")
    code, out, err = invoke("ingest", str(tmp_path / "b.txt"), "--db", str(tmp_path / "q.db"))
    assert code == 1
    assert out == "1 article read, 0 stored, 1 failed; 0 quotes (0 new), 0 new speakers\n"
    assert err.endswith("Error: no article could be stored (1 failed)\n")
