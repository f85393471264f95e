"""Text keys and sentence ends read faster (issue 9, throughput), with the same answers as the
plain definitions they replace."""

from __future__ import annotations

import random
import re
import unicodedata
from pathlib import Path

from quotes.extract.situate import _SENTENCE_END
from quotes.folding import fold

ROOT = Path(__file__).resolve().parent.parent


def _fold_whole(text: str) -> str:
    """The definition: the whole text casefolded, decomposed, its combining marks dropped."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("’", "'")


def test_fold_read_character_by_character_is_folding_the_whole_text() -> None:
    every = [chr(c) for c in range(0x110000)]
    assert [fold(c) for c in every] == [_fold_whole(c) for c in every]
    rng = random.Random(5)
    # letters, combining marks (reordered by NFKD when several follow a letter), ligatures, Greek sigma
    pool = [chr(c) for c in [*range(0x20, 0x250), *range(0x300, 0x370), *range(0x1E00, 0x1F00), *range(0xFB00, 0xFB07)]]
    pool += ["ΑΣ", "ß", "ẞ", "İ", "’", "\u0345", "ǅ", "Å"]
    for _ in range(20000):
        text = "".join(rng.choice(pool) for _ in range(rng.randint(0, 10)))
        assert fold(text) == _fold_whole(text), repr(text)
    for path in sorted((ROOT / "golden" / "articles").iterdir()):
        text = path.read_text(encoding="utf-8")
        assert fold(text) == _fold_whole(text), path.name


# the definition the sentence-end pattern was written as: the abbreviation looked at before the mark
_SENTENCE_END_PLAIN = re.compile(r"\n|(?<!\bM)(?<!\bMM)(?<!\bMme)(?<!\bDr)(?<!\bSt)(?<!\b[A-Z])[.!?…](?=\s|$)")


def test_sentence_ends_are_those_of_the_plain_pattern() -> None:
    def ends(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
        return [m.span() for m in pattern.finditer(text)]

    rng = random.Random(7)
    alphabet = "MmeDrStAZJ.!?… \n\t\u00a0ab«»,é1"
    for _ in range(50000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14)))
        assert ends(_SENTENCE_END, text) == ends(_SENTENCE_END_PLAIN, text), repr(text)
    for path in sorted((ROOT / "golden" / "articles").iterdir()):
        text = path.read_text(encoding="utf-8")
        assert ends(_SENTENCE_END, text) == ends(_SENTENCE_END_PLAIN, text), path.name
    assert ends(_SENTENCE_END, "a dit M. Champagne. Puis J. Dupont! Mme. X") == [(18, 19), (34, 35)]


def test_dates_fold_each_character_as_it_did_one_at_a_time() -> None:
    from quotes.extract.situate import _fold, _fold_char

    every = "".join(chr(c) for c in range(0x110000))
    assert _fold(every) == "".join(map(_fold_char, every)) and len(_fold(every)) == len(every)
    for path in sorted((ROOT / "golden" / "articles").iterdir()):
        text = path.read_text(encoding="utf-8")
        assert _fold(text) == "".join(map(_fold_char, text)), path.name
