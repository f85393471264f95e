"""Case- and accent-insensitive text keys, shared by the stages and the database (no heavy imports)."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable


def _fold_one(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("’", "'")


class CharTable(dict[int, str]):
    """A `str.translate` table that computes each character's form with `form` the first time
    it meets that character, and remembers it."""

    def __init__(self, form: Callable[[str], str]) -> None:
        super().__init__()
        self.form = form

    def __missing__(self, code: int) -> str:
        folded = self[code] = self.form(chr(code))
        return folded


_FOLDED = CharTable(_fold_one)


def fold(text: str) -> str:
    """Casefolded, without accents, ’ as ': "Erdoğan" -> "erdogan", "l’État" -> "l'etat".

    Read character by character (`str.translate`, each character's form found once): casefolding
    and compatibility decomposition act on each character alone, and the marks that canonical
    reordering would move are the combining ones, all dropped; so it is the same as folding the
    whole text at once, at a fraction of the cost on an article."""
    return text.translate(_FOLDED)
