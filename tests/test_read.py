"""Reading inputs: text, JSON articles, directories, stdin, and clear errors for bad input."""

import io
import json
from pathlib import Path

import pytest

from quotes.errors import InputError
from quotes.read import MAX_ARTICLE_BYTES, find_inputs, read_inputs, read_path


def test_text_file_kept_byte_for_byte(tmp_path: Path) -> None:
    p = tmp_path / "a.txt"
    p.write_text("Ligne 1\r\n« Oui », dit-il.\n", encoding="utf-8")
    (art,) = read_path(str(p))
    assert art.text == "Ligne 1\r\n« Oui », dit-il.\n"
    assert art.path == str(p)


def test_json_article_metadata_and_extra_keys(tmp_path: Path) -> None:
    p = tmp_path / "a.json"
    p.write_text(
        json.dumps(
            {
                "text": "Bonjour.",
                "url": "https://ex.fr/a",
                "outlet": "Le Quotidien",
                "published": "2024-07-03",
                "quotes": [1, 2],
                "other": {},
            }
        ),
        encoding="utf-8",
    )
    (art,) = read_path(str(p))
    assert (art.text, art.url, art.outlet, art.published) == (
        "Bonjour.",
        "https://ex.fr/a",
        "Le Quotidien",
        "2024-07-03",
    )


def test_directory_recursive_sorted(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "2.txt").write_text("deux", encoding="utf-8")
    (tmp_path / "1.json").write_text('{"text": "un"}', encoding="utf-8")
    (tmp_path / "notes.md").write_text("ignoré", encoding="utf-8")
    assert [a.text for a in read_inputs([str(tmp_path)])] == ["un", "deux"]


def test_stdin_text_and_json() -> None:
    (art,) = read_path("-", io.BytesIO("« Oui », a-t-il dit.".encode()))
    assert art.text == "« Oui », a-t-il dit." and art.path == "-"
    (art,) = read_path("-", io.BytesIO(b'{"text": "Salut", "title": "T"}'))
    assert (art.text, art.title) == ("Salut", "T")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("latin1.txt", "Élysée".encode("latin-1"), "not valid UTF-8"),
        ("notext.json", b'{"title": "x"}', 'has no "text" string field'),
        ("broken.json", b'{"text": ', "invalid JSON"),
        ("list.json", b"[1, 2]", "must be an object"),
    ],
)
def test_bad_files_raise_one_line_errors(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    p = tmp_path / name
    p.write_bytes(content)
    with pytest.raises(InputError) as exc:
        list(read_path(str(p)))
    assert message in str(exc.value) and "\n" not in str(exc.value)


def test_missing_and_empty_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file or directory"):
        find_inputs([str(tmp_path / "absent.txt")])
    with pytest.raises(InputError, match="directory holds no articles"):
        find_inputs([str(tmp_path)])


def test_huge_file_refused(tmp_path: Path) -> None:
    p = tmp_path / "huge.txt"
    p.write_bytes(b"a" * (MAX_ARTICLE_BYTES + 1))
    with pytest.raises(InputError, match="too large"):
        list(read_path(str(p)))
