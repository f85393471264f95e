"""Corrections a person makes to what the machine stored: a quote's speaker, a string that is not a
quote, two speakers who are one, a speaker's name, an article's outlet, date or title.

Each correction changes the stored rows and is itself stored (`db.Correction`: what, when, the
value before and after). A quote is designated by its text key and article URL rather than its
row id, so that `replay` can apply the corrections again after an article is re-ingested (a
changed article's quotes are stored afresh). Library code: raises `NotFoundError` naming the
closest matches for an unknown quote, speaker or URL, and changes nothing in that case.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Sequence

from rapidfuzz import fuzz, process
from sqlalchemy import BindParameter, ColumnElement, bindparam, func
from sqlmodel import Session, col, delete, select, update
from sqlmodel.sql.expression import SelectOfScalar

from quotes.db import Correction, Occurrence, Quote, Source, Speaker, SpeakerAlias, SpeakerRole, normalise
from quotes.errors import InputError, NotFoundError
from quotes.speakers import closest_names, name_parts

SOURCE_FIELDS = ("outlet", "published", "title")


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def _record(session: Session, kind: str, **values: object) -> Correction:
    correction = Correction(kind=kind, made_at=_now(), **values)  # type: ignore[arg-type]
    session.add(correction)
    session.flush()
    return correction


# ---------------------------------------------------------------------------------------------
# Finding what a correction is about, or saying what is nearest.


def get_quote(session: Session, quote_id: int) -> Quote:
    quote = session.get(Quote, quote_id)
    if quote is None:
        below = session.exec(select(Quote.id).where(col(Quote.id) < quote_id).order_by(col(Quote.id).desc())).first()
        above = session.exec(select(Quote.id).where(col(Quote.id) > quote_id).order_by(col(Quote.id))).first()
        near = [f"#{i}" for i in (below, above) if i is not None]
        hint = f"; closest: {', '.join(near)}" if near else "; the database has no quotes yet"
        raise NotFoundError(f"no quote #{quote_id}{hint}")
    return quote


def get_speaker(session: Session, speaker_id: int) -> Speaker:
    speaker = session.get(Speaker, speaker_id)
    if speaker is None:
        near = [
            f"#{s.id} {s.name}" for s in session.exec(select(Speaker).order_by(func_abs(speaker_id)).limit(3)).all()
        ]
        hint = f"; closest: {', '.join(near)}" if near else "; the database has no speakers yet"
        raise NotFoundError(f"no speaker #{speaker_id}{hint}")
    return speaker


def func_abs(speaker_id: int) -> ColumnElement[int]:
    return func.abs(col(Speaker.id) - speaker_id)


def speaker_named(session: Session, name: str) -> Speaker:
    """The one stored speaker whose name or alias is `name` (case and accents aside)."""
    parts = name_parts(name)
    norm = parts.norm if parts is not None else normalise(name)
    if not norm:
        raise InputError('speaker name is empty; give a name such as "Camille Le Goff"')
    found = {
        s.id: s
        for s in session.exec(
            select(Speaker)
            .join(SpeakerAlias, col(SpeakerAlias.speaker_id) == Speaker.id)
            .where(SpeakerAlias.norm == norm)
        ).all()
    }
    if not found:
        found = {s.id: s for s in session.exec(select(Speaker).where(Speaker.norm == norm)).all()}
    if len(found) == 1:
        return next(iter(found.values()))
    if found:
        listed = ", ".join(f"#{s.id} {s.name}" for s in found.values())
        raise NotFoundError(f"{name!r} names several speakers ({listed}); merge them or give a fuller name")
    near = closest_names(session, name)
    hint = f"; closest: {', '.join(near)}" if near else "; the database has no speakers yet"
    raise NotFoundError(f"no speaker named {name!r}{hint} (add --new to create the speaker)")


def get_source(session: Session, url: str) -> Source:
    source = session.exec(select(Source).where(Source.url == url)).first()
    if source is None:
        urls = [u for u in session.exec(select(Source.url).where(col(Source.url).is_not(None))).all() if u]
        near = [u for u, _score, _i in process.extract(url, urls, scorer=fuzz.ratio, limit=3)]
        hint = f"; closest: {', '.join(near)}" if near else "; the database has no articles yet"
        raise NotFoundError(f"no article at {url}{hint}")
    return source


def _first_url(session: Session, quote_id: int) -> str | None:
    return session.exec(
        select(Source.url)
        .join(Occurrence, col(Occurrence.source_id) == Source.id)
        .where(Occurrence.quote_id == quote_id)
        .order_by(col(Occurrence.id))
    ).first()


# ---------------------------------------------------------------------------------------------
# The corrections.


def reassign_speaker(session: Session, quote_id: int, speaker_name: str, *, create: bool = False) -> Correction:
    """Give quote `quote_id` to the speaker named `speaker_name` (a new speaker if `create` and
    no stored speaker has that name)."""
    quote = get_quote(session, quote_id)
    try:
        speaker = speaker_named(session, speaker_name)
    except NotFoundError:
        if not create:
            raise
        parts = name_parts(speaker_name)
        if parts is None:
            raise InputError(f"{speaker_name!r} is not a name") from None
        speaker = Speaker(name=parts.display, norm=parts.norm, surname=parts.surname)
        session.add(speaker)
        session.flush()
        assert speaker.id is not None
        session.add(SpeakerAlias(speaker_id=speaker.id, alias=parts.display, norm=parts.norm))
    previous = quote.speaker_id
    quote.speaker_id = speaker.id
    session.add(quote)
    return _record_quote(
        session, "speaker", quote, speaker.id, None if previous is None else str(previous), str(speaker.id)
    )


def mark_not_quote(session: Session, quote_id: int) -> Correction:
    """Hide a stored string that is not a quote from search and export (it stays stored)."""
    quote = get_quote(session, quote_id)
    previous = quote.hidden
    quote.hidden = True
    session.add(quote)
    return _record_quote(session, "not_quote", quote, quote.speaker_id, str(previous).lower(), "true")


def _record_quote(
    session: Session, kind: str, quote: Quote, speaker_id: int | None, previous: str | None, value: str
) -> Correction:
    """A correction of a quote, designated so that it outlives the quote's row (text key, URL)."""
    assert quote.id is not None
    return _record(
        session,
        kind,
        quote_id=quote.id,
        quote_key=quote.text_key,
        source_url=_first_url(session, quote.id),
        speaker_id=speaker_id,
        previous=previous,
        value=value,
    )


