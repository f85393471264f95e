"""Export formats: golden files for each, re-import of BibTeX and RIS, CSL-JSON validation."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import rispy
from bibtexparser.entrypoint import parse_string

from quotes.errors import InputError
from quotes.export import (
    FORMATS,
    NBSP,
    authors,
    citation_line,
    export,
    french_date,
    french_quote,
    latex_escape,
    reporting_verb,
    to_csl,
)
from quotes.search import Hit, SourceRef

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "golden" / "export"
SCHEMA = Path(__file__).resolve().parent / "schemas" / "csl-data-subset.schema.json"
EXTENSIONS = {
    "csl-json": "json",
    "bibtex": "bib",
    "ris": "ris",
    "csv": "csv",
    "markdown": "md",
    "citation": "txt",
    "text": "text.txt",
}


def source(**kw: object) -> SourceRef:
    base: dict[str, object] = dict(
        url=None,
        outlet=None,
        title=None,
        author=None,
        published=None,
        accessed=None,
        cue=None,
        said_on=None,
        said_on_source=None,
        venue=None,
        confidence=0.9,
        start=0,
        end=10,
    )
    base.update(kw)
    return SourceRef(**base)  # type: ignore[arg-type]


HITS = [
    Hit(
        quote_id=12,
        text="La coopération entre nos pays est « solide » & durable à 100 %.",
        kind="direct",
        speaker="Vladimir Poutine",
        speaker_id=1,
        said_on="2024-07-03",
        sources=(
            source(
                url="https://exemple.org/monde/astana-sommet",
                outlet="Euronews",
                title="À Astana, le sommet de l'OCS s'ouvre sur fond de tensions",
                author="Léa Martin et Paul Roux",
                published="2024-07-04",
                accessed="2024-07-05",
                cue="a affirmé",
                said_on="2024-07-03",
                said_on_source="article",
                venue="sommet de l'OCS à Astana",
            ),
            source(
                url="https://quotidien.exemple.fr/depeche/ocs",
                outlet="Le Quotidien",
                author="AFP",
                published="2024-07-05",
                accessed="2024-07-06",
                cue="a déclaré",
                said_on="2024-07-03",
                said_on_source="article",
            ),
        ),
    ),
    Hit(
        quote_id=7,
        text="Nous ne laisserons pas les prix de l'énergie flamber cet hiver",
        kind="mixed",
        speaker="Claire Dubois",
        speaker_id=2,
        said_on="2024-07-01",
        sources=(
            source(
                url="https://hebdo.exemple.fr/energie?id=4&page=2",
                outlet="L'Hebdo",
                title="Énergie : le gouvernement promet un bouclier",
                published="2024-07-01",
                accessed="2024-07-02",
                cue="estime",
                said_on="2024-07-01",
                said_on_source="publication",
                venue="sur BFM TV",
            ),
        ),
    ),
    Hit(
        quote_id=3,
        text="Le chantier reprendra en septembre",
        kind="direct",
        speaker=None,
        speaker_id=None,
        said_on="2024-06",
        sources=(source(outlet="Gazette locale", published="2024-06", accessed="2024-07-02", said_on="2024-06"),),
    ),
]


@pytest.mark.parametrize("fmt", FORMATS)
def test_golden(fmt: str, file_regression: object) -> None:
    out = export(HITS, fmt)
    file_regression.check(  # type: ignore[attr-defined]
        out, fullpath=GOLDEN / f"quotes.{EXTENSIONS[fmt]}", encoding="utf-8", newline="\n"
    )


def test_french_citation_line_typography() -> None:
    line = citation_line(HITS[0])
    assert line == (
        f"«{NBSP}La coopération entre nos pays est “solide” & durable à 100 %{NBSP}», "
        f"a affirmé Vladimir Poutine (Euronews, 4 juillet 2024{NBSP}; propos tenus le 3 juillet 2024)."
    )
    assert citation_line(HITS[1]) == (
        f"Claire Dubois a employé ces mots{NBSP}: «{NBSP}Nous ne laisserons pas les prix de l'énergie flamber "
        f"cet hiver{NBSP}» (L'Hebdo, 1er juillet 2024)."
    )
    assert citation_line(HITS[2]) == f"«{NBSP}Le chantier reprendra en septembre{NBSP}» (Gazette locale, juin 2024)."


def test_pieces() -> None:
    assert french_date("2024-08-15") == "15 août 2024"
    assert french_date("2024-02") == "février 2024"
    assert french_date("2024") == "2024"
    assert french_date(None) is None
    assert french_quote(" « Oui » ") == f"«{NBSP}“Oui”{NBSP}»"
    assert reporting_verb("a martelé") == "a martelé" and reporting_verb("selon") == "a déclaré"
    assert reporting_verb("a-t-il dit") == "a déclaré"
    assert authors("Par Léa Martin, Paul Roux") == [
        {"family": "Martin", "given": "Léa"},
        {"family": "Roux", "given": "Paul"},
    ]
    assert authors("AFP") == [{"literal": "AFP"}]


def _rnc_names(name: str) -> set[str]:
    import citeproc

    path = Path(citeproc.__file__).parent / "data" / "schema" / "schemas" / "styles" / name
    return set(re.findall(r'"([A-Za-z_-]+)"', path.read_text(encoding="utf-8")))


def test_csl_json_is_valid_csl_data() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    variables = _rnc_names("csl-variables.rnc")
    types = _rnc_names("csl-types.rnc")
    for per_quote in (False, True):
        items = json.loads(export(HITS, "csl-json", per_quote=per_quote))
        jsonschema.validate(items, schema)
        for item in items:
            assert item["type"] in types
            assert set(item) - {"id", "type", "custom"} <= variables
        assert items == to_csl(HITS, per_quote)
    assert to_csl(HITS, per_quote=True)[0]["custom"]["other_sources"] == ["https://quotidien.exemple.fr/depeche/ocs"]
    assert to_csl(HITS)[0]["custom"]["quotes"][0]["other_sources"] == ["https://quotidien.exemple.fr/depeche/ocs"]


def test_bibtex_reimports() -> None:
    library = parse_string(export(HITS, "bibtex", per_quote=True))
    assert not library.failed_blocks
    entries = library.entries
    assert [e.entry_type for e in entries] == ["article"] * 3
    first = {f.key: f.value for f in entries[0].fields}
    assert first["entrysubtype"] == "newspaper"
    assert first["author"] == "Martin, Léa and Roux, Paul"
    assert first["url"] == "https://exemple.org/monde/astana-sommet"
    assert first["date"] == "2024-07-04" and first["urldate"] == "2024-07-05"
    assert first["journaltitle"] == "Euronews"
    assert r"\& durable à 100 \%" in first["note"]
    second = {f.key: f.value for f in entries[1].fields}
    assert second["url"] == "https://hebdo.exemple.fr/energie?id=4&page=2"  # URLs are verbatim
    assert len({e.key for e in entries}) == 3


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("a & b", r"a \& b"),
        ("C:\\dossier", r"C:\textbackslash{}dossier"),
        ("x~y", r"x\textasciitilde{}y"),
        ("{}", r"\{\}"),
    ],
)
def test_latex_escape(text: str, escaped: str) -> None:
    assert latex_escape(text) == escaped


def test_a_title_ending_in_a_backslash_keeps_its_entry() -> None:
    """Found by the fuzz suite: a title « \\ » ate the closing brace and merged two entries."""
    hit = HITS[0]
    odd = Hit(**{**hit.__dict__, "sources": (SourceRef(**{**hit.sources[0].__dict__, "title": "\\", "url": None}),)})
    library = parse_string(export([hit, odd], "bibtex"))
    assert not library.failed_blocks and len(library.entries) == 2
    assert {f.key: f.value for f in library.entries[1].fields}["title"] == r"\textbackslash{}"


def test_ris_reimports() -> None:
    records = rispy.loads(export(HITS, "ris", per_quote=True))
    assert [r["type_of_reference"] for r in records] == ["NEWS"] * 3
    first = records[0]
    assert first["authors"] == ["Martin, Léa", "Roux, Paul"]
    assert first["secondary_title"] == "Euronews"
    assert first["urls"] == ["https://exemple.org/monde/astana-sommet"]
    assert first["date"] == "2024/07/04" and first["access_date"] == "2024/07/05"
    assert first["abstract"] == HITS[0].text
    assert first["notes"] == [citation_line(HITS[0])]
    assert records[2]["date"] == "2024/06//"


def test_text_is_the_official_french_iso690_reference_list() -> None:
    text = export(HITS, "text").replace(NBSP, " ")
    assert (
        "MARTIN, Léa et ROUX, Paul, 2024. À Astana, le sommet de l'OCS s'ouvre sur fond de tensions. "
        "Euronews [en ligne]. 4 juillet 2024. [Consulté le 5 juillet 2024]. Disponible à l'adresse : "
        "https://exemple.org/monde/astana-sommet" in text
    )
    assert "    " + citation_line(HITS[0]).replace(NBSP, " ") in text
    assert "promet un bouclier, 2024. L'Hebdo [en ligne]. 1er juillet 2024. [Consulté le 2 juillet 2024]." in text
    assert not (ROOT / "quotes" / "data" / "iso690-author-date-fr.csl").exists()


def test_unknown_format() -> None:
    with pytest.raises(InputError, match=r"^unknown export format 'docx'; use one of csl-json, bibtex"):
        export(HITS, "docx")
