"""Attribute each detected quotation to a speaker mention: the words that point at who spoke.

The mention is found from the cue: the subject of the reporting verb, the inverted subject of
an incise, the object of selon / d'après, the antecedent of a relative qui, the noun phrase
before a colon. A quotation without a cue of its own is marked `context`: the resolver gives
it the speaker whose words the text continues.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from quotes.extract.cues import INDEFINITE, is_clitic_subject, is_role_noun, is_role_noun_form, reporting_kind
from quotes.extract.detect import Found
from quotes.extract.parsed import ParsedArticle
from quotes.types import Attribution

Doc = Any
Token = Any

WEEKDAYS = frozenset({"lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"})
# Time words that may sit between a verb and its inverted subject: a répété mardi le délégué.
TIME_WORDS = WEEKDAYS | {
    "hier",
    "aujourd'hui",
    "soir",
    "matin",
    "midi",
    "après-midi",
    "encore",
    "ensuite",
    "alors",
    "récemment",
    "aussitôt",
}
TITLE_WORDS = {"m.", "mme", "mlle", "me", "dr", "pr", "mgr"}
OBJECT_CLITICS = {"lui", "leur", "me", "m'", "te", "t'", "se", "s'", "l'", "le", "la", "les", "y", "en"}
PRONOUNS = {"il", "elle", "ils", "elles", "lui", "eux", "on", "celui-ci", "celle-ci", "ce dernier", "cette dernière"}
# Words that end a speaker noun phrase on its right: where the venue or the rest of the clause begins.
NP_STOP_ADP = WEEKDAYS | {
    "sur",
    "dans",
    "lors",
    "devant",
    "à",
    "au",
    "aux",
    "en",
    "pendant",
    "après",
    "avant",
    "avec",
    "pour",
    "par",
    "face",
}


@dataclass(frozen=True)
class Mention:
    """The words that point at the speaker, as a token range [start, end) of the doc."""

    start: int
    end: int
    attribution: Attribution
    head: int  # the mention's main token


@dataclass(frozen=True)
class Attributed:
    found: Found
    mention: Mention | None
    cue_text: str | None
    # for a quotation without a speaker mention: whom the reporter's sentence before it is about
    lead_in: Mention | None = None


def noun_phrase(doc: Doc, first: int, limit: int) -> tuple[int, int]:
    """A speaker noun phrase from token `first` rightwards, up to `limit` (exclusive): keeps
    determiners, adjectives, names, de-complements and an apposition after a comma."""
    end = first
    i = first
    while i < limit:
        tok = doc[i]
        low = tok.lower_
        if tok.is_punct:
            nxt = i + 1
            if nxt < limit and doc[nxt].lower_ in TITLE_WORDS:
                nxt += 1
            if tok.text == "," and nxt < limit and (doc[nxt].pos_ == "PROPN" or doc[nxt].ent_type_ == "PER"):
                i = nxt
                continue  # le patron du PS, Olivier Faure / la procureure, Mme Fatou Bensouda
            if tok.text in ("(", ")", "-", "'") and i + 1 < limit:
                i += 1
                continue
            break
        if low in NP_STOP_ADP or (tok.pos_ in ("VERB", "SCONJ", "CCONJ") and low not in ("et",)):
            break
        if tok.pos_ == "AUX" or low in ("qui", "que", "qu'", "dont"):
            break
        if i > first and tok.pos_ == "PRON" and low not in ("-ci", "un", "une", "eux", "elles"):
            break
        end = i + 1
        i += 1
    # do not end on a dangling preposition or determiner
    while end > first + 1 and doc[end - 1].pos_ in ("ADP", "DET", "CCONJ"):
        end -= 1
    return first, end


def left_noun_phrase(doc: Doc, last: int, floor: int) -> tuple[int, int] | None:
    """The noun phrase ending at token `last` (inclusive), scanning left no further than `floor`."""
    i = last
    while i >= floor and doc[i].is_punct:
        i -= 1
    if i < floor or doc[i].pos_ not in ("PROPN", "NOUN", "ADJ", "PRON", "X"):
        return None
    end = i + 1
    start = i
    while start - 1 >= floor:
        prev = doc[start - 1]
        if prev.is_punct and prev.text not in ("'", "’", "-"):
            break
        if prev.pos_ in ("VERB", "AUX", "SCONJ") or prev.lower_ in ("et", "ou", "mais"):
            break
        start -= 1
    return start, end


def _someone_of(doc: Doc, start: int, name: int) -> bool:
    """Whether the mention that begins at `start` is an indefinite noun phrase whose de-complement
    holds the name at `name` (un proche de X, une source proche de X): someone else than X."""
    k = name - 1
    while k > start and doc[k].pos_ == "DET":
        k -= 1
    if k <= start or doc[k].lower_ not in ("de", "d'", "d’", "du", "des"):
        return False
    first = doc[start]
    return first.lower_ in INDEFINITE and any(t.pos_ == "NOUN" for t in doc[start + 1 : k])


def mention_kind(doc: Doc, start: int, end: int) -> tuple[Attribution, int]:
    """How a mention points at its speaker, and its main token."""
    toks = list(doc[start:end])
    text = " ".join(t.lower_.lstrip("-") for t in toks)
    persons = [t for t in toks if t.ent_type_ == "PER" and not is_role_noun_form(t)]
    if persons and _someone_of(doc, start, persons[0].i):
        persons = []  # un proche de X, une amie de X: someone unnamed, not X, speaks
    if persons:
        # a role noun before the name still makes it a name (le président turc Erdoğan)
        return "name", persons[0].i
    for k, t in enumerate(toks[:-1]):
        if t.text == "," and toks[k + 1].pos_ == "PROPN":
            return "name", toks[k + 1].i  # la présidente de la Commission, Margarethe Lindqvist
    nouns_first = [t for t in toks if t.pos_ == "NOUN"]
    if nouns_first:
        after = doc[nouns_first[0].i + 1 : end]
        run = []
        for t in after:
            if t.pos_ == "PROPN" or (t.ent_type_ in ("ORG", "MISC") and t.text[:1].isupper()):
                run.append(t)
            elif run or t.pos_ != "ADJ":
                break
        if len(run) >= 2:
            return "name", run[0].i  # l'ONG Réseau Action Transition, le président Barack Obama
    content = [t for t in toks if t.pos_ not in ("DET", "PUNCT")]
    if (
        content
        and is_role_noun_form(content[0])
        and content[0].ent_type_ != "ORG"
        and (content[0].pos_ == "NOUN" or not content[0].ent_type_)
    ):
        return "nominal", content[0].i  # le Président-candidat, le Premier ministre
    if (
        content
        and content[0].text[:1].isupper()
        and (
            content[0].pos_ == "PROPN"
            or (content[0].ent_type_ in ("ORG", "LOC", "MISC") and content[0].text[:1].isupper())
        )
    ):
        return "name", content[0].i  # La LDH, Bruxelles, HRW
    if text in PRONOUNS or (len(toks) == 1 and (toks[0].pos_ == "PRON" or is_clitic_subject(toks[0]))):
        return "pronoun", toks[0].i
    if text.startswith(("ce dernier", "cette dernière", "celui-ci", "celle-ci")):
        return "pronoun", toks[0].i
    nouns = [t for t in toks if t.pos_ == "NOUN"]
    if nouns:
        return "nominal", nouns[0].i
    return "nominal", toks[0].i


def _mention(doc: Doc, span: tuple[int, int] | None, relative: bool = False) -> Mention | None:
    if span is None or span[1] <= span[0]:
        return None
    kind, head = mention_kind(doc, *span)
    if relative:
        kind = "relative"
    return Mention(span[0], span[1], kind, head)


def after_verb_subject(doc: Doc, verb: Token, limit: int) -> Mention | None:
    """The inverted subject after a verb: -t-il, dit-elle, estime le ministre, a déclaré X."""
    for k in range(verb.i - 1, max(-1, verb.i - 4), -1):
        # a-t-il dit: the clitic sits between the auxiliary and the participle
        tok = doc[k]
        if is_clitic_subject(tok) and tok.lower_.lstrip("-") not in ("t",):
            return _mention(doc, (k, k + 1))
        if not (tok.pos_ in ("AUX", "ADV") or tok.lower_ in ("-t", "t", "s'", "se", "s’") or is_clitic_subject(tok)):
            break
    i = verb.i + 1
    while i < limit and (is_clitic_subject(doc[i]) or doc[i].lower_ in ("-t", "t")):
        if doc[i].lower_.lstrip("-") not in ("t",):
            return _mention(doc, (i, i + 1))
        i += 1
    i = _skip_aside(doc, i, limit)
    # skip adverbs and "de son côté" between the verb and its subject
    while i < limit and (
        doc[i].pos_ in ("ADV",)
        or doc[i].lower_ in ("de", "son", "sa", "côté", "leur", ",")
        or doc[i].lower_ in TIME_WORDS
    ):
        if doc[i].lower_ == "de" and i + 1 < limit and doc[i + 1].pos_ in ("PROPN", "NOUN"):
            break
        i += 1
    if i < limit and doc[i].lower_ in ("à", "au", "sur", "dans", "devant", "lors"):
        # « … », a déclaré à l'AFP Fauzia Moslem: skip the medium to reach the subject
        j = i + 1
        while j < limit and doc[j].pos_ == "DET":
            j += 1
        if j < limit and doc[j].text.isupper() and len(doc[j].text) > 1:
            # an acronym medium (AFP, BFM TV), even when the tagger glues the speaker's name to it
            j += 1
            while j < limit and (doc[j].text.isupper() or doc[j].text.isdigit()):
                j += 1
        elif j < limit and doc[j].ent_iob_ == "B" and doc[j].ent_type_ != "PER":
            j += 1
            while j < limit and doc[j].ent_iob_ == "I":
                j += 1
        elif j < limit and doc[j].pos_ in ("PROPN", "NOUN"):
            j += 1
        while j < limit and doc[j].text == ",":
            j += 1
        if j < limit and (doc[j].pos_ in ("PROPN", "DET") or doc[j].ent_type_ == "PER"):
            i = j
    if (
        i < limit
        and doc[i].pos_ in ("DET", "PROPN", "NOUN", "ADJ", "PRON", "X")
        and doc[i].lower_ not in ("que", "qu'")
    ):
        return _mention(doc, noun_phrase(doc, i, limit))
    return None


ASIDE_PRONOUNS = {"lui", "elle", "eux", "elles"}


def _skip_aside(doc: Doc, i: int, limit: int) -> int:
    """Past « quant à elle » and « pour sa part » between a verb and its inverted subject
    (», résume quant à elle X / », a déclaré pour sa part X)."""
    words = [t.lower_ for t in doc[i : min(limit, i + 3)]]
    if len(words) == 3 and words[0] == "quant" and words[1] in ("à", "a") and words[2] in ASIDE_PRONOUNS:
        return i + 3
    if len(words) == 3 and words[0] == "pour" and words[1] in ("sa", "leur", "ma", "notre") and words[2] == "part":
        return i + 3
    return i


def subject_of(parsed: ParsedArticle, verb: Token) -> Mention | None:
    """The subject of a reporting verb in the sentence before the quotation."""
    doc = parsed.doc
    node = verb
    quoted = parsed.quoted
    for _ in range(4):
        subjects = [
            c
            for c in node.children
            if c.dep_ in ("nsubj", "nsubj:pass", "expl:subj")
            and c.i < node.i + 8
            and c.i not in quoted
            and c.lower_ not in OBJECT_CLITICS
            and c.lower_ not in ("-t", "t")
        ]
        if subjects:
            subj = subjects[0]
            if subj.lower_ in ("qui",) and node.dep_.startswith("acl") and node.head.i < node.i:
                return _mention(doc, _np_around(parsed, node.head), relative=True)
            if subj.lower_ in ("qui",):
                return _mention(doc, (subj.i, subj.i + 1), relative=True)
            if is_clitic_subject(subj) or subj.i > node.i:
                # inverted subject: said-he order inside the head
                found = after_verb_subject(doc, node, min(len(doc), node.i + 12))
                if found:
                    return found
            named = [c for c in subj.children if c.dep_ == "appos" and (c.ent_type_ == "PER" or c.pos_ == "PROPN")]
            if named:
                # L'éleveuse qui l'accueillait, Odile Barraud, s'est montrée sceptique
                return _mention(doc, _np_around(parsed, named[0]))
            if subj.lower_ in ("il", "elle", "ils", "elles") and subj.i >= 2 and doc[subj.i - 1].text == ",":
                dislocated = left_noun_phrase(doc, subj.i - 2, max(0, subj.i - 10))
                if dislocated is not None and doc[dislocated[1] - 1].pos_ in ("NOUN", "PROPN"):
                    return _mention(doc, dislocated)  # La ligue régionale, elle, juge …
            return _mention(doc, _np_around(parsed, subj))
        if node.dep_.startswith("acl") and node.head.i < node.i and node.head.pos_ in ("NOUN", "PROPN"):
            # la LDH, qui dénonce / Erdoğan, qui a déclaré
            return _mention(doc, _np_around(parsed, node.head), relative=True)
        surface = _left_subject(parsed, node)
        if surface is not None:
            return surface
        if node.head is node:
            break
        node = node.head
    return None


def _left_subject(parsed: ParsedArticle, verb: Token) -> Mention | None:
    """The noun phrase right before the verb group (X a renchéri), for parses that give no subject."""
    doc = parsed.doc
    quoted = parsed.quoted
    k = verb.i - 1
    while k >= 0 and (doc[k].pos_ in ("AUX", "ADV") or doc[k].lower_ in OBJECT_CLITICS | {"ne", "n'", "n’"}):
        k -= 1
    if k >= 3 and doc[k].text == "," and doc[k - 1].lower_ in ("il", "elle", "ils", "elles") and doc[k - 2].text == ",":
        k -= 3  # La ligue régionale, elle, juge …
    if k < 0 or k in quoted or doc[k].is_punct:
        return None
    tok = doc[k]
    if tok.pos_ == "PROPN" or tok.ent_type_ in ("PER", "ORG"):
        start = k
        while (
            start - 1 >= 0
            and (doc[start - 1].pos_ == "PROPN" or doc[start - 1].ent_iob_ == "I")
            and start - 1 not in quoted
        ):
            start -= 1
        return _mention(doc, (start, k + 1))
    if tok.lower_ in ("il", "elle", "ils", "elles"):
        return _mention(doc, (k, k + 1))
    if tok.pos_ == "NOUN":
        # Une association d'usagers juge …: a noun phrase in the subject's place
        span = left_noun_phrase(doc, k, max(0, parsed.sentence_of(k).start))
        if span is not None and not any(i in quoted for i in range(*span)):
            return _mention(doc, span)
    return None


def _np_around(parsed: ParsedArticle, tok: Token) -> tuple[int, int]:
    """The noun phrase headed by `tok`: its left dependents and the right part kept by noun_phrase."""
    doc = parsed.doc
    left = min([tok.i] + [c.i for c in tok.lefts if c.dep_ in ("det", "amod", "nmod", "compound", "flat:name")])
    sent_end = parsed.sentence_of(tok.i).end
    _, end = noun_phrase(doc, tok.i, sent_end)
    return left, max(end, tok.i + 1)


def attribute_quote(parsed: ParsedArticle, found: Found) -> Attributed:
    """The quotation's speaker mention from its cue; without one, the lead-in subject."""
    attributed = _from_cue(parsed, found)
    if attributed.mention is None:
        return replace(attributed, lead_in=lead_in_subject(parsed, found.open_at))
    return attributed