def merge_speakers(session: Session, keep_id: int, other_id: int) -> Correction:
    """Speaker `other_id` is speaker `keep_id`: its quotes, aliases and roles move, it goes."""
    if keep_id == other_id:
        raise InputError(f"cannot merge speaker #{keep_id} with itself")
    keep = get_speaker(session, keep_id)
    other = get_speaker(session, other_id)
    keep_aliases = set(session.exec(select(SpeakerAlias.norm).where(SpeakerAlias.speaker_id == keep_id)).all())
    for alias in session.exec(select(SpeakerAlias).where(SpeakerAlias.speaker_id == other_id)).all():
        if alias.norm in keep_aliases:
            session.delete(alias)
        else:
            alias.speaker_id = keep_id
            session.add(alias)
            keep_aliases.add(alias.norm)
    keep_roles = {r.norm: r for r in session.exec(select(SpeakerRole).where(SpeakerRole.speaker_id == keep_id)).all()}
    for role in session.exec(select(SpeakerRole).where(SpeakerRole.speaker_id == other_id)).all():
        kept = keep_roles.get(role.norm)
        if kept is None:
            role.speaker_id = keep_id
            session.add(role)
        else:
            if role.last_seen and (kept.last_seen is None or role.last_seen > kept.last_seen):
                kept.last_seen = role.last_seen
                session.add(kept)
            session.delete(role)
    session.flush()
    session.exec(update(Quote).where(col(Quote.speaker_id) == other_id).values(speaker_id=keep_id))
    # Earlier corrections that gave quotes to the merged speaker now give them to the kept one.
    session.exec(
        update(Correction)
        .where(col(Correction.kind) == "speaker", col(Correction.value) == str(other_id))
        .values(value=str(keep_id))
    )
    if normalise(other.name) not in keep_aliases:
        session.add(SpeakerAlias(speaker_id=keep_id, alias=other.name, norm=normalise(other.name)))
    previous = other.name
    session.delete(other)
    session.flush()
    session.add(keep)
    return _record(session, "merge", speaker_id=keep_id, previous=f"#{other_id} {previous}", value=str(keep_id))


