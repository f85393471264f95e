"""Name the speaker of each quotation: mention -> the fullest name the article gives.

Names map to their fullest form in the article (Poutine -> Vladimir Poutine); role nouns to the
person or body the article names for that role (le président turc -> Recep Tayyip Erdoğan);
pronouns through coreference (coreferee when its model is installed) ranked by what speaker
attribution needs; a quotation without a cue continues the previous speaker's words.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any

from quotes.extract.attribute import Attributed, Mention
from quotes.extract.cues import INDEFINITE, is_role_noun, is_role_noun_form
from quotes.extract.parsed import ParsedArticle
from quotes.folding import fold
from quotes.lexicon import speech_nouns
from quotes.types import Attribution, Quote

if TYPE_CHECKING:
    from quotes.extract.nlp import ArticleCoreference, Coreference

Doc = Any
Token = Any

TITLES = {"m.", "mme", "mlle", "mr", "dr", "me", "pr", "monsieur", "madame", "mgr", "sir", "@"}
ORG_NOUNS = {
    "association",
    "ong",
    "organisation",
    "fédération",
    "ministère",
    "parti",
    "syndicat",
    "quotidien",
    "journal",
    "club",
    "groupe",
    "entreprise",
    "société",
    "ligue",
    "parquet",
    "police",
    "gendarmerie",
    "préfecture",
    "mairie",
    "fondation",
    "agence",
    "institut",
    "commission",
    "gouvernement",
    "chaîne",
    "collectif",
    "cour",
    "tribunal",
    "conseil",
    "comité",
    "banque",
    "fédéral",
    "opposition",
    "majorité",
    "exécutif",
    "direction",
}
# People who speak for a body: their words are the body's.
SPOKESPEOPLE = {
    "porte-parole",
    "représentant",
    "représentante",
    "responsable",
    "source",
    "attaché",
    "attachée",
    "chargé",
    "chargée",
    "service",
}
# Bodies that are one of a kind in a news story: named by the noun phrase itself.
INSTITUTIONS = {
    "gouvernement",
    "parquet",
    "police",
    "gendarmerie",
    "préfecture",
    "mairie",
    "ministère",
    "élysée",
    "matignon",
    "justice",
    "armée",
    "commission",
    "tribunal",
    "cour",
    "conseil",
    "agence",
    "direction",
    "ligue",
    "fédération",
    "syndicat",
    "confédération",
    "opposition",
    "majorité",
    "exécutif",
}
CONFIDENCE: dict[str, float] = {
    "name": 0.9,
    "relative": 0.85,
    "nominal": 0.7,
    "pronoun": 0.7,
    "context": 0.5,
    "none": 0.2,
}


# the same lists, folded once for case- and accent-insensitive lookups
ORG_NOUN_KEYS = frozenset(fold(n) for n in ORG_NOUNS)
INSTITUTION_KEYS = frozenset(fold(n) for n in INSTITUTIONS)


@dataclass(frozen=True)
class Name:
    start: int  # token range in the doc
    end: int
    text: str
    label: str  # PER or ORG

    @cached_property
    def words(self) -> list[str]:
        return [fold(w) for w in self.text.replace("-", " ").split()]


def clean_name(doc: Doc, start: int, end: int, label: str = "PER") -> tuple[int, int]:
    """Strip titles, determiners and, for a person, the role words before the name."""
    while start < end and (
        doc[start].lower_ in TITLES
        or doc[start].is_punct
        or (doc[start].pos_ in ("DET", "ADP") and (label == "PER" or doc[start].text[:1].islower()))
        or (label == "PER" and doc[start].text[:1].islower() and end - start > 1)
    ):
        start += 1
    while end > start and ((doc[end - 1].is_punct and doc[end - 1].text != ")") or doc[end - 1].pos_ in ("DET", "ADP")):
        end -= 1
    return start, end


HYPHENS = ("-", "\u2010", "\u2011")


def _repaired(doc: Doc, s: int, e: int) -> tuple[int, int]:
    """The tagger's name span mended where the tokenizer cut it: a hyphenated surname split in
    three tokens (Assor - Doukhan), even when the tagger kept only the first name; an English
    possessive (Moody' s); a capitalised dateline glued before a paragraph's first name
    (TOULOUSE Souad)."""
    if e - s > 1 and (s == 0 or "\n" in doc[s - 1].text) and len(doc[s].text) > 2 and doc[s].text.isupper():
        nxt = doc[s + 1].text
        if nxt[:1].isupper() and not nxt.isupper():
            s += 1
    if (
        e + 2 < len(doc)
        and doc[e].is_alpha
        and doc[e].text[:1].isupper()
        and not doc[e].whitespace_
        and doc[e + 1].text in HYPHENS
    ):
        e += 1  # the tagger stopped before the surname's first half (Andrea | Assor - Doukhan)
    while (
        e + 1 < len(doc)
        and doc[e].text in HYPHENS
        and not doc[e - 1].whitespace_
        and not doc[e].whitespace_
        and doc[e + 1].text[:1].isupper()
    ):
        e += 2
    if (
        e < len(doc)
        and doc[e - 1].text.endswith(("'", "\u2019"))
        and not doc[e - 1].whitespace_
        and doc[e].lower_.rstrip(".") == "s"
    ):
        e += 1
    return s, e


def _person_like(name: Name) -> bool:
    """A name the tagger labelled MISC that reads as a person's: two words or more, each
    capitalised (« a annoncé Recep Tayyip Erdoğan. » comes out MISC)."""
    words = name.text.split()
    return name.label == "MISC" and len(words) >= 2 and all(w[:1].isupper() for w in words)


def _abbreviates(acronym: str, name: str) -> bool:
    """LDH for Ligue des droits de l'homme: the letters follow the initials of the name's words."""
    initials = [w[0].upper() for w in name.replace("'", " ").replace("’", " ").replace("-", " ").split() if w]
    if not initials or initials[0] != acronym[0].upper():
        return False
    k = 0
    for letter in acronym.upper():
        while k < len(initials) and initials[k] != letter:
            k += 1
        if k == len(initials):
            return False
        k += 1
    return True


class NameIndex:
    """The people and organisations an article names, and the roles it gives them."""

    def __init__(self, doc: Doc, first_name_gender: Callable[[str], str | None] | None = None) -> None:
        self.doc = doc
        self.first_name_gender = first_name_gender or (lambda _first: None)
        self.names: list[Name] = []
        for ent in doc.ents:
            if ent.label_ not in ("PER", "ORG", "LOC", "MISC"):
                continue
            s, e = clean_name(doc, ent.start, ent.end, ent.label_)
            # an entity never runs over a line break (a name, then the next paragraph's first words)
            e = next((k for k in range(s, e) if "\n" in doc[k].text), e)
            s, e = _repaired(doc, s, e)
            if e <= s:
                continue
            text = doc[s:e].text.strip().rstrip(".")
            if len(text) < 2 or text.startswith(("#", "http")):
                continue
            person_role_first = (
                doc[s].text.islower() and is_role_noun_form(doc[s]) and fold(doc[s].lemma_) not in ORG_NOUN_KEYS
            )
            if all(is_role_noun_form(t) for t in doc[s:e]) or person_role_first:
                continue  # « Président-candidat », « ministre du Redressement »: roles, not names
            self.names.append(Name(s, e, text, ent.label_))
        self.mentions = Counter(n.text for n in self.names)
        self.starts_by_text: dict[str, list[int]] = {}
        for n in self.names:
            self.starts_by_text.setdefault(n.text, []).append(n.start)
        self._fullest: dict[tuple[int, int, str], str] = {}
        # each word's names, and organisations by word count: indexed once, so that finding a
        # name's fullest form looks only at the names that could be it (not the whole article)
        self._by_word: dict[str, list[int]] = {}
        self._orgs_by_length: dict[int, list[int]] = {}
        for k, n in enumerate(self.names):
            for w in set(n.words):
                self._by_word.setdefault(w, []).append(k)
            if n.label == "ORG":
                self._orgs_by_length.setdefault(len(n.words), []).append(k)
        self.role_words: dict[str, set[str]] = {}
        self.role_gender: dict[str, str] = {}
        self.roles = self._roles()
        # Ligue des droits de l'homme (LDH): the acronym and the long form are one name
        self.acronyms: dict[str, str] = {}
        for n in self.names:
            if n.end + 2 < len(doc) and doc[n.end].text == "(" and doc[n.end + 2].text == ")":
                acr = doc[n.end + 1].text
                if n.label == "ORG" and acr.isupper() and 1 < len(acr) <= 8 and _abbreviates(acr, n.text):
                    full = f"{n.text} ({acr})"
                    self.acronyms[fold(acr)] = full
                    self.acronyms[fold(n.text)] = full

    def _roles(self) -> list[tuple[str, Name, int]]:
        """(role noun lemma, named person or body, token position) from appositions and titles:
        person roles for people (la présidente), body nouns for organisations (l'ONG)."""
        doc = self.doc
        out: list[tuple[str, Name, int]] = []
        for name in self.names:
            if name.label not in ("PER", "ORG"):
                continue
            # le président turc Erdoğan / le ministre de l'Intérieur, Gérald Darmanin
            for i in range(name.start - 1, max(-1, name.start - 8), -1):
                tok = doc[i]
                if tok.text in (".", "\n", ";", ":") or tok.pos_ in ("VERB", "AUX"):
                    break
                if tok.pos_ in ("NOUN", "PROPN", "X") and is_role_noun(tok) and _role_fits(tok, name):
                    out.append((tok.lemma_.lower(), name, name.start))
                    self._note_gender(tok, name)
                    self.role_words.setdefault(name.text, set()).update(
                        fold(t.text) for t in doc[tok.i : name.start] if t.is_alpha
                    )
                    break
            # Gérald Darmanin, ministre de l'Intérieur / Patrick Baudouin, avocat et président
            j = name.end
            if j < len(doc) and doc[j].text == ",":
                for k in range(j + 1, min(len(doc), j + 5)):
                    tok = doc[k]
                    if tok.pos_ in ("VERB", "AUX") or tok.text in (".", ",", "\n"):
                        break
                    if tok.pos_ in ("NOUN", "PROPN", "X") and is_role_noun(tok) and _role_fits(tok, name):
                        out.append((tok.lemma_.lower(), name, name.start))
                        self._note_gender(tok, name)
                        self.role_words.setdefault(name.text, set()).update(
                            fold(t.text) for t in doc[j + 1 : min(len(doc), k + 6)] if t.is_alpha
                        )
        return out

    def _note_gender(self, role: Token, name: Name) -> None:
        if name.label == "PER":
            g = noun_gender(role)
            if g is not None:
                self.role_gender[name.text] = g

    def fullest(self, name: Name) -> str:
        """The fullest form of a name in the article: Poutine -> Vladimir Poutine, @GDarmanin too."""
        key = (name.start, name.end, name.text)
        if key not in self._fullest:
            self._fullest[key] = self._find_fullest(name)
        return self._fullest[key]

    def _find_fullest(self, name: Name) -> str:
        if name.text.startswith("@"):
            handle = fold(name.text[1:])
            persons = [
                n
                for n in self.names
                if n.label == "PER" and n.words and len(n.words[-1]) > 2 and handle.endswith(n.words[-1])
            ]
            if persons:
                return self.fullest(max(persons, key=lambda n: len(n.words)))
            return name.text
        if fold(name.text) in self.acronyms:
            return self.acronyms[fold(name.text)]
        words = name.words
        if not words:
            return name.text
        best = name
        # two people may share a surname (Barack and Michelle Obama): among equally full forms,
        # the one the article names most, then the one named last before this mention
        mentions = self.mentions

        def last_before(text: str) -> int:
            starts = self.starts_by_text.get(text, [])
            k = bisect_right(starts, name.start)
            return starts[k - 1] if k else -1

        for other in self._could_be_fuller(name):
            ow = other.words
            rank = (len(ow), -_initials(ow), mentions[other.text], last_before(other.text))
            if not ow or rank <= (len(best.words), -_initials(best.words), mentions[best.text], last_before(best.text)):
                continue
            if name.label == "PER" and (other.label == "PER" or _person_like(other)):
                # Poutine / M. Poutine / A. Montebourg -> the full name ending the same way;
                # Ana Pastor -> Ana Pastor García (a name of two words or more inside a longer one)
                surname = len(words) == 1 and self.first_name_gender(name.text) is None
                # Thierry -> Thierry Pellard: a first name alone, as the press names people it met
                first_name = len(words) == 1 and not surname and len(ow) >= 2 and ow[0] == words[0]
                # Wim Vandeven -> Wim Van de Ven: the same letters, the particles written apart
                run_together = "".join(ow) == "".join(words)
                if (
                    (ow[-1] == words[-1] and _covers(ow, words))
                    or ((len(words) >= 2 or surname) and _contiguous(ow, words))
                    or first_name
                    or run_together
                ):
                    best = other
            elif name.label == "ORG" and other.label == "ORG":
                # la Ligue arabe -> Ligue arabe de ...; HRW -> Human Rights Watch (its initials)
                if _contiguous(ow, words) or (
                    len(words) == 1
                    and name.text.isupper()
                    and len(name.text) == len(ow)
                    and _abbreviates(name.text, other.text)
                ):
                    best = other
        return self.acronyms.get(fold(best.text), best.text)

    def _could_be_fuller(self, name: Name) -> list[Name]:
        """In article order, the names `_find_fullest` can choose for `name`: those sharing one of
        its words, and for an upper-case word, the organisations of as many words as it has letters."""
        picks: set[int] = set()
        for w in name.words:
            picks.update(self._by_word.get(w, ()))
        if len(name.words) == 1 and name.text.isupper():
            picks.update(self._orgs_by_length.get(len(name.text), ()))
        return [self.names[k] for k in sorted(picks)]

    def in_span(self, start: int, end: int) -> Name | None:
        inside = [n for n in self.names if n.start < end and start < n.end]
        for label in ("PER", "ORG", "LOC", "MISC"):
            hits = [n for n in inside if n.label == label]
            if hits:
                return hits[0] if label != "PER" else hits[-1]
        return None

    def by_modifiers(self, modifiers: set[str], tok_i: int) -> Name | None:
        """The person whose roles carry all these words (la dirigeante norvégienne -> the Norwegian counterpart)."""
        fits = [
            (pos, n) for _, n, pos in self.roles if modifiers <= self.role_words.get(n.text, set()) and pos <= tok_i
        ]
        return max(fits, key=lambda p: p[0])[1] if fits else None

    def gender(self, full: str) -> str | None:
        """'m' or 'f' for a person: a feminine role the article gives them (la réalisatrice X), else
        their first name, else a masculine role (weak: French often says « le maire » of a woman)."""
        role = self.role_gender.get(full)
        if role == "f":
            return role
        first = self.first_name_gender(full.split()[0]) if full.split() else None
        return first or role

    def most_mentioned(self, label: str, tok_i: int, keep: Callable[[str], bool] | None = None) -> str | None:
        """The fullest name of the person (or body) the article mentions most."""
        labels = (label,)
        counts: dict[str, list[int]] = {}
        for n in self.names:
            if n.label in labels and (keep is None or keep(self.fullest(n))):
                counts.setdefault(self.fullest(n), []).append(n.start)
        if not counts:
            return None

        def rank(item: tuple[str, list[int]]) -> tuple[int, int]:
            before = [p for p in item[1] if p < tok_i]
            return (len(item[1]), max(before) if before else -1)

        return max(counts.items(), key=rank)[0]

    def before(self, tok_i: int, window: int = 250, label: str | None = None) -> list[Name]:
        """Names ending before token `tok_i`, nearest first, within `window` tokens."""
        cands = [
            n for n in self.names if n.end <= tok_i and tok_i - n.end <= window and (label is None or n.label == label)
        ]
        return sorted(cands, key=lambda n: -n.end)

    def by_role(self, lemma: str, tok_i: int, modifiers: set[str] | None = None) -> Name | None:
        """The person named for a role; `modifiers` (LFI, du Nord) must fit what the article says of them."""
        roles = [
            (r, n, pos) for r, n, pos in self.roles if not modifiers or modifiers <= self.role_words.get(n.text, set())
        ]
        before = [(pos, n) for r, n, pos in roles if r == lemma and pos <= tok_i]
        if before:
            return max(before, key=lambda p: p[0])[1]
        after = [(pos, n) for r, n, pos in roles if r == lemma]
        return min(after, key=lambda p: p[0])[1] if after else None


def _initials(words: list[str]) -> int:
    """How many words are initials (B. Obama): a spelled-out name is fuller."""
    return sum(1 for w in words if len(w) == 2 and w.endswith("."))


def _contiguous(full: list[str], short: list[str]) -> bool:
    """The short form's words appear together, in order, in the full form."""
    n = len(short)
    return any(full[k : k + n] == short for k in range(len(full) - n + 1))


def _covers(full: list[str], short: list[str]) -> bool:
    """Every word of the short form is in the full one; an initial (A.) stands for its word."""
    for w in short:
        if w in full:
            continue
        if len(w) == 2 and w.endswith(".") and any(f.startswith(w[0]) for f in full):
            continue
        return False
    return True


def noun_gender(tok: Token) -> str | None:
    """'m' or 'f' from a noun's morphology or its determiner (la ministre), else None."""
    for child in tok.children:
        if child.dep_ == "det" and child.lower_ in ("la", "une", "cette", "sa"):
            return "f"
        if child.dep_ == "det" and child.lower_ in ("le", "un", "ce", "cet", "du", "au"):
            return "m"
    # epicene nouns (homologue, ministre) carry the tagger's guess: trust an agreeing adjective instead
    for child in tok.children:
        if child.dep_ == "amod" and child.pos_ == "ADJ":
            g = child.morph.get("Gender")
            if g in (["Fem"], ["Masc"]):
                return "f" if g == ["Fem"] else "m"
    return None


def _role_fits(tok: Token, name: Name) -> bool:
    """Organisation nouns name organisations, person roles name people."""
    is_body = fold(tok.lemma_) in ORG_NOUN_KEYS
    return is_body == (name.label != "PER")


@dataclass
class _Resolved:
    name: str | None
    label: str | None
    role: str | None
    how: str = "nothing"  # which pattern named the speaker (recorded as the quote's evidence)


def _proper_name_run(doc: Doc, m: Mention) -> str | None:
    toks = [t for t in doc[m.start : m.end] if t.pos_ == "PROPN"]
    if not toks:
        return None
    return " ".join(t.text for t in toks)


def resolve_mention(
    parsed: ParsedArticle,
    names: NameIndex,
    m: Mention,
    previous: _Resolved | None,
    coref: ArticleCoreference | None,
    since: int = 0,
) -> _Resolved:
    doc = parsed.doc
    span_text = doc[m.start : m.end].text
    if m.attribution in ("name", "relative"):
        hit = names.in_span(m.start, m.end)
        if hit is not None:
            role = span_text if m.attribution == "name" and span_text != hit.text and len(span_text) < 80 else None
            return _Resolved(names.fullest(hit), hit.label, role, how="name")
        run = _proper_name_run(doc, m)
        if run:
            fake = Name(m.start, m.end, run, "PER")
            return _Resolved(names.fullest(fake), "PER", None, how="proper-noun run")
        if m.attribution == "relative":
            head = doc[m.head]
            if head.pos_ == "PRON":
                return resolve_pronoun(parsed, names, head, previous, coref, since)
            return resolve_role(doc, names, m, previous)
    if m.attribution == "pronoun":
        return resolve_pronoun(parsed, names, doc[m.head], previous, coref, since)
    return resolve_role(doc, names, m, previous)


def resolve_role(doc: Doc, names: NameIndex, m: Mention, previous: _Resolved | None) -> _Resolved:
    """A role noun (le ministre, l'ONG) -> the person or body the article names for it."""
    # nouns, and lowercase words the tagger took for proper nouns (le parti écologiste)
    nouns = [t for t in doc[m.start : m.end] if t.pos_ == "NOUN" or (t.pos_ == "PROPN" and t.text.islower())]
    role_text = doc[m.start : m.end].text
    if nouns and nouns[0].lemma_.lower() in speech_nouns():
        # le communiqué du ministère de l'Intérieur: the one who issued it
        hit = names.in_span(nouns[0].i + 1, m.end)
        if hit is not None:
            return _Resolved(names.fullest(hit), hit.label, None, how="speech noun's issuer")
        nouns = nouns[1:]
    if not nouns:
        return previous_or_nearest(names, m.start, previous, "PER")
    head = nouns[0]
    lemma = head.lemma_.lower()
    if lemma in SPOKESPEOPLE:
        of = [t for t in doc[head.i + 1 : m.end] if t.lower_ in ("de", "du", "des", "d'", "d’")]
        if of:
            # un porte-parole de l'agence régionale de santé: the body speaks
            hit = names.in_span(of[0].i + 1, m.end)
            if hit is not None and hit.label != "PER":
                return _Resolved(names.fullest(hit), "ORG", role_text, how="spokesperson's body")
            body = [t for t in doc[of[0].i + 1 : m.end] if t.pos_ == "NOUN"]
            if body and fold(body[0].lemma_) in ORG_NOUN_KEYS:
                start = body[0].i - 1 if doc[body[0].i - 1].pos_ == "DET" else body[0].i
                found = resolve_role(doc, names, Mention(start, m.end, "nominal", body[0].i), previous)
                return _Resolved(found.name, "ORG", role_text, how="spokesperson's body")
    det = doc[m.start]
    if (det.pos_ == "DET" and det.lower_ in INDEFINITE) or doc[m.start : m.start + 2].text.lower() == "de nombreux":
        return _Resolved(None, None, role_text, how="indefinite: nobody")  # un ancien guide, des habitants
    plural_group = "Plur" in head.morph.get("Number")
    modifiers = {fold(t.text) for t in doc[head.i + 1 : m.end] if t.pos_ in ("ADJ", "PROPN", "NOUN") and t.is_alpha}
    hit = names.by_role(lemma, m.start, modifiers)
    if hit is None and modifiers:
        hit = names.by_modifiers(modifiers, m.start)
    if hit is not None:
        return _Resolved(names.fullest(hit), hit.label, role_text, how="role tie")
    if plural_group:
        return _Resolved(None, None, role_text, how="plural group: nobody")  # les promoteurs, les habitants
    if fold(lemma) in ORG_NOUN_KEYS:
        # la Ligue -> Ligue des droits de l'homme; le ministère -> ministère de l'Intérieur
        same_head = [
            n for n in names.before(m.start, window=10_000, label="ORG") if n.words and n.words[0] == fold(lemma)
        ]
        if same_head and not modifiers:
            return _Resolved(names.fullest(same_head[0]), "ORG", role_text, how="body by its head noun")
        if fold(lemma) in INSTITUTION_KEYS:
            # la gendarmerie, le gouvernement malien, l'agence régionale de santé: the body itself
            return _Resolved(body_name(doc, m), "ORG", role_text, how="institution")
        return previous_or_nearest(names, m.start, previous, "ORG")
    return previous_or_nearest(names, m.start, previous, "PER", noun_gender(head))


def body_name(doc: Doc, m: Mention) -> str:
    """« le gouvernement malien » -> « Gouvernement malien »: the phrase without its determiner."""
    toks = [t for t in doc[m.start : m.end] if not (t.i == m.start and t.pos_ == "DET")]
    text = str(doc[toks[0].i : m.end].text if toks else doc[m.start : m.end].text)
    return text[:1].upper() + text[1:]


def previous_or_nearest(
    names: NameIndex,
    tok_i: int,
    previous: _Resolved | None,
    label: str,
    gender: str | None = None,
) -> _Resolved:
    """A role noun the article never ties to a name: the previous speaker of that kind, else the
    person or body the article is most about (mentioned most; the nearest before breaks ties);
    for people, only those whose grammatical gender fits (le président / la réalisatrice). The role
    is not recorded for them: the article never tied it to that name."""

    def fits(name: str) -> bool:
        known = names.gender(name) if label == "PER" else None
        return gender is None or known is None or known == gender

    if previous is not None and previous.name and previous.label == label and fits(previous.name):
        return _Resolved(previous.name, previous.label, None, how="previous speaker of that kind")
    salient = names.most_mentioned(label, tok_i, fits)
    if salient is not None:
        return _Resolved(salient, label, None, how="most named of that kind")
    if previous is not None and previous.name:
        return _Resolved(previous.name, previous.label, None, how="previous speaker")
    return _Resolved(None, None, None, how="nothing")


def resolve_pronoun(
    parsed: ParsedArticle,
    names: NameIndex,
    pron: Token,
    previous: _Resolved | None,
    coref: ArticleCoreference | None,
    since: int = 0,
) -> _Resolved:
    """il / elle / selon lui -> a named speaker: the coreference chain when it names someone,
    else the previous speaker, else the nearest person named before."""
    doc = parsed.doc
    feminine = fold(pron.text).lstrip("-").removeprefix("t-") in ("elle", "elles", "cette derniere", "celle-ci")

    def fits(name: str | None, label: str | None) -> bool:
        if not name or label not in ("PER", "ORG"):
            return False
        if label == "ORG":
            return True
        gender = names.gender(name)
        return gender is None or gender == ("f" if feminine else "m")

    # someone the text made the subject since the previous quotation (X a affirmé qu'il …)
    quoted = parsed.quoted
    for near in names.before(pron.i, window=pron.i - since, label="PER"):
        if near.start not in quoted and any(doc[k].dep_.startswith("nsubj") for k in range(near.start, near.end)):
            full = names.fullest(near)
            if fits(full, "PER"):
                return _Resolved(full, "PER", None, how="subject since the previous quote")
    # coreference, when it links the pronoun to someone introduced since the previous quotation
    # (asked only when someone was: coreferee is by far the slowest step of the pipeline)
    newcomers = [
        n
        for n in names.names
        if since <= n.start < pron.i and n.start not in quoted and fits(names.fullest(n), n.label)
    ]
    if coref is not None and newcomers:
        for ant in coref.antecedents(pron.i):
            hit = names.in_span(ant, ant + 1)
            if (
                hit is not None
                and hit.start >= since
                and hit.start not in quoted
                and fits(names.fullest(hit), hit.label)
            ):
                return _Resolved(names.fullest(hit), hit.label, None, how="coreference, newly named")
    if previous is not None and fits(previous.name, previous.label):
        return _Resolved(previous.name, previous.label, None, how="previous speaker")
    if coref is not None:
        for ant in coref.antecedents(pron.i):
            hit = names.in_span(ant, ant + 1)
            if hit is not None and fits(names.fullest(hit), hit.label):
                return _Resolved(names.fullest(hit), hit.label, None, how="coreference")
    for near in names.before(pron.i, label="PER") + names.before(pron.i, label="ORG"):
        full = names.fullest(near)
        if fits(full, near.label):
            return _Resolved(full, near.label, None, how="nearest before")
    # « Nous sommes prêts, a-t-elle dit, à négocier », a conclu Hélène Martin: named after
    sent = parsed.sentence_of(pron.i)
    for name in names.names:
        if name.label == "PER" and pron.i < name.start < sent.end and fits(names.fullest(name), "PER"):
            return _Resolved(names.fullest(name), "PER", None, how="named after in the sentence")
    return _Resolved(None, None, None, how="nothing")


def name_index(doc: Doc, coref: Coreference | ArticleCoreference | None) -> NameIndex:
    """The article's names, with first-name genders from coreferee's lists when it is installed."""
    return NameIndex(doc, coref.gender if coref is not None else None)


def resolve_speakers(
    parsed: ParsedArticle,
    attributed: list[Attributed],
    coref: ArticleCoreference | None,
    names: NameIndex | None = None,
) -> list[Quote]:
    """Quote records with speakers named by the patterns, in text order."""
    doc, text = parsed.doc, parsed.text
    names = names or name_index(doc, coref)
    out: list[Quote] = []
    previous: _Resolved | None = None
    pending_context: list[int] = []
    since = 0  # token after the previous attributed quotation
    resolved_all: list[_Resolved] = []
    for a in attributed:
        f = a.found
        attribution: Attribution
        if a.mention is None:
            attribution = "context"
            lead = a.lead_in
            res = resolve_mention(parsed, names, lead, previous, coref, since) if lead else _Resolved(None, None, None)
            if lead is not None and res.name:
                res = replace(res, how=f"lead-in {res.how}")
            if not res.name:
                res = _Resolved(previous.name, previous.label, None, how="previous speaker") if previous else res
            if not res.name:
                pending_context.append(len(out))
            mention_text = None
        else:
            attribution = a.mention.attribution
            res = resolve_mention(parsed, names, a.mention, previous, coref, since)
            mention_text = doc[a.mention.start : a.mention.end].text.lstrip("-")
            if mention_text.startswith("t-"):
                mention_text = mention_text[2:]
        conf = CONFIDENCE[attribution] if res.name else CONFIDENCE["none"]
        if f.kind == "indirect":
            conf *= 0.8
        out.append(
            Quote(
                text=text[f.start : f.end],
                start=f.start,
                end=f.end,
                kind=f.kind,
                speaker=res.name,
                speaker_mention=mention_text,
                cue=a.cue_text,
                confidence=round(conf, 3),
                attribution=attribution,
                speaker_role=res.role,
                evidence=res.how,
            )
        )
        resolved_all.append(res)
        headline = f.cue is not None and f.cue.side == "name"
        if res.name and f.kind != "indirect" and not headline:
            previous = res
            end_span = doc.char_span(f.start, f.end, alignment_mode="expand")
            since = end_span.end if end_span is not None else since
    # a headline quote before any speaker: the first speaker the article names after it
    first_named = next((r for r in resolved_all if r.name), None)
    for k in pending_context:
        if first_named is not None:
            q = out[k]
            out[k] = replace(
                q, speaker=first_named.name, confidence=CONFIDENCE["context"] * 0.8, evidence="first speaker named"
            )
    return out
