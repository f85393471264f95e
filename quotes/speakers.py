"""Speaker identity across articles.

"Poutine", "M. Poutine", "Vladimir Poutine" and "Vladimir Poutine, le président russe" are one
speaker with several aliases, matched without regard to case or accents ("Erdogan" =
"Erdoğan"). A bare surname joins the speaker of that surname; a full name joins a speaker whose
given name agrees (or who was only ever named by surname, whose name then becomes the fuller
one); a different given name is a different person: "Marine Le Pen" and "Jean-Marie Le Pen"
stay two speakers. Roles the articles give ("président turc") are stored and name later
speakers the article only calls by their role.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from rapidfuzz import fuzz, process
from sqlalchemy import func
from sqlmodel import Session, col, select

from quotes import dbrows
from quotes.db import Quote, Speaker, SpeakerAlias, SpeakerRole, normalise
from quotes.errors import NotFoundError

# Titles written before a name; they are not part of it. Normalised forms.
HONORIFICS = frozenset(
    "m m. mm. mme mme. mmes mlle mlle. monsieur madame mademoiselle dr dr. docteur me me. maitre "
    "mgr mgr. pr pr. professeur sir dame lord".split()
)
# Lower-case words that belong to a surname when they stand before its last word.
PARTICLES = frozenset("de du des d' le la les van von der den da di del della dos ben bin ibn al el ter".split())
ARTICLES = ("le ", "la ", "les ", "l'", "un ", "une ")
FUZZY_CUTOFF = 80.0


@dataclass(frozen=True)
class NameParts:
    display: str  # the name as it should be shown: "Vladimir Poutine"
    given: tuple[str, ...]  # normalised given names: ("vladimir",); () for a bare surname
    surname: str  # normalised: "poutine", "le pen"

    @property
    def norm(self) -> str:
        return normalise(self.display)


def split_role(raw: str) -> tuple[str, str | None]:
    """ "Vladimir Poutine, le président russe" -> ("Vladimir Poutine", "président russe")."""
    name, sep, rest = raw.partition(",")
    role = clean_role(rest) if sep else None
    return name.strip(), role or None


def clean_role(role: str) -> str:
    """A role without its article or surrounding punctuation: "le président turc" -> "président turc"."""
    text = " ".join(role.replace("’", "'").split()).strip(" ,.;:()")
    lowered = text.lower()
    for article in ARTICLES:
        if lowered.startswith(article):
            return text[len(article) :].strip()
    return text


def name_parts(raw: str) -> NameParts | None:
    """Split a speaker name into given names and surname; None when nothing name-like is left."""
    name, _role = split_role(raw)
    words = name.replace("’", "'").split()
    while words and normalise(words[0]) in HONORIFICS:
        words = words[1:]
    if not words:
        return None
    # The surname is the last word and the particles just before it ("Le Pen", "von der Leyen").
    start = len(words) - 1
    while start > 0 and normalise(words[start - 1]) in PARTICLES:
        start -= 1
    given = tuple(normalise(w).rstrip(".") for w in words[:start])
    surname = normalise(" ".join(words[start:]))
    return NameParts(display=" ".join(words), given=given, surname=surname)


def given_compatible(a: Sequence[str], b: Sequence[str]) -> bool:
    """Given names that can belong to one person: equal, one absent, or an initial of the other."""
    if not a or not b:
        return True
    x, y = a[0], b[0]
    if x == y:
        return True
    if len(x) == 1 or len(y) == 1:
        return x[0] == y[0]
    return False


def fuller(a: NameParts, b: NameParts) -> NameParts:
    """The more complete of two names for one person."""

    def weight(p: NameParts) -> tuple[int, int]:
        return (sum(1 for g in p.given if len(g) > 1), len(p.display))

    return b if weight(b) > weight(a) else a


# ---------------------------------------------------------------------------------------------
# Finding and recording speakers while ingesting.


def _quote_counts(session: Session, ids: Sequence[int]) -> dict[int, int]:
    rows = session.exec(
        select(Quote.speaker_id, func.count()).where(col(Quote.speaker_id).in_(ids)).group_by(col(Quote.speaker_id))
    ).all()
    return {sid: n for sid, n in rows if sid is not None}


def _roles_of(session: Session, speaker_id: int) -> set[str]:
    return set(session.exec(select(SpeakerRole.norm).where(SpeakerRole.speaker_id == speaker_id)).all())


def _pick(session: Session, candidates: list[Speaker], role: str | None) -> Speaker:
    """One of several speakers a name fits: the one with this role, else the most quoted."""
    if role:
        wanted = normalise(clean_role(role))
        with_role = [s for s in candidates if s.id is not None and wanted in _roles_of(session, s.id)]
        if len(with_role) == 1:
            return with_role[0]
        if with_role:
            candidates = with_role
    counts = _quote_counts(session, [s.id for s in candidates if s.id is not None])
    return max(candidates, key=lambda s: (counts.get(s.id or 0, 0), -(s.id or 0)))


def find_speaker(session: Session, name: str, role: str | None = None) -> Speaker | None:
    """The stored speaker a name (and role) designates, or None when it is someone new."""
    parts = name_parts(name)
    if parts is None:
        return None
    exact = session.exec(
        select(Speaker)
        .join(SpeakerAlias, col(SpeakerAlias.speaker_id) == Speaker.id)
        .where(SpeakerAlias.norm == parts.norm)
    ).all()
    # An alias with a given name is one person; a bare surname may fit several, checked below.
    if exact and parts.given:
        unique = {s.id: s for s in exact}
        return _pick(session, list(unique.values()), role)
    same_surname = list(session.exec(select(Speaker).where(Speaker.surname == parts.surname)).all())
    if not same_surname:
        return None
    if not parts.given:
        return _pick(session, same_surname, role)
    compatible = []
    for speaker in same_surname:
        other = name_parts(speaker.name)
        if other is not None and given_compatible(parts.given, other.given):
            compatible.append((speaker, other))
    if not compatible:
        return None
    named = [s for s, p in compatible if p.given]
    if named:
        return _pick(session, named, role)
    return _pick(session, [s for s, _ in compatible], role)


def find_by_role(session: Session, role: str) -> Speaker | None:
    """The speaker last given this role ("le président turc"), if any article gave it."""
    wanted = normalise(clean_role(role))
    if not wanted:
        return None
    row = session.exec(
        select(Speaker)
        .join(SpeakerRole, col(SpeakerRole.speaker_id) == Speaker.id)
        .where(SpeakerRole.norm == wanted)
        .order_by(col(SpeakerRole.last_seen).desc(), col(SpeakerRole.id).desc())
    ).first()
    return row


@dataclass(frozen=True)
class Resolved:
    speaker: Speaker | None
    created: bool


def _add_alias(session: Session, speaker: Speaker, alias: str) -> None:
    assert speaker.id is not None
    norm = normalise(alias)
    if not norm:
        return
    exists = session.exec(
        select(SpeakerAlias.id).where(SpeakerAlias.speaker_id == speaker.id, SpeakerAlias.norm == norm)
    ).first()
    if exists is None:
        session.add(SpeakerAlias(speaker_id=speaker.id, alias=alias, norm=norm))


def _role_nouns() -> frozenset[str]:
    from quotes.lexicon import role_nouns

    return frozenset(normalise(n) for n in role_nouns())


def role_without_name(role: str, speaker: Speaker) -> str:
    """The role minus the speaker's name written after it: "ancien leader frontiste Jean-Marie Le Pen"
    -> "ancien leader frontiste"."""
    parts = name_parts(speaker.name)
    name_words = set(parts.given) | set(parts.surname.split()) if parts else set()
    name_words |= {w.rstrip(".") for w in speaker.norm.split()}
    words = role.split()
    while words and normalise(words[-1]).strip(",") in name_words and words[-1][:1].isupper():
        words.pop()
    return " ".join(words).strip(" ,")


def looks_like_role(role: str, speaker: Speaker) -> bool:
    """A role describes someone ("président turc", "porte-parole de la fédération"): it holds a
    role noun of the lexicon, is no title of address, and is not the speaker's name."""
    words = normalise(role).split()
    if not words or words[0] in HONORIFICS or role.startswith("@"):
        return False
    if normalise(role) in (speaker.norm, speaker.surname):
        return False
    nouns = _role_nouns()
    candidates = set(words) | {part for w in words for part in w.split("-")} | {" ".join(words[:2])}
    return bool(candidates & nouns)


