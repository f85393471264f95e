"""Tables a person can read (issue 11, item 5): at 80 columns and wider, `search` and `extract`
tables wrap rather than cut (speaker names and URLs whole, no « … » ellipsis), show the date and
venue, and show indirect speech as such, never between « »."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from dbtesting import make_result
from rich.console import Console
from typer.testing import CliRunner

from quotes.cli import app, print_table
from quotes.db import open_db
from quotes.export import citation_line, export_markdown
from quotes.ingest import Ingestor
from quotes.search import Hit, SourceRef

runner = CliRunner()
URL = "https://www.exemple-quotidien-regional.fr/politique/2024/07/03/retraites-la-deputee-ne-cedera-rien-1234567.html"
SPEAKER = "Marie-Ségolène Vanderhaeghe-Dupont"
TEXT = (
    f"« Nous ne céderons rien sur les retraites », a lancé {SPEAKER} devant les députés. "
    "Le ministre a assuré que la réforme serait votée avant l'été."
)
INDIRECT = "la réforme serait votée avant l'été"


def result() -> object:
    made = make_result(
        TEXT,
        [("Nous ne céderons rien sur les retraites", SPEAKER), (INDIRECT, "Jean-Baptiste Lemoyne")],
        url=URL,
        outlet="Le Quotidien régional de l'Ouest",
        published="2024-07-03",
        venue="devant les députés",
        said_on="2024-07-03",
    )
    return replace(made, quotes=(made.quotes[0], replace(made.quotes[1], kind="indirect")))


def cells(table: str) -> list[list[str]]:
    """The cells of a rich table as printed, row by row: each cell's lines joined by a space."""
    rows: list[list[list[str]]] = []
    current: list[list[str]] | None = None
    for line in table.splitlines():
        if line.startswith(("┡", "├", "└")):
            if current:
                rows.append(current)
            current = None if line.startswith("└") else []
            continue
        if current is None or not line.startswith("│"):
            continue
        parts = [p.strip() for p in line.strip("│").split("│")]
        if not current:
            current.extend([] for _ in parts)
        for column, part in zip(current, parts, strict=True):
            if part:
                column.append(part)
    return [[" ".join(c) for c in row] for row in rows]


def folded(cell: str) -> str:
    """A cell whose words were folded at any character, put back together."""
    return cell.replace(" ", "")


@pytest.fixture
def db_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.delenv("QUOTES_DB", raising=False)
    path = str(tmp_path / "quotes.db")
    engine = open_db(path)
    Ingestor(engine).add(result())  # type: ignore[arg-type]
    engine.dispose()
    return path


@pytest.mark.parametrize("columns", [80, 100, 160])
def test_search_table_wraps_and_keeps_every_field(db_file: str, columns: int) -> None:
    out = runner.invoke(app, ["search", "--db", db_file], env={"COLUMNS": str(columns)}).stdout
    assert max(len(line) for line in out.splitlines()) <= columns
    assert "…" not in out
    rows = cells(out)
    assert len(rows) == 2
    by_speaker = {folded(r[1]): r for r in rows}
    direct = by_speaker[folded(SPEAKER)]
    indirect = by_speaker[folded("Jean-Baptiste Lemoyne")]
    for row in (direct, indirect):
        assert row[0] == "3 juillet 2024 devant les députés"
        assert URL in folded(row[3]) and folded("Le Quotidien régional de l'Ouest") in folded(row[3])
    assert direct[2] == "«\u00a0Nous ne céderons rien sur les retraites\u00a0»"
    assert indirect[2] == f"(indirect) {INDIRECT}" and "«" not in indirect[2]


@pytest.mark.parametrize("columns", [80, 120])
def test_extract_table_shows_date_venue_and_indirect_speech_as_such(columns: int) -> None:
    console = Console(width=columns, record=True, highlight=False)
    print_table(result(), console)  # type: ignore[arg-type]
    out = console.export_text()
    assert max(len(line) for line in out.splitlines()) <= columns
    assert "…" not in out
    rows = cells(out)
    assert [folded(r[0]) for r in rows] == [folded(SPEAKER), folded("Jean-Baptiste Lemoyne")]
    assert rows[0][1] == "«\u00a0Nous ne céderons rien sur les retraites\u00a0»"
    assert rows[1][1] == f"(indirect) {INDIRECT}"
    assert [r[2] for r in rows] == ["a déclaré direct", "a déclaré indirect"]
    assert [r[3] for r in rows] == ["3 juillet 2024 devant les députés"] * 2
    assert [r[4] for r in rows] == ["0.90", "0.90"]


def test_markup_in_a_quote_is_shown_as_written(db_file: str, tmp_path: Path) -> None:
    text = "« Le [bold]gras[/bold] reste du texte », a dit Paul Roux."
    engine = open_db(db_file)
    Ingestor(engine).add(
        make_result(text, [("Le [bold]gras[/bold] reste du texte", "Paul Roux")], url="https://ex.org/m")
    )
    engine.dispose()
    out = runner.invoke(app, ["search", "--text", "gras", "--db", db_file], env={"COLUMNS": "120"}).stdout
    assert "[bold]gras[/bold]" in out


def _indirect_hit(speaker: str | None) -> Hit:
    ref = SourceRef(
        url="https://ex.org/r",
        outlet="Le Quotidien",
        title="Retraites",
        author=None,
        published="2024-07-03",
        accessed="2024-07-04",
        cue="a assuré",
        said_on="2024-07-03",
        said_on_source="publication",
        venue=None,
        confidence=0.8,
        start=0,
        end=10,
    )
    return Hit(7, INDIRECT, "indirect", speaker, 1 if speaker else None, "2024-07-03", (ref,))


@pytest.mark.parametrize(
    ("speaker", "line"),
    [
        (
            "Jean Roux",
            f"Propos rapportés de Jean Roux (discours indirect) : {INDIRECT} (Le Quotidien, 3 juillet 2024).",
        ),
        (None, f"Propos rapportés (discours indirect) : {INDIRECT} (Le Quotidien, 3 juillet 2024)."),
    ],
)
def test_citations_do_not_put_indirect_speech_between_guillemets(speaker: str | None, line: str) -> None:
    hit = _indirect_hit(speaker)
    assert citation_line(hit) == line.replace(" :", "\u00a0:")
    markdown = export_markdown([hit])
    assert "«" not in markdown and f"> *(discours indirect)* {INDIRECT}\n" in markdown
