"""Reporting cues on parsed tokens: is this token a reporting verb, a selon/d'après, a colon?"""

from __future__ import annotations

from functools import cache
from typing import Any

from quotes.lexicon import non_speech_nouns, reporting_verbs, role_nouns, speech_nouns

# Determiners of someone unnamed (un habitant, des proches de X, plusieurs élus).
INDEFINITE = frozenset({"un", "une", "des", "plusieurs", "certains", "certaines", "quelques"})

Token = Any  # spacy.tokens.Token; kept loose so this module type-checks without spaCy stubs

# Inverted subject clitics as spaCy's French tokenizer splits them: a-t-il -> a, -t-il / -t, -il.
CLITIC_PRONOUNS = {"-il", "-elle", "-ils", "-elles", "-on", "-t-il", "-t-elle", "-t-ils", "-t-elles", "-t-on"}


@cache
def lemma_guesses(form: str, lemma: str) -> tuple[str, ...]:
    """The tagged lemma and infinitives guessed from the form, for when the tagger errs
    (`estime` tagged as the noun `estime`, `déclaré` left as is)."""
    f = form.lower()
    out = [lemma.lower(), f]
    for suffix, repl in (
        ("ées", "er"),
        ("és", "er"),
        ("ée", "er"),
        ("é", "er"),
        ("ent", "er"),
        ("es", "er"),
        ("e", "er"),
        ("it", "ire"),
        ("is", "ire"),
        ("u", "re"),
        ("d", "dre"),
        ("nt", "ndre"),
        ("i", "ir"),
        ("e", "re"),
    ):
        if f.endswith(suffix) and len(f) > len(suffix) + 2:
            out.append(f[: -len(suffix)] + repl)
    return tuple(dict.fromkeys(out))


def reporting_kind(token: Token) -> str | None:
    """'always' or 'conditional' when the token is a reporting verb (or its participle), else None."""
    if token.pos_ not in ("VERB", "AUX", "NOUN", "ADJ") or not token.text[:1].isalpha():
        return None
    if token.pos_ == "AUX" and token.lemma_ in ("avoir", "être"):
        return None
    if token.pos_ in ("NOUN", "ADJ") and token.i > 0 and token.doc[token.i - 1].pos_ == "DET":
        return None  # la conseillère, une estime: a real noun, not a mistagged verb
    verbs = reporting_verbs()
    for guess in lemma_guesses(token.text, token.lemma_):
        kind = verbs.kind(guess)
        if kind:
            if token.pos_ in ("NOUN", "ADJ") and guess == token.text.lower():
                continue  # a noun that only looks like a verb form
            return kind
    # multi-word cues: faire valoir, faire part (de), mettre en garde
    if token.lemma_ in ("faire", "mettre"):
        nxt = [t.lemma_.lower() for t in token.doc[token.i + 1 : token.i + 3]]
        for phrase in verbs.phrases:
            head, *rest = phrase.split()
            if head == token.lemma_ and nxt[: len(rest)] == rest:
                return "always"
    return None


def is_speech_noun(token: Token) -> bool:
    """A noun naming what was said, in a phrase such as « dans un communiqué », « lors d'un discours »."""
    if token.pos_ != "NOUN" or token.lemma_.lower() not in speech_nouns():
        return False
    before = [t.lower_ for t in token.doc[max(0, token.i - 3) : token.i]]
    return any(
        w in ("dans", "par", "lors", "via", "selon", "après", "d'", "du", "le", "la", "ses", "son", "sa")
        for w in before
    )


def is_title_word(token: Token) -> bool:
    """A word announcing a title or a name: le film « … », baptisé « … », surnommé « … »."""
    words = non_speech_nouns()
    if token.pos_ in ("NOUN", "PROPN"):
        return token.lemma_.lower() in words or token.lower_ in words
    if token.pos_ in ("VERB", "ADJ", "AUX"):
        # participles: baptisé, intitulée, surnommé (verbs are listed by infinitive)
        return any(g in words and g.endswith("er") for g in lemma_guesses(token.text, token.lemma_)[:3])
    return False


def is_clitic_subject(token: Token) -> bool:
    return bool(token.text.lower() in CLITIC_PRONOUNS)


def is_role_noun_form(tok: Token) -> bool:
    """A role noun even when capitalised or compounded: Président-candidat, Premier ministre."""
    low = tok.lower_
    return is_role_noun(tok) or low in role_nouns() or low.split("-")[0] in role_nouns()


def is_role_noun(tok: Token) -> bool:
    return bool(tok.lemma_.lower() in role_nouns() or tok.lower_ in role_nouns())