def rename_speaker(session: Session, speaker_id: int, name: str) -> Correction:
    """Give speaker `speaker_id` its right name (kept over names later articles give)."""
    speaker = get_speaker(session, speaker_id)
    parts = name_parts(name)
    if parts is None:
        raise InputError(f"{name!r} is not a name")
    clash = session.exec(
        select(Speaker.id, Speaker.name).where(Speaker.norm == parts.norm, col(Speaker.id) != speaker_id)
    ).first()
    if clash is not None:
        raise InputError(f"speaker #{clash[0]} is already named {clash[1]!r}; merge the two instead")
    previous = speaker.name
    _apply_name(session, speaker, parts.display)
    return _record(session, "rename", speaker_id=speaker_id, previous=previous, value=parts.display)


def _apply_name(session: Session, speaker: Speaker, name: str) -> None:
    parts = name_parts(name)
    assert parts is not None and speaker.id is not None
    speaker.name, speaker.norm, speaker.surname = parts.display, parts.norm, parts.surname
    session.add(speaker)
    exists = session.exec(
        select(SpeakerAlias.id).where(SpeakerAlias.speaker_id == speaker.id, SpeakerAlias.norm == parts.norm)
    ).first()
    if exists is None:
        session.add(SpeakerAlias(speaker_id=speaker.id, alias=parts.display, norm=parts.norm))
    session.flush()


def correct_source(
    session: Session,
    url: str,
    *,
    outlet: str | None = None,
    published: str | None = None,
    title: str | None = None,
) -> Correction:
    """Correct an article's outlet, publication date (`YYYY`, `YYYY-MM` or `YYYY-MM-DD`) or title.
    Returns the last correction recorded (one per field changed)."""
    values = {"outlet": outlet, "published": published, "title": title}
    if all(v is None for v in values.values()):
        raise InputError("nothing to correct: give --outlet, --published or --title")
    if published is not None:
        published = check_published(published)
        values["published"] = published
    source = get_source(session, url)
    last: Correction | None = None
    for field in SOURCE_FIELDS:
        value = values[field]
        if value is None:
            continue
        previous = getattr(source, field)
        setattr(source, field, value)
        last = _record(session, "source", source_url=url, field=field, previous=previous, value=value)
    session.add(source)
    if published is not None:
        redate_publication(session, source)
    assert last is not None
    return last


def check_published(value: str) -> str:
    """A publication date as the database keeps it, at the precision given."""
    for fmt, length in (("%Y-%m-%d", 10), ("%Y-%m", 7), ("%Y", 4)):
        if len(value) == length:
            try:
                dt.datetime.strptime(value, fmt)
            except ValueError:
                break
            return value
    raise InputError(f"{value!r} is not a date: give YYYY-MM-DD, YYYY-MM or YYYY")


def redate_publication(session: Session, source: Source) -> None:
    """Occurrences dated by their article's publication take the corrected date."""
    occurrences = session.exec(
        select(Occurrence).where(Occurrence.source_id == source.id, Occurrence.said_on_source == "publication")
    ).all()
    for occ in occurrences:
        occ.said_on = source.published
        session.add(occ)
    session.flush()
    for quote_id in {o.quote_id for o in occurrences}:
        quote = session.get(Quote, quote_id)
        if quote is not None:
            quote.said_on = session.exec(
                select(func.min(Occurrence.said_on)).where(Occurrence.quote_id == quote_id)
            ).one()
            session.add(quote)


# ---------------------------------------------------------------------------------------------
# Replaying corrections after an article is stored again, and reading them back.


def replay(session: Session, source: Source) -> int:
    """Apply again the corrections about an article just (re-)stored; the number applied."""
    applied = 0
    if source.url:
        latest: dict[str, Correction] = {}
        for c in session.exec(
            select(Correction)
            .where(Correction.kind == "source", Correction.source_url == source.url)
            .order_by(col(Correction.id))
        ).all():
            if c.field in SOURCE_FIELDS:
                latest[c.field] = c
        for field, c in latest.items():
            if getattr(source, field) != c.value:
                setattr(source, field, c.value)
                applied += 1
        if latest:
            session.add(source)
            if "published" in latest:
                redate_publication(session, source)
    quotes = {
        q.text_key: q
        for q in session.exec(
            select(Quote)
            .join(Occurrence, col(Occurrence.quote_id) == Quote.id)
            .where(Occurrence.source_id == source.id)
        ).all()
    }
    if quotes:
        for c in session.exec(
            select(Correction)
            .where(col(Correction.kind).in_(("speaker", "not_quote")), col(Correction.quote_key).in_(list(quotes)))
            .order_by(col(Correction.id))
        ).all():
            quote = quotes[c.quote_key or ""]
            if c.kind == "not_quote" and not quote.hidden:
                quote.hidden = True
                applied += 1
            elif c.kind == "speaker" and c.value is not None and quote.speaker_id != int(c.value):
                if session.get(Speaker, int(c.value)) is None:
                    continue
                quote = _give(session, quote, int(c.value))
                quotes[quote.text_key] = quote
                applied += 1
            session.add(quote)
    renames: dict[int, str] = {}
    speaker_ids = {q.speaker_id for q in quotes.values() if q.speaker_id is not None}
    if speaker_ids:
        for c in session.exec(
            select(Correction)
            .where(Correction.kind == "rename", col(Correction.speaker_id).in_(list(speaker_ids)))
            .order_by(col(Correction.id))
        ).all():
            if c.speaker_id is not None and c.value:
                renames[c.speaker_id] = c.value
    for sid, name in renames.items():
        speaker = session.get(Speaker, sid)
        if speaker is not None and speaker.name != name:
            _apply_name(session, speaker, name)
            applied += 1
    session.flush()
    return applied


