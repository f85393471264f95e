"""Case- and accent-insensitive text keys, shared by the stages and the database (no heavy imports)."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """Casefolded, without accents, ’ as ': "Erdoğan" -> "erdogan", "l’État" -> "l'etat"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("’", "'")