def add_role(session: Session, speaker: Speaker, role: str, seen: str | None = None) -> None:
    assert speaker.id is not None
    text = role_without_name(clean_role(role), speaker)
    norm = normalise(text)
    if not norm or not looks_like_role(text, speaker):
        return
    row = session.exec(
        select(SpeakerRole).where(SpeakerRole.speaker_id == speaker.id, SpeakerRole.norm == norm)
    ).first()
    if row is None:
        session.add(SpeakerRole(speaker_id=speaker.id, role=text, norm=norm, last_seen=seen))
    elif seen and (row.last_seen is None or seen > row.last_seen):
        row.last_seen = seen
        session.add(row)


def record_speaker(
    session: Session,
    name: str | None,
    role: str | None = None,
    mention: str | None = None,
    seen: str | None = None,
) -> Resolved:
    """The speaker of a quote, created or enriched with the alias and role this article gives.

    `name` is the fullest name the article gives; `role` the role it gives ("président turc");
    `mention` the words near the quote. Without a name, a role (or a mention that is a role
    noun) names a speaker some earlier article gave that role.
    """
    if name:
        bare_name, role_in_name = split_role(name)
        role = role or role_in_name
        # Articles capitalise names: "le président turc" in the name's place is a role.
        parts = name_parts(bare_name) if any(w[:1].isupper() for w in bare_name.split()) else None
    else:
        parts = None
    if parts is None:
        for candidate in (role, mention, name):
            if candidate:
                found = find_by_role(session, candidate)
                if found is not None:
                    return Resolved(found, created=False)
        return Resolved(None, created=False)

    speaker = find_speaker(session, parts.display, role)
    created = speaker is None
    if speaker is None:
        speaker = Speaker(name=parts.display, norm=parts.norm, surname=parts.surname)
        session.add(speaker)
        session.flush()
    else:
        current = name_parts(speaker.name)
        if current is None or fuller(current, parts) is parts:
            speaker.name, speaker.norm = parts.display, parts.norm
            session.add(speaker)
    _add_alias(session, speaker, parts.display)
    if role:
        add_role(session, speaker, role, seen)
    session.flush()
    return Resolved(speaker, created=created)