def _from_cue(parsed: ParsedArticle, found: Found) -> Attributed:
    doc = parsed.doc
    cue = found.cue
    if cue is None:
        return Attributed(found, None, None)
    tok = doc[cue.token]
    sent_end = parsed.sentence_of(tok.i).end
    if cue.side in ("tail", "incise"):
        limit = sent_end
        for j in range(tok.i + 1, min(len(doc), tok.i + 14)):
            if doc[j].text in ("«", "“", '"', ".", "!", "?", ";", "\n"):
                limit = j
                break
        mention = after_verb_subject(doc, tok, limit)
        if mention is None:
            mention = subject_of(parsed, tok)
            if mention is not None and doc[mention.start].idx < found.close_at:
                mention = None  # a subject before the quotation belongs to another clause
        return Attributed(found, mention, cue.text)
    if cue.side == "selon":
        _, end = noun_phrase(doc, tok.i + 1, min(len(doc), tok.i + 20))
        return Attributed(found, _mention(doc, (tok.i + 1, end)), cue.text)
    if cue.side == "colon":
        floor = parsed.sentence_of(tok.i).start if tok.i > 0 else 0
        head_floor = max(floor, parsed.token_at_or_after(found.head_start))
        span = left_noun_phrase(doc, tok.i - 1, head_floor)
        verb = next((t for t in doc[head_floor : tok.i] if reporting_kind(t)), None)
        if verb is not None:
            mention = subject_of(parsed, verb)
            if mention:
                return Attributed(found, mention, cue_words_with_colon(doc, verb, tok))
        # X s'est montrée sceptique : « … » — the subject of the clause before the colon
        verbs = [
            t for t in doc[head_floor : tok.i] if t.pos_ in ("VERB", "AUX") and t.dep_ in ("ROOT", "ccomp", "conj")
        ]
        for v in verbs:
            mention = subject_of(parsed, v)
            if mention is not None and _names_someone(doc, mention) and mention.start >= head_floor:
                return Attributed(found, mention, ":")
        colon_speaker = _mention(doc, span)
        if colon_speaker is not None and not _names_someone(doc, colon_speaker):
            colon_speaker = None  # a headline topic (Banques piratées : « … »), not a speaker
        return Attributed(found, colon_speaker, ":")
    if cue.side == "name":
        start = tok.i
        while start > 0 and (doc[start - 1].ent_iob_ == "I" or doc[start - 1].pos_ == "PROPN") and tok.ent_iob_ != "B":
            start -= 1
            if doc[start].ent_iob_ == "B":
                break
        return Attributed(found, _mention(doc, (start, tok.i + 1)), None)
    if cue.side == "noun":
        root = parsed.sentence_of(tok.i).root
        return Attributed(found, subject_of(parsed, root) if root.i != tok.i else None, cue.text)
    # a reporting verb before the quotation; a participle (Répondant « … », X a ajouté) takes the
    # subject of the sentence's reporting verb or the person it names outside the quotation
    mention = None
    before = tok.i - 1
    while before >= 0 and (doc[before].pos_ == "AUX" or doc[before].lower_ in ("s'", "se", "s’", "le", "l'", "l’")):
        before -= 1
    if before >= 0 and doc[before].lower_ in (",", "comme"):
        # an incise before the quotation: …, a précisé le policier, « … » / comme le rappelle HRW
        mention = after_verb_subject(doc, tok, min(len(doc), tok.i + 12))
        if mention is not None and not _names_someone(doc, mention):
            mention = None
    mention = mention or subject_of(parsed, tok) or _sentence_speaker(parsed, tok)
    return Attributed(found, mention, cue.text)