def _give(session: Session, quote: Quote, speaker_id: int) -> Quote:
    """The quote given to `speaker_id`; joined to the stored quote of that text and speaker when
    one exists (a wire copy that kept the corrected quote alive)."""
    twin = session.exec(
        select(Quote).where(Quote.text_key == quote.text_key, Quote.speaker_id == speaker_id, col(Quote.id) != quote.id)
    ).first()
    if twin is None:
        quote.speaker_id = speaker_id
        return quote
    session.exec(update(Occurrence).where(col(Occurrence.quote_id) == quote.id).values(quote_id=twin.id))
    twin.hidden = twin.hidden or quote.hidden
    if quote.said_on and (twin.said_on is None or quote.said_on < twin.said_on):
        twin.said_on = quote.said_on
    session.flush()
    session.exec(delete(Quote).where(col(Quote.id) == quote.id))
    session.expunge(quote)
    return twin


@functools.cache
def _corrections_of_keys() -> SelectOfScalar[Correction]:
    """The corrections of some quote keys, oldest first: built once (every search page asks it)."""
    keys: BindParameter[list[str]] = bindparam("keys", expanding=True)
    return select(Correction).where(col(Correction.quote_key).in_(keys)).order_by(col(Correction.id))


def quote_corrections(session: Session, quotes: Iterable[tuple[int, str]]) -> dict[int, list[Correction]]:
    """The corrections of each quote, given as (quote id, text key), by quote id, oldest first."""
    by_key: dict[str, list[int]] = {}
    for quote_id, text_key in quotes:
        by_key.setdefault(text_key, []).append(quote_id)
    out: dict[int, list[Correction]] = {}
    if not by_key:
        return out
    for c in session.exec(_corrections_of_keys(), params={"keys": list(by_key)}).all():
        for qid in by_key.get(c.quote_key or "", []):
            out.setdefault(qid, []).append(c)
    return out


def speaker_corrections(session: Session, speaker_id: int) -> list[Correction]:
    """Corrections about a speaker: renames, merges, quotes given to them."""
    return list(
        session.exec(
            select(Correction)
            .where(Correction.speaker_id == speaker_id, col(Correction.kind).in_(("rename", "merge", "speaker")))
            .order_by(col(Correction.id))
        ).all()
    )


def describe(correction: Correction, names: dict[int, str] | None = None) -> str:
    """One line saying what a correction did: "2026-12-02: speaker Gaulle -> Charles de Gaulle"."""
    names = names or {}
    when = correction.made_at[:10]

    def who(value: str | None) -> str:
        if value is None or value == "None":
            return "none"
        return names.get(int(value), f"#{value}") if value.isdigit() else value

    if correction.kind == "speaker":
        return f"{when}: speaker {who(correction.previous)} -> {who(correction.value)}"
    if correction.kind == "not_quote":
        return f"{when}: marked not a quote"
    if correction.kind == "merge":
        return f"{when}: merged {correction.previous} into #{correction.value}"
    if correction.kind == "rename":
        return f"{when}: renamed {correction.previous!r} -> {correction.value!r}"
    return f"{when}: {correction.field} {correction.previous!r} -> {correction.value!r}"


def speaker_names(session: Session, ids: Sequence[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {
        int(sid): name
        for sid, name in session.exec(select(Speaker.id, Speaker.name).where(col(Speaker.id).in_(list(ids)))).all()
        if sid is not None
    }