# ---------------------------------------------------------------------------------------------
# Looking speakers up for search: exact alias, surname, then fuzzy.


@dataclass(frozen=True)
class SpeakerMatch:
    speakers: tuple[Speaker, ...]
    query: str
    how: str  # "alias", "surname" or "fuzzy"
    matched: str  # the alias or name that matched
    score: float = 100.0


_SPACES = re.compile(r"\s+")


def _speaker_columns() -> tuple[Any, ...]:
    return col(Speaker.id), col(Speaker.name), col(Speaker.norm), col(Speaker.surname)


def _by_alias() -> sa.Select[Any]:
    return sa.select(*_speaker_columns(), col(SpeakerAlias.alias)).join(
        SpeakerAlias, col(SpeakerAlias.speaker_id) == Speaker.id
    ).where(col(SpeakerAlias.norm) == sa.bindparam("norm"))


def _by_surname() -> sa.Select[Any]:
    return sa.select(*_speaker_columns()).where(col(Speaker.surname) == sa.bindparam("surname"))


def _by_ids(n: int) -> sa.Select[Any]:
    return sa.select(*_speaker_columns()).where(col(Speaker.id).in_(dbrows.in_list("id", n)))


def _speaker(row: Sequence[Any]) -> Speaker:
    """A speaker read as a plain row (id, name, norm, surname)."""
    return Speaker(id=row[0], name=row[1], norm=row[2], surname=row[3])


