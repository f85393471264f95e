"""Inputs for `quotes ingest`: JSON Lines, HTML (trafilatura), WARC (warcio), plain-text metadata."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from quotes.errors import InputError
from quotes.read import (
    find_ingest_inputs,
    read_inputs,
    read_items,
    text_metadata,
)
from quotes.types import Article

PAGE = """<!DOCTYPE html>
<html lang="fr"><head>
<meta charset="utf-8">
<title>Le port de Marseille s'agrandit | La Gazette du Sud</title>
<meta property="og:title" content="Le port de Marseille s'agrandit">
<meta property="og:site_name" content="La Gazette du Sud">
<meta name="author" content="Camille Fabre">
<meta property="article:published_time" content="2024-07-03T08:30:00+02:00">
<link rel="canonical" href="https://gazette.exemple.fr/eco/port-marseille">
</head><body>
<nav><a href="/">Accueil</a> | <a href="/eco">Économie</a></nav>
<article>
<h1>Le port de Marseille s'agrandit</h1>
<p>Les travaux du nouveau quai commenceront à l'automne, a annoncé mardi la direction du port.
Le chantier doit durer trois ans et mobiliser plusieurs centaines d'ouvriers.</p>
<p>« Ce quai nous permettra d'accueillir des navires deux fois plus grands », a déclaré Hélène Rigaud,
directrice du port, lors d'une conférence de presse. Les riverains restent partagés sur le projet,
qui prévoit aussi une nouvelle zone logistique.</p>
</article>
<footer>Tous droits réservés, La Gazette du Sud</footer>
</body></html>
"""

PLAIN = """Les vendanges avancées dans le Bordelais
Par Julien Perrin
Publié le 1er septembre 2024

