"""Speaker identity across articles: aliases, fuller names, namesakes, roles, fuzzy lookup."""

from __future__ import annotations

import pytest
from dbtesting import db_url, engine  # noqa: F401
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from quotes.db import Speaker
from quotes.errors import NotFoundError
from quotes.speakers import (
    clean_role,
    given_compatible,
    list_speakers,
    lookup_speakers,
    name_parts,
    record_speaker,
    split_role,
)


@pytest.mark.parametrize(
    ("raw", "given", "surname", "display"),
    [
        ("Vladimir Poutine", ("vladimir",), "poutine", "Vladimir Poutine"),
        ("M. Poutine", (), "poutine", "Poutine"),
        ("Mme Le Pen", (), "le pen", "Le Pen"),
        ("Marine Le Pen", ("marine",), "le pen", "Marine Le Pen"),
        ("Ursula von der Leyen", ("ursula",), "von der leyen", "Ursula von der Leyen"),
        ("V. Poutine", ("v",), "poutine", "V. Poutine"),
        ("Recep Tayyip Erdoğan, le président turc", ("recep", "tayyip"), "erdogan", "Recep Tayyip Erdoğan"),
    ],
)
def test_name_parts(raw: str, given: tuple[str, ...], surname: str, display: str) -> None:
    parts = name_parts(raw)
    assert parts is not None
    assert (parts.given, parts.surname, parts.display) == (given, surname, display)


def test_name_parts_of_a_bare_title_is_none() -> None:
    assert name_parts("M.") is None
    assert name_parts("  ") is None


def test_split_and_clean_role() -> None:
    assert split_role("Vladimir Poutine, le président russe") == ("Vladimir Poutine", "président russe")
    assert split_role("Ana Lopes") == ("Ana Lopes", None)
    assert clean_role("l’ancienne ministre") == "ancienne ministre"


def test_given_names_compatibility() -> None:
    assert given_compatible(("vladimir",), ())
    assert given_compatible(("v",), ("vladimir",))
    assert not given_compatible(("marine",), ("jean-marie",))


def _names(session: Session) -> list[str]:
    return sorted(s.name for s in session.exec(select(Speaker)).all())


def test_forms_of_one_name_are_one_speaker(engine: Engine) -> None:  # noqa: F811
    with Session(engine) as session:
        first = record_speaker(session, "Poutine")
        assert first.created and first.speaker is not None
        for form in ("M. Poutine", "Vladimir Poutine", "Vladimir Poutine, le président russe", "POUTINE"):
            again = record_speaker(session, form)
            assert not again.created and again.speaker is not None
            assert again.speaker.id == first.speaker.id
        session.commit()
        assert _names(session) == ["Vladimir Poutine"]  # the fuller name replaced the surname
        (summary,) = list_speakers(session)
        assert summary.aliases == ("Poutine",)
        assert summary.roles == ("président russe",)


def test_accents_and_case_do_not_split_a_speaker(engine: Engine) -> None:  # noqa: F811
    with Session(engine) as session:
        a = record_speaker(session, "Recep Tayyip Erdoğan")
        b = record_speaker(session, "RECEP TAYYIP ERDOGAN")
        c = record_speaker(session, "M. Erdogan")
        assert a.speaker and b.speaker and c.speaker
        assert a.speaker.id == b.speaker.id == c.speaker.id


def test_namesakes_stay_two_speakers(engine: Engine) -> None:  # noqa: F811
    with Session(engine) as session:
        marine = record_speaker(session, "Marine Le Pen", role="présidente du groupe RN")
        jean = record_speaker(session, "Jean-Marie Le Pen", role="fondateur du Front national")
        assert marine.speaker and jean.speaker
        assert marine.created and jean.created
        assert marine.speaker.id != jean.speaker.id
        # A full name goes to its own person, never to the namesake.
        assert record_speaker(session, "Marine Le Pen").speaker.id == marine.speaker.id  # type: ignore[union-attr]
        # A bare surname with a role goes to the person with that role.
        bare = record_speaker(session, "Le Pen", role="le fondateur du Front national")
        assert bare.speaker is not None and bare.speaker.id == jean.speaker.id
        assert _names(session) == ["Jean-Marie Le Pen", "Marine Le Pen"]


def test_role_names_a_later_role_noun_speaker(engine: Engine) -> None:  # noqa: F811
    with Session(engine) as session:
        named = record_speaker(session, "Recep Tayyip Erdoğan", role="président turc", seen="2024-06-01")
        by_role = record_speaker(session, None, role="le président turc")
        by_mention = record_speaker(session, None, mention="le Président turc")
        role_as_name = record_speaker(session, "le président turc")
        assert role_as_name.speaker is not None and role_as_name.speaker.id == named.speaker.id
        unknown = record_speaker(session, None, role="ministre de la Culture")
        assert named.speaker is not None
        assert by_role.speaker is not None and by_role.speaker.id == named.speaker.id
        assert by_mention.speaker is not None and by_mention.speaker.id == named.speaker.id
        assert unknown.speaker is None and not unknown.created


def test_lookup_exact_surname_and_fuzzy(engine: Engine) -> None:  # noqa: F811
    with Session(engine) as session:
        record_speaker(session, "Recep Tayyip Erdoğan")
        record_speaker(session, "Antonio Guterres", role="secrétaire général des Nations unies")
        session.commit()
        exact = lookup_speakers(session, "RECEP TAYYIP ERDOGAN")
        assert exact.how == "alias" and [s.name for s in exact.speakers] == ["Recep Tayyip Erdoğan"]
        surname = lookup_speakers(session, "Erdogan")
        assert surname.how == "surname" and [s.name for s in surname.speakers] == ["Recep Tayyip Erdoğan"]
        assert [s.name for s in lookup_speakers(session, "Erdogen").speakers] == ["Recep Tayyip Erdoğan"]
        fuzzy = lookup_speakers(session, "Antonio Guteres")
        assert fuzzy.how == "fuzzy" and [s.name for s in fuzzy.speakers] == ["Antonio Guterres"]
        assert fuzzy.matched == "Antonio Guterres"


def test_unknown_speaker_names_the_closest(engine: Engine) -> None:  # noqa: F811
    with Session(engine) as session:
        for name in ("Olaf Scholz", "Giorgia Meloni", "Pedro Sánchez"):
            record_speaker(session, name)
        session.commit()
        with pytest.raises(NotFoundError) as info:
            lookup_speakers(session, "Jorge Mendes")
        message = str(info.value)
        assert message.startswith("no speaker matches 'Jorge Mendes'; closest: Giorgia Meloni")
        assert "Olaf Scholz" in message and "Pedro Sánchez" in message


def test_lookup_in_an_empty_database(engine: Engine) -> None:  # noqa: F811
    with Session(engine) as session, pytest.raises(NotFoundError, match="the database has no speakers yet"):
        lookup_speakers(session, "Poutine")


def test_only_descriptions_are_kept_as_roles(engine: Engine) -> None:  # noqa: F811
    with Session(engine) as session:
        jm = record_speaker(session, "Jean-Marie Le Pen", role="ancien leader frontiste Jean-Marie Le Pen").speaker
        assert jm is not None
        for junk in ("souligne", "@JMLP", "Le Pen", "M. le député", "question"):
            record_speaker(session, "Jean-Marie Le Pen", role=junk)
        record_speaker(session, "Jean-Marie Le Pen", role="le fondateur du Front national")
        session.commit()
        (summary,) = list_speakers(session)
    assert summary.roles == ("ancien leader frontiste", "fondateur du Front national")
