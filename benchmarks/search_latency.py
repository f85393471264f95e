"""Search latency on a large SQLite database: builds one (1,000,000 quotes by default) and prints
the p50 / p95 / p99 latency of typical searches, through the library's `search()`.

    .venv/bin/python benchmarks/search_latency.py                 # build (once) and measure
    .venv/bin/python benchmarks/search_latency.py --quotes 100000 --db /tmp/small.db
    .venv/bin/python benchmarks/search_latency.py --rebuild
    .venv/bin/python benchmarks/search_latency.py --postgres postgresql://postgres@127.0.0.1:54329/postgres

With --postgres, the SQLite database is copied (COPY) into a `quotes_bench` database on that
server, once, and the searches run there.

A script that prints figures, never a test that asserts a time. The database is built with the
application's own migrations (so FTS5 table, triggers and indexes are the real ones), then filled
with generated French-like sentences through plain SQL in large transactions.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from quotes.db import normalise, open_db, register_sqlite_stems  # noqa: E402
from quotes.search import Filters, search  # noqa: E402

GIVEN = (
    "Anne Bruno Camille Denis Élise Farid Gaëlle Hugo Inès Jules Karim Léa Marc Nadia Olivier Paule Quentin "
    "Rachid Sophie Thomas Ursule Victor Yasmine Zoé Agnès Benoît Chloé Damien Emma Fabien"
).split()
FAMILY = (
    "Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon Laurent Lefèvre Michel Garcia "
    "David Bertrand Roux Vincent Fournier Morel Girard André Lefebvre Mercier Dupont Lambert Bonnet François "
    "Martinez Legrand Garnier Faure Rousseau Blanc Guérin Muller Henry Roussel Nicolas Perrin Morin Mathieu "
    "Clément Gauthier Dumont Lopez Fontaine Chevalier Robin Masson Sanchez Gérard Nguyen Boyer Denis Lemaire "
    "Duval Joly Gautier Roger Roche Roy Noël Meyer Lucas Meunier Jean Perez Marchand Dufour Blanchard Marie "
    "Barbier Brun Dumas Brunet Schmitt Leroux Colin Fernandez Pierre Renard Arnaud Rolland Caron Aubert Giraud"
).split()
WORDS = (
    "nous devons agir vite pour protéger les emplois la croissance reprendra au printemps le gouvernement "
    "tiendra ses engagements budget réforme retraites impôts santé hôpital école transition énergie climat "
    "commerce exportations agriculture éleveurs industrie dialogue négociation accord paix sécurité défense "
    "frontières Europe alliance sommet coopération solidarité inflation salaires logement transports rail "
    "pouvoir achat dette déficit investissement innovation recherche université jeunesse culture sport "
    "justice police ordre public liberté démocratie élections majorité opposition compromis confiance avenir"
).split()
RARE = ["girouette", "mandoline", "pélican", "chrysanthème", "funiculaire", "archipel"]
OUTLETS = [f"Journal {name}" for name in ("du Nord", "du Sud", "de l'Est", "de l'Ouest", "Central", "Matin", "Soir")]
OUTLETS += [f"Radio {n}" for n in ("Alpha", "Bêta", "Gamma")] + [f"Hebdo {i}" for i in range(1, 41)]
VENUES = [None, None, None, "sur BFM TV", "dans un communiqué", "devant l'Assemblée", "sommet de l'OCS à Astana"]
VENUES += ["au Sénat", "lors d'une conférence de presse", "sur France Inter", "dans un entretien au Matin"]
ROLES = ["ministre de l'Économie", "président de région", "maire", "députée", "syndicaliste", "porte-parole"]


def ensure_built(path: Path, n_quotes: int, n_speakers: int, rebuild: bool = False) -> None:
    """The benchmark database at `path`, built (again, with `rebuild`) when it is not there."""
    if rebuild and path.exists():
        path.unlink()
    if not path.exists():
        print(f"Building {path} with {n_quotes:,} quotes ...", file=sys.stderr)
        t0 = time.perf_counter()
        build(path, n_quotes, n_speakers)
        print(f"Built in {time.perf_counter() - t0:.0f} s ({path.stat().st_size / 1e6:.0f} MB)", file=sys.stderr)


def build(path: Path, n_quotes: int, n_speakers: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    open_db(str(path)).dispose()  # the real schema, through the migrations
    con = sqlite3.connect(path)
    register_sqlite_stems(con)  # the triggers of quote_stem_fts call quotes_stems()
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    speakers = []
    seen: set[str] = set()
    while len(speakers) < n_speakers:
        name = f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}"
        if len(seen) < len(GIVEN) * len(FAMILY) and name in seen:
            continue
        if name in seen:
            name = f"{name} {len(speakers)}"
        seen.add(name)
        speakers.append(name)
    with con:
        con.executemany(
            "INSERT INTO speaker (id, name, norm, surname) VALUES (?, ?, ?, ?)",
            [(i + 1, n, normalise(n), normalise(n.split()[1])) for i, n in enumerate(speakers)],
        )
        aliases = []
        for i, n in enumerate(speakers):
            aliases.append((i + 1, n, normalise(n)))
            aliases.append((i + 1, n.split()[1], normalise(n.split()[1])))
        con.executemany("INSERT INTO speaker_alias (speaker_id, alias, norm) VALUES (?, ?, ?)", aliases)
        con.executemany(
            "INSERT INTO speaker_role (speaker_id, role, norm) VALUES (?, ?, ?)",
            [(i + 1, r, normalise(r)) for i in range(n_speakers) for r in [rng.choice(ROLES)]],
        )
    per_article = 4
    n_sources = n_quotes // per_article + 1
    t0 = time.perf_counter()
    batch = 50_000
    qid = 0
    for start in range(0, n_sources, batch // per_article):
        sources, quotes, occurrences = [], [], []
        for sid in range(start + 1, min(n_sources, start + batch // per_article) + 1):
            day = f"20{rng.randint(18, 24)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            outlet = rng.choice(OUTLETS)
            sources.append(
                (sid, f"https://bench.example/{sid}", outlet, f"Article {sid}", day, day, f"h{sid}", f"a{sid}.txt")
            )
            for _ in range(per_article):
                qid += 1
                if qid > n_quotes:
                    break
                words = rng.choices(WORDS, k=rng.randint(8, 20))
                if rng.random() < 0.001:
                    words.insert(rng.randrange(len(words)), rng.choice(RARE))
                text = " ".join(words).capitalize()
                speaker = rng.randint(1, n_speakers)
                quotes.append((qid, text, f"k{qid}", rng.choice(("direct", "direct", "mixed")), speaker, day))
                venue = rng.choice(VENUES)
                occurrences.append((qid, sid, 0, len(text), "a déclaré", 0.9, day, "publication", venue))
        with con:
            con.executemany(
                "INSERT INTO source (id, url, outlet, title, published, accessed, content_hash, path) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                sources,
            )
            con.executemany(
                "INSERT INTO quote (id, text, text_key, kind, speaker_id, said_on) VALUES (?, ?, ?, ?, ?, ?)", quotes
            )
            con.executemany(
                'INSERT INTO occurrence (quote_id, source_id, start, "end", cue, confidence, said_on, '
                "said_on_source, venue) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                occurrences,
            )
        print(f"  {min(qid, n_quotes):>9,} quotes ({time.perf_counter() - t0:.0f} s)", file=sys.stderr)
        if qid >= n_quotes:
            break
    con.execute("ANALYZE")
    con.execute("INSERT INTO quote_fts(quote_fts) VALUES ('optimize')")
    con.execute("INSERT INTO quote_stem_fts(quote_stem_fts) VALUES ('optimize')")
    con.commit()
    con.close()


TABLES = {
    "source": "id, url, outlet, title, author, published, accessed, content_hash, path",
    "speaker": "id, name, norm, surname",
    "speaker_alias": "id, speaker_id, alias, norm",
    "speaker_role": "id, speaker_id, role, norm, last_seen",
    "quote": "id, text, text_key, kind, speaker_id, said_on",
    "occurrence": 'id, quote_id, source_id, start, "end", cue, speaker_mention, speaker_role, attribution, '
    "confidence, said_on, said_on_source, venue",
}


def copy_to_postgres(sqlite_path: Path, server_url: str) -> str:
    """The benchmark database copied into `quotes_bench` on a PostgreSQL server; its URL."""
    import psycopg
    import sqlalchemy as sa

    admin = sa.engine.make_url(server_url)
    url = admin.set(database="quotes_bench").render_as_string(hide_password=False)
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = 'quotes_bench'").fetchone():
            return url
        conn.execute("CREATE DATABASE quotes_bench")
    open_db(url).dispose()  # the real schema, through the migrations
    src = sqlite3.connect(sqlite_path)
    t0 = time.perf_counter()
    with psycopg.connect(url) as conn:
        # Full-text indexes are rebuilt once after the copy rather than updated row by row.
        gin = conn.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'quote' AND indexdef LIKE '%USING gin%'"
        ).fetchall()
        for name, _definition in gin:
            conn.execute(f"DROP INDEX {name}")
        for table, columns in TABLES.items():
            with conn.cursor().copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in src.execute(f"SELECT {columns} FROM {table}"):
                    copy.write_row(row)
            print(f"  copied {table} ({time.perf_counter() - t0:.0f} s)", file=sys.stderr)
        for _name, definition in gin:
            conn.execute(definition)
        for table in TABLES:
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        conn.commit()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    print(f"  indexed and analysed ({time.perf_counter() - t0:.0f} s)", file=sys.stderr)
    return url


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--db", default="/tmp/quotes-bench-1m.db")
    parser.add_argument("--quotes", type=int, default=1_000_000)
    parser.add_argument("--speakers", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=60, help="runs of each kind of search")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--postgres", metavar="URL", help="also copy the database to this server and search there")
    args = parser.parse_args()
    path = Path(args.db)
    ensure_built(path, args.quotes, args.speakers, rebuild=args.rebuild)
    target = copy_to_postgres(path, args.postgres) if args.postgres else str(path)
    engine = open_db(target, create=False)
    backend = "PostgreSQL" if args.postgres else "SQLite"
    with engine.connect() as conn:
        n = conn.exec_driver_sql("SELECT count(*) FROM quote").scalar_one()
    rng = random.Random(11)
    con = sqlite3.connect(path)
    names = [r[0] for r in con.execute("SELECT name FROM speaker ORDER BY random() LIMIT 500")]
    con.close()

    def misspell(name: str) -> str:
        i = rng.randrange(1, len(name) - 1)
        return name[:i] + name[i + 1 :]

    kinds: dict[str, Callable[[], Filters]] = {
        "speaker (exact alias)": lambda: Filters(speaker=rng.choice(names)),
        "speaker (misspelt, fuzzy)": lambda: Filters(speaker=misspell(rng.choice(names))),
        "text, common word": lambda: Filters(text=rng.choice(WORDS)),
        "text, two words": lambda: Filters(text=" ".join(rng.sample(WORDS, 2))),
        "text, rare word": lambda: Filters(text=rng.choice(RARE)),
        "text + since/until": lambda: Filters(text=rng.choice(WORDS), since="2023-01", until="2023-06"),
        "speaker + text": lambda: Filters(speaker=rng.choice(names), text=rng.choice(WORDS)),
        "outlet + since": lambda: Filters(outlet=rng.choice(OUTLETS), since="2024-06"),
        "venue": lambda: Filters(venue=rng.choice(["BFM", "communiqué", "Astana", "Sénat"])),
        "since/until only": lambda: Filters(since="2021-03-01", until="2021-03-31"),
    }
    print(f"\nSearch latency on {n:,} quotes ({backend}, {args.runs} runs each, limit 20), milliseconds:")
    print(f"{'search':<28}{'p50':>8}{'p95':>8}{'p99':>8}{'max':>8}  hits")
    every: list[float] = []
    for label, make in kinds.items():
        times, hits = [], []
        search(engine, make())  # warm the page cache for this kind
        for _ in range(args.runs):
            filters = make()
            t0 = time.perf_counter()
            result = search(engine, filters)
            times.append((time.perf_counter() - t0) * 1000)
            hits.append(len(result.hits))
        every += times
        print(
            f"{label:<28}{percentile(times, 50):8.1f}{percentile(times, 95):8.1f}{percentile(times, 99):8.1f}"
            f"{max(times):8.1f}  {statistics.mean(hits):.1f}"
        )
    print(
        f"{'all searches':<28}{percentile(every, 50):8.1f}{percentile(every, 95):8.1f}{percentile(every, 99):8.1f}"
        f"{max(every):8.1f}"
    )
    engine.dispose()


if __name__ == "__main__":
    main()