def lookup_speakers(session: Session, query: str) -> SpeakerMatch:
    """Speakers a user's name designates (accent/case-insensitive, fuzzy). Raises `NotFoundError`.

    Its statements are compiled once and read as plain rows (quotes/dbrows.py): a search by
    speaker spent more CPU in the ORM's loading of these few rows than in SQLite."""
    parts = name_parts(query)
    if parts is None:
        raise NotFoundError('speaker name is empty; give a name such as "Poutine"')
    conn = session.connection()
    exact = dbrows.rows(conn, "speakers by alias", _by_alias, {"norm": parts.norm})
    if exact:
        uniq = {row[0]: _speaker(row) for row in exact}
        return SpeakerMatch(tuple(uniq.values()), query, "alias", exact[0][4])
    if not parts.given:
        by_surname = dbrows.rows(conn, "speakers by surname", _by_surname, {"surname": parts.surname})
        if by_surname:
            return SpeakerMatch(tuple(_speaker(row) for row in by_surname), query, "surname", parts.display)
    names = _name_choices_and_norms(session)
    if not names.rows:
        raise NotFoundError(f"no speaker matches {query!r}: the database has no speakers yet")
    best = names.best(parts.norm, limit=10, cutoff=FUZZY_CUTOFF)
    if best:
        top = best[0][0]
        ids: list[int] = []
        for score, index in best:
            if score >= top - 0.01 and names.rows[index][0] not in ids:
                ids.append(names.rows[index][0])
        n, values = dbrows.padded("id", ids)
        found = {row[0]: _speaker(row) for row in dbrows.rows(conn, ("speakers by id", n), lambda: _by_ids(n), values)}
        speakers = tuple(found[i] for i in ids if i in found)
        return SpeakerMatch(speakers, query, "fuzzy", names.rows[best[0][1]][2], float(top))
    raise NotFoundError(f"no speaker matches {query!r}; closest: {', '.join(closest_names(session, query))}")


@dataclass(frozen=True)
class NameChoices:
    """Every alias and every surname as a name to match (speaker id, normalised form, form as
    written), and their distinct normalised forms, each with the choices that have it."""

    rows: list[tuple[int, str, str]]
    norms: list[str]  # the normalised form of each row
    distinct: list[str]
    at: list[list[int]]  # for each distinct form, the rows that have it, in order

    @classmethod
    def of(cls, rows: list[tuple[int, str, str]]) -> NameChoices:
        index: dict[str, int] = {}
        at: list[list[int]] = []
        for i, (_sid, norm, _alias) in enumerate(rows):
            if norm not in index:
                index[norm] = len(at)
                at.append([])
            at[index[norm]].append(i)
        return cls(rows, [norm for _, norm, _ in rows], list(index), at)

    def best(self, norm: str, limit: int, cutoff: float) -> list[tuple[float, int]]:
        """The `limit` rows nearest to `norm` by `fuzz.ratio` at `cutoff` or above, as (score,
        row index), best first and in row order among equals: what `process.extract` over every
        row's form gives, for a third of the comparisons (most forms are both an alias and a
        surname, or several speakers' surname)."""
        scored = process.extract(norm, self.distinct, scorer=fuzz.ratio, limit=None, score_cutoff=cutoff)
        ranked = sorted((-score, i) for _form, score, d in scored for i in self.at[d])
        return [(-negative, i) for negative, i in ranked[:limit]]