« Nous n'avons jamais commencé aussi tôt », a expliqué un viticulteur de Pauillac.
"""


def items(paths: list[str], **kw: object) -> list[Article | InputError]:
    return list(read_items(paths, **kw))  # type: ignore[arg-type]


def test_html_page_text_and_metadata(tmp_path: Path) -> None:
    page = tmp_path / "port.html"
    page.write_text(PAGE, encoding="utf-8")
    (article,) = items([str(page)])
    assert isinstance(article, Article)
    assert "« Ce quai nous permettra d'accueillir des navires deux fois plus grands »" in article.text
    assert "Accueil" not in article.text and "Tous droits réservés" not in article.text
    assert (article.title, article.author, article.outlet, article.published, article.url) == (
        "Le port de Marseille s'agrandit",
        "Camille Fabre",
        "La Gazette du Sud",
        "2024-07-03",
        "https://gazette.exemple.fr/eco/port-marseille",
    )


def test_html_without_text_is_a_failure(tmp_path: Path) -> None:
    page = tmp_path / "empty.html"
    page.write_text("<html><body><nav>Menu</nav></body></html>", encoding="utf-8")
    (failure,) = items([str(page)])
    assert isinstance(failure, InputError)
    assert str(failure) == f"{page}: no article text found in the HTML"


def test_jsonl_one_article_a_line_and_bad_lines_alone_fail(tmp_path: Path) -> None:
    dump = tmp_path / "dump.jsonl"
    lines = [
        json.dumps({"text": "« Premier texte », a dit Ana.", "url": "https://ex.org/1", "outlet": "A"}),
        "",
        "{not json",
        json.dumps({"title": "sans texte"}),
        json.dumps({"text": "« Second texte », a dit Jo.", "published": "2024-05-02"}, ensure_ascii=False),
    ]
    dump.write_text("\n".join(lines) + "\n", encoding="utf-8")
    got = items([str(dump)])
    assert [type(g).__name__ for g in got] == ["Article", "InputError", "InputError", "Article"]
    assert isinstance(got[0], Article) and got[0].path == f"{dump}:1" and got[0].outlet == "A"
    assert str(got[1]) == f"{dump}:3: invalid JSON (Expecting property name enclosed in double quotes)"
    assert str(got[2]) == f'{dump}:4: JSON article has no "text" string field'
    assert isinstance(got[3], Article) and got[3].published == "2024-05-02"


def _warc(path: Path, records: list[tuple[str, str, bytes]]) -> None:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=path.suffix == ".gz")
        for uri, ctype, body in records:
            headers = StatusAndHeaders("200 OK", [("Content-Type", ctype)], protocol="HTTP/1.1")
            record = writer.create_warc_record(
                uri,
                "response",
                payload=io.BytesIO(body),
                http_headers=headers,
                warc_headers_dict={"WARC-Date": "2024-07-05T09:00:00Z"},
            )
            writer.write_record(record)


def test_warc_records_give_articles_with_uri_and_date(tmp_path: Path) -> None:
    archive = tmp_path / "crawl.warc.gz"
    page_without_canonical = PAGE.replace(
        '<link rel="canonical" href="https://gazette.exemple.fr/eco/port-marseille">', ""
    )
    _warc(
        archive,
        [
            ("https://gazette.exemple.fr/a", "text/html; charset=utf-8", page_without_canonical.encode()),
            ("https://gazette.exemple.fr/logo.png", "image/png", b"\x89PNG"),
            ("https://gazette.exemple.fr/vide", "text/html", b"<html><body></body></html>"),
        ],
    )
    got = items([str(archive)])
    assert len(got) == 2
    article, failure = got
    assert isinstance(article, Article)
    assert article.url == "https://gazette.exemple.fr/a"
    assert article.accessed == "2024-07-05" and article.published == "2024-07-03"
    assert article.path == f"{archive}#https://gazette.exemple.fr/a"
    assert isinstance(failure, InputError) and "no article text found" in str(failure)


def test_not_a_warc(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.warc"
    bogus.write_bytes(b"hello, this is no archive\n")
    (failure,) = items([str(bogus)])
    assert isinstance(failure, InputError) and str(failure).startswith(f"{bogus}: ")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            PLAIN,
            {
                "published": "2024-09-01",
                "author": "Julien Perrin",
                "title": "Les vendanges avancées dans le Bordelais",
            },
        ),
        ("Titre\ndate 2024-07\n\nTexte.", {"published": "2024-07", "title": "Titre"}),
        ("Date : 2024-07-03\n\nTexte.", {"published": "2024-07-03"}),
        ("Une phrase qui finit.\nPar Ana Lopes\n", {"author": "Ana Lopes"}),
        (
            "Titre\nPublié le mercredi 3 juillet 2024 à 10h\nPar Ana Lopes et Jo Roux\n",
            {"published": "2024-07-03", "author": "Ana Lopes et Jo Roux", "title": "Titre"},
        ),
        ("Mis en ligne le 03/07/2024\nTexte.", {"published": "2024-07-03"}),
        ("Il était parti le 3 juillet 2024, par la route.", {}),
        ("Publié le 3 juilet 2024", {}),
    ],
)
def test_plain_text_metadata(text: str, expected: dict[str, str]) -> None:
    assert text_metadata(text) == expected


def test_plain_text_gets_flags_then_its_own_lines(tmp_path: Path) -> None:
    article_file = tmp_path / "vendanges.txt"
    article_file.write_text(PLAIN, encoding="utf-8")
    (article,) = items([str(article_file)], defaults={"url": "https://ex.org/v", "outlet": "Sud Info"})
    assert isinstance(article, Article)
    assert article.text == PLAIN  # kept exactly: offsets index it
    assert (article.url, article.outlet, article.published, article.author, article.title) == (
        "https://ex.org/v",
        "Sud Info",
        "2024-09-01",
        "Julien Perrin",
        "Les vendanges avancées dans le Bordelais",
    )
    (flagged,) = items([str(article_file)], defaults={"published": "2024-09-02"})
    assert isinstance(flagged, Article) and flagged.published == "2024-09-02"


def test_stdin_text_and_html() -> None:
    (text,) = items(["-"], stdin=io.BytesIO(PLAIN.encode()))
    assert isinstance(text, Article) and text.path == "-" and text.published == "2024-09-01"
    (html,) = items(["-"], stdin=io.BytesIO(PAGE.encode()))
    assert isinstance(html, Article) and html.outlet == "La Gazette du Sud"
    dump = '{"text": "« Un », a dit Ana."}\n{"text": "« Deux », a dit Jo."}\n'
    one, two = items(["-"], stdin=io.BytesIO(dump.encode()))
    assert isinstance(one, Article) and isinstance(two, Article)
    assert (one.path, two.path, two.text) == ("-:1", "-:2", "« Deux », a dit Jo.")
    pretty = '{\n  "text": "« Un », a dit Ana."\n}\n'
    (single,) = items(["-"], stdin=io.BytesIO(pretty.encode()))
    assert isinstance(single, Article) and single.text == "« Un », a dit Ana."


def test_directories_and_unreadable_files(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.html").write_text(PAGE, encoding="utf-8")
    (tmp_path / "b.txt").write_text(PLAIN, encoding="utf-8")
    (tmp_path / "c.jsonl").write_text('{"text": "x"}\n', encoding="utf-8")
    (tmp_path / "d.tar.gz").write_bytes(b"")
    (tmp_path / "e.txt").write_bytes("caf\xe9".encode("latin-1"))
    found = find_ingest_inputs([str(tmp_path)])
    assert [Path(p).name for p in found] == ["b.txt", "c.jsonl", "e.txt", "a.html"]
    got = items([str(tmp_path)])
    assert [type(g).__name__ for g in got] == ["Article", "Article", "InputError", "Article"]
    assert str(got[2]) == f"{tmp_path / 'e.txt'}: not valid UTF-8 (byte 3); convert it, e.g. iconv -f latin1 -t utf-8"


def test_extract_reader_guesses_metadata_and_keeps_text(tmp_path: Path) -> None:
    article_file = tmp_path / "vendanges.txt"
    article_file.write_text(PLAIN, encoding="utf-8")
    (article,) = read_inputs([str(article_file)])
    # the text stays as read (offsets), the date line, byline and headline fill the metadata
    assert article == Article(
        path=str(article_file),
        text=PLAIN,
        title="Les vendanges avancées dans le Bordelais",
        published="2024-09-01",
        author="Julien Perrin",
    )
