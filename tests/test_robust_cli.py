"""Issue 10: each failure found by probing, reproduced, with its one-line message and exit code."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
from pathlib import Path

import pytest
from robust_helpers import write_articles


def one_error(err: str) -> None:
    assert err.startswith("Error: ") and err.count("\n") == 1 and "Traceback" not in err, err


@pytest.mark.parametrize(
    "args",
    [["search", "--limit", "abc"], ["extrat", "x"], ["export", "--format", "docx"]],
    ids=["bad int", "unknown command", "bad choice"],
)
def test_f1_usage_errors_exit_2_without_traceback(quotes, args: list[str]) -> None:  # type: ignore[no-untyped-def]
    code, _out, err = quotes(*args)
    assert code == 2 and "Traceback" not in err and len(err.splitlines()) < 12


def test_f1_version(quotes) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = quotes("--version")
    assert code == 0 and out.startswith("quotes 0.")


@pytest.fixture
def stored(quotes, tmp_path: Path) -> str:  # type: ignore[no-untyped-def]
    write_articles(tmp_path / "in", 2)
    db = str(tmp_path / "q.db")
    code, _, err = quotes("ingest", str(tmp_path / "in"), "--db", db)
    assert code == 0, err
    return db


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--limit", "9223372036854775808"], "--limit must be at most"),
        (["--since", "2024-02-30"], "not a day of the calendar"),
        (["--since", "\uff12\uff10\uff12\uff14"], "is not a date"),
        (["--text", " ".join(["mot"] * 2000)], "more than 32 words"),
    ],
    ids=["F5 huge limit", "F18 impossible day", "F18 non-ascii digits", "F17 long text"],
)
def test_search_arguments(quotes, stored: str, args: list[str], message: str) -> None:  # type: ignore[no-untyped-def]
    code, _, err = quotes("search", *args, "--db", stored)
    assert code == 1 and message in err
    one_error(err)


def test_f2_f4_f20_bad_json_is_one_line_and_the_run_goes_on(quotes, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    d = tmp_path / "in"
    write_articles(d, 1)
    (d / "deep.json").write_text("[" * 100_000, encoding="utf-8")
    (d / "surrogate.json").write_text('{"text": "« Oui \\ud800 », a dit Ana Lopes."}', encoding="utf-8")
    (d / "url.json").write_text('{"text": "« Non », a dit Ana Lopes.", "url": "http://x/\\udfff"}', encoding="utf-8")
    code, out, err = quotes("ingest", str(d), "--db", str(tmp_path / "q.db"))
    assert code == 1 and out.startswith("4 articles read, 1 stored, 3 failed")
    assert "nested too deeply" in err and err.count("lone surrogate") == 2 and "Traceback" not in err
    code, _, err = quotes("extract", str(d / "surrogate.json"), "--format", "jsonl")
    assert code == 1 and "lone surrogate" in err
    one_error(err)


def test_f6_jsonl_with_line_separator_inside_a_string(quotes, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    p = tmp_path / "d.jsonl"
    lines = [
        json.dumps({"text": f"« Un\u2028deux {i} », a dit Ana Lopes.", "url": f"http://x/{i}"}, ensure_ascii=False)
        for i in range(2)
    ]
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, err = quotes("ingest", str(p), "--db", str(tmp_path / "q.db"))
    assert code == 0 and out.startswith("2 articles read, 2 stored"), err


def test_f7_html_in_its_declared_charset(tmp_path: Path) -> None:
    from quotes.read import read_items

    body = "<p>« Nous défendrons l'école publique, coûte que coûte », a déclaré la maire élue.</p>" * 3
    page = f'<html><head><meta charset="iso-8859-1"><title>Élus</title></head><body>{body}</body></html>'
    p = tmp_path / "p.html"
    p.write_bytes(page.encode("latin-1"))
    [item] = list(read_items([str(p)]))
    assert not isinstance(item, Exception) and "défendrons l'école" in item.text


def test_f10_reading_never_adds_tables_to_a_foreign_database(quotes, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE notes (x TEXT)")
    code, _, err = quotes("search", "--db", str(other))
    assert code == 1 and "not a quotes database" in err
    with sqlite3.connect(other) as conn:
        assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")] == ["notes"]


def test_f11_empty_db_is_refused(quotes) -> None:  # type: ignore[no-untyped-def]
    code, _, err = quotes("search", "--db", "")
    assert code == 1 and "--db is empty" in err


def test_f12_export_never_replaces_the_database_or_a_device(quotes, stored: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    before = Path(stored).read_bytes()
    code, _, err = quotes("export", "-o", stored, "--force", "--db", stored)
    assert code == 1 and "database" in err and Path(stored).read_bytes() == before
    code, _, err = quotes("export", "-o", "/dev/null", "--force", "--db", stored)
    assert code == 1 and "not a regular file" in err and stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_f12_export_keeps_a_symlink_and_the_mode(quotes, stored: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    real = tmp_path / "real.ris"
    real.write_text("old", encoding="utf-8")
    real.chmod(0o644)
    link = tmp_path / "link.ris"
    link.symlink_to(real)
    code, _, err = quotes("export", "-f", "ris", "-o", str(link), "--force", "--db", stored)
    assert code == 0, err
    assert link.is_symlink() and real.read_text(encoding="utf-8").startswith("TY  - ")
    assert stat.S_IMODE(real.stat().st_mode) == 0o644


def test_f13_fifo_is_named_as_such(quotes, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    fifo = tmp_path / "p"
    os.mkfifo(fifo)
    code, _, err = quotes("extract", str(fifo))
    assert code == 1 and "not a regular file" in err
    one_error(err)


def test_f19_empty_text_is_not_stored(quotes, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "e.txt").write_text("  \n", encoding="utf-8")
    code, _, err = quotes("ingest", str(tmp_path / "e.txt"), "--db", str(tmp_path / "q.db"))
    assert code == 1 and "empty article" in err


def warc_of(n: int, gzip: bool) -> tuple[bytes, list[int]]:
    """A WARC of `n` HTML responses written by warcio, and the offset where each record ends."""
    import io

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=gzip)
    ends = []
    for i in range(n):
        html = (
            "<html><body>"
            + f"<p>« Nous tiendrons parole devant les habitants du quartier {i} », a dit Ana Lopes.</p>" * 5
            + "</body></html>"
        ).encode()
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        writer.write_record(
            writer.create_warc_record(f"http://x/{i}", "response", payload=io.BytesIO(html), http_headers=headers)
        )
        ends.append(buf.tell())
    return buf.getvalue(), ends


@pytest.mark.parametrize("gzip", [False, True], ids=["warc", "warc.gz"])
def test_f21_truncated_warc_stores_the_whole_records_and_names_the_cut_one(quotes, tmp_path: Path, gzip: bool) -> None:  # type: ignore[no-untyped-def]
    data, ends = warc_of(3, gzip)
    p = tmp_path / ("cut.warc.gz" if gzip else "cut.warc")
    p.write_bytes(data[: (ends[0] + ends[1]) // 2])  # in the middle of the second record
    code, out, err = quotes("ingest", str(p), "--db", str(tmp_path / "q.db"))
    assert code == 1 and out.startswith("2 articles read, 1 stored, 1 failed"), (out, err)
    failed = [line for line in err.splitlines() if line.startswith("Failed: ")]
    assert len(failed) == 1 and "Traceback" not in err and "Error" not in failed[0], err
    assert "truncated" in failed[0] and (
        "record 2 (http://x/1) is cut short" in failed[0] or "after 1 complete" in failed[0]
    )
    with sqlite3.connect(tmp_path / "q.db") as conn:
        assert conn.execute("SELECT url FROM source").fetchall() == [("http://x/0",)]


def test_f21_warc_cut_anywhere_gives_its_whole_records_then_one_failure(tmp_path: Path) -> None:
    """Every cut of a 3-record WARC, plain and gzipped: no exception; the articles read are those
    of the records wholly before the cut, and one failure follows unless the cut is between records."""
    from quotes.read import read_items

    for gzip in (False, True):
        data, ends = warc_of(3, gzip)
        p = tmp_path / ("c.warc.gz" if gzip else "c.warc")
        for cut in range(1, len(data), 7):
            p.write_bytes(data[:cut])
            items = list(read_items([str(p)]))
            articles = [i for i in items if not isinstance(i, Exception)]
            failures = [str(i) for i in items if isinstance(i, Exception)]
            whole = sum(end <= cut for end in ends)
            assert [a.url for a in articles] == [f"http://x/{i}" for i in range(len(articles))], cut
            assert len(articles) in (whole, whole + 1) and len(failures) <= 1, (gzip, cut, failures)
            if len(articles) == whole and whole < 3 and not gzip:
                assert len(failures) == 1 or not data[ends[whole - 1] if whole else 0 : cut].strip(), (cut, items)
            assert all("\n" not in f and "Error" not in f for f in failures)


def test_f9_any_failed_article_fails_the_run(quotes, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    d = tmp_path / "in"
    write_articles(d, 2)
    (d / "bad.json").write_text("{", encoding="utf-8")
    code, out, err = quotes("ingest", str(d), "--db", str(tmp_path / "q.db"))
    assert code == 1 and out.startswith("3 articles read, 2 stored, 1 failed")
    assert err.splitlines()[-1] == "Error: 1 of 3 articles failed (listed above)"


def test_f16_unchanged_quotes_keep_their_ids(quotes, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    p = tmp_path / "a.json"
    art = {"url": "http://x/a", "text": "« Nous tiendrons parole », a dit Ana Lopes."}
    p.write_text(json.dumps(art, ensure_ascii=False), encoding="utf-8")
    db = str(tmp_path / "q.db")
    assert quotes("ingest", str(p), "--db", db)[0] == 0
    ids = dict(sqlite3.connect(db).execute("SELECT text, id FROM quote").fetchall())
    art["text"] += "\n« Et nous irons plus loin », a-t-elle ajouté."
    p.write_text(json.dumps(art, ensure_ascii=False), encoding="utf-8")
    code, out, err = quotes("ingest", str(p), "--db", db)
    assert code == 0 and "replaced" in out, err
    after = dict(sqlite3.connect(db).execute("SELECT text, id FROM quote").fetchall())
    assert after["Nous tiendrons parole"] == ids["Nous tiendrons parole"] and len(after) == 2