def _names_someone(doc: Doc, m: Mention) -> bool:
    toks = doc[m.start : m.end]
    return m.attribution in ("pronoun", "relative") or any(
        t.ent_type_ in ("PER", "ORG") or is_role_noun(t) for t in toks
    )


def _sentence_speaker(parsed: ParsedArticle, verb: Token) -> Mention | None:
    quoted = parsed.quoted
    for tok in parsed.sentence_of(verb.i):
        if tok.i != verb.i and tok.i not in quoted and reporting_kind(tok):
            found = subject_of(parsed, tok)
            if found is not None:
                return found
    for ent in parsed.sentence_of(verb.i).ents:
        if ent.label_ == "PER" and ent.start not in quoted:
            return Mention(ent.start, ent.end, "name", ent.start)
    return None


def cue_words_with_colon(doc: Doc, verb: Token, colon: Token) -> str:
    from quotes.extract.detect import cue_words

    words = cue_words(doc, verb)
    return f"{words} :" if colon.i - verb.i <= 2 else words


def attribute_quotes(parsed: ParsedArticle, found: list[Found]) -> list[Attributed]:
    """Each quotation's speaker mention; `parsed` knows the quoted tokens (never a mention)."""
    return [attribute_quote(parsed, f) for f in found]


def lead_in_subject(parsed: ParsedArticle, open_at: int) -> Mention | None:
    """For a quotation with no cue: the person the sentence just before it (same paragraph) is
    about, as in « Il a souhaité faire un rappel au règlement. « On ne peut pas … » »."""
    doc = parsed.doc
    span = doc.char_span(open_at, open_at + 1, alignment_mode="expand")
    if span is None or span.start == 0:
        return None
    prev_tok = doc[span.start - 1]
    quoted = parsed.quoted
    gap = parsed.text[prev_tok.idx : open_at]
    if prev_tok.i in quoted or gap.count("\n") > 2:
        return None  # a quotation opening a paragraph may continue the paragraph before
    # the quotation's own sentence first (Il a remercié les bénévoles pour « … »), then the one before
    own = parsed.sentence_of(span.start)
    for sent in (own, parsed.sentence_of(prev_tok.i)):
        if sent.start == own.start and span.start == own.start:
            continue  # the quotation opens its sentence: nothing of the reporter's before it
        if sent.start != own.start and any(t.i in quoted for t in sent):
            return None
        mention = subject_of(parsed, sent.root)
        if mention is not None and mention.start not in quoted and _is_person_mention(doc, mention):
            return mention
    return None


def _is_person_mention(doc: Doc, mention: Mention) -> bool:
    head = doc[mention.head]
    if mention.attribution == "name":
        return bool(head.ent_type_ == "PER")
    if mention.attribution == "nominal":
        return is_role_noun(head)
    if mention.attribution == "pronoun":
        return head.lower_.lstrip("-") in ("il", "elle")
    return False


__all__ = ["Attributed", "Mention", "attribute_quotes", "is_role_noun"]