_CHOICES: dict[str, tuple[tuple[Any, ...], NameChoices]] = {}


def _name_choices_and_norms(session: Session) -> NameChoices:
    """The name choices of every alias and every surname (what the fuzzy match compares).

    Read with plain SQL and kept between searches while the speaker tables stay as they were
    (same counts and highest ids: rows are only ever added), since a database with thousands of
    speakers takes tens of milliseconds to read them all."""
    conn = session.connection()
    version = dbrows.rows(conn, "speaker tables version", lambda: sa.text(
        "SELECT (SELECT count(*) FROM speaker_alias), (SELECT max(id) FROM speaker_alias), "
        "(SELECT count(*) FROM speaker), (SELECT max(id) FROM speaker)"
    ))[0]
    # By pool, not engine: `db.reader(engine)` makes a new engine object over the same pool.
    key = f"{id(conn.engine.pool)}:{conn.engine.url}"
    cached = _CHOICES.get(key) if conn.engine.url.database not in (None, "", ":memory:") else None
    if cached is not None and cached[0] == version:
        return cached[1]
    rows = conn.exec_driver_sql(
        "SELECT speaker_id, norm, alias FROM speaker_alias UNION ALL SELECT id, surname, name FROM speaker"
    ).all()
    choices = NameChoices.of([(int(sid), str(norm), str(alias)) for sid, norm, alias in rows])
    _CHOICES[key] = (tuple(version), choices)
    return choices


def closest_names(session: Session, query: str, limit: int = 3) -> list[str]:
    """Display names of the speakers whose aliases are nearest to `query`."""
    choices = _name_choices_and_norms(session)
    rows = choices.rows
    if not rows:
        return []
    scored = process.extract(normalise(query), choices.norms, scorer=fuzz.WRatio, limit=len(rows))
    names: list[str] = []
    seen: set[int] = set()
    for _choice, _score, index in scored:
        sid = rows[index][0]
        if sid in seen:
            continue
        seen.add(sid)
        speaker = session.get(Speaker, sid)
        if speaker is not None:
            names.append(speaker.name)
        if len(names) == limit:
            break
    return names


@dataclass(frozen=True)
class SpeakerSummary:
    id: int
    name: str
    quotes: int
    aliases: tuple[str, ...]
    roles: tuple[str, ...]


def list_speakers(session: Session, limit: int | None = None) -> list[SpeakerSummary]:
    """Every speaker with their quote count, aliases and roles, most quoted first."""
    counts = dict(
        session.exec(
            select(Quote.speaker_id, func.count())
            .where(col(Quote.speaker_id).is_not(None))
            .group_by(col(Quote.speaker_id))
        ).all()
    )
    aliases: dict[int, list[str]] = {}
    for sid, alias in session.exec(select(SpeakerAlias.speaker_id, SpeakerAlias.alias).order_by(col(SpeakerAlias.id))):
        aliases.setdefault(sid, []).append(alias)
    roles: dict[int, list[str]] = {}
    for sid, role in session.exec(select(SpeakerRole.speaker_id, SpeakerRole.role).order_by(col(SpeakerRole.id))):
        roles.setdefault(sid, []).append(role)
    out = [
        SpeakerSummary(
            id=s.id,
            name=s.name,
            quotes=int(counts.get(s.id, 0)),
            aliases=tuple(a for a in aliases.get(s.id, []) if a != s.name),
            roles=tuple(roles.get(s.id, [])),
        )
        for s in session.exec(select(Speaker)).all()
        if s.id is not None
    ]
    out.sort(key=lambda s: (-s.quotes, normalise(s.name)))
    return out[:limit] if limit else out


def speaker_summary(session: Session, speaker: Speaker) -> SpeakerSummary:
    for summary in list_speakers(session):
        if summary.id == speaker.id:
            return summary
    raise NotFoundError(f"speaker #{speaker.id} does not exist")
