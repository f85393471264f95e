"""Search latency on a large database (SQLite, or PostgreSQL with --postgres): builds one
(1,000,000 quotes by default, --size N) and prints the p50 / p95 / p99 latency of typical
searches, through the library's `search()`.

    .venv/bin/python benchmarks/search_latency.py                 # SQLite: build (once) and measure
    .venv/bin/python benchmarks/search_latency.py --size 100000 --db /tmp/small.db
    .venv/bin/python benchmarks/search_latency.py --rebuild
    .venv/bin/python benchmarks/search_latency.py --postgres postgresql://postgres@127.0.0.1:54329/postgres --both
    .venv/bin/python benchmarks/search_latency.py --postgres postgresql://postgres@127.0.0.1:54329/postgres \
        --size 10000000

With --postgres, a `quotes_bench_N` database is generated on that server, once, by the server
itself (generate_series, random()), and the searches run there; --both runs the SQLite ones in
the same rounds. Every round runs each kind once, in a shuffled order, with the same filters on
each backend; each kind's p50 is also printed over that of a baseline measured in the same rounds
(the latest quotes, no filter), and the load average before and after.

A script that prints figures, never a test that asserts a time. Both databases are built with the
application's own migrations (so FTS5 table, triggers and indexes are the real ones); SQLite is
then filled with generated French-like sentences through plain SQL in large transactions.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.engine import Engine

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


def speaker_names(rng: random.Random, n_speakers: int) -> list[str]:
    """`n_speakers` distinct "Given Family" names (numbered once every pair is taken)."""
    speakers: list[str] = []
    seen: set[str] = set()
    while len(speakers) < n_speakers:
        name = f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}"
        if len(seen) < len(GIVEN) * len(FAMILY) and name in seen:
            continue
        if name in seen:
            name = f"{name} {len(speakers)}"
        seen.add(name)
        speakers.append(name)
    return speakers


def build(path: Path, n_quotes: int, n_speakers: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    open_db(str(path)).dispose()  # the real schema, through the migrations
    con = sqlite3.connect(path)
    register_sqlite_stems(con)  # the triggers of quote_stem_fts call quotes_stems()
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    speakers = speaker_names(rng, n_speakers)
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


def build_postgres(server_url: str, n_quotes: int, n_speakers: int, rebuild: bool = False, seed: int = 7) -> str:
    """The benchmark database `quotes_bench_N` on a PostgreSQL server, generated there (server-side
    `generate_series` and `random()`, no rows through the client but the speakers), built when it
    is not there (again, with `rebuild`); its URL.

    The schema is the real one (the migrations); the secondary indexes are dropped while the rows
    go in and built again once after, and foreign keys are not checked row by row (the rows are
    generated consistent). Same shape as the SQLite database: 4 quotes an article, said on its
    publication day, words drawn from WORDS with one quote in 1,000 holding a RARE word."""
    import psycopg
    import sqlalchemy as sa

    name = f"quotes_bench_{n_quotes}"
    admin = sa.engine.make_url(server_url)
    url = admin.set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists and not rebuild:
            return url
        if exists:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    print(f"Building {name} with {n_quotes:,} quotes on PostgreSQL ...", file=sys.stderr)
    open_db(url).dispose()  # the real schema, through the migrations
    t0 = time.perf_counter()

    def step(what: str) -> None:
        print(f"  {what} ({time.perf_counter() - t0:.0f} s)", file=sys.stderr)

    rng = random.Random(seed)
    speakers = speaker_names(rng, n_speakers)
    tables = ("source", "speaker", "speaker_alias", "speaker_role", "quote", "occurrence")
    with psycopg.connect(url) as conn:
        conn.execute("SET session_replication_role = replica")  # no foreign-key triggers while loading
        conn.execute("SET maintenance_work_mem = '1GB'")
        indexes = conn.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i "
            "WHERE i.schemaname = 'public' AND i.tablename = ANY(%s) AND NOT EXISTS ("
            "  SELECT 1 FROM pg_constraint c WHERE c.conindid = (quote_ident(i.indexname))::regclass)",
            (list(tables),),
        ).fetchall()
        for index, _definition in indexes:
            conn.execute(f"DROP INDEX {index}")
        with conn.cursor().copy("COPY speaker (id, name, norm, surname) FROM STDIN") as copy:
            for i, n in enumerate(speakers):
                copy.write_row((i + 1, n, normalise(n), normalise(n.split()[1])))
        with conn.cursor().copy("COPY speaker_alias (speaker_id, alias, norm) FROM STDIN") as copy:
            for i, n in enumerate(speakers):
                copy.write_row((i + 1, n, normalise(n)))
                copy.write_row((i + 1, n.split()[1], normalise(n.split()[1])))
        with conn.cursor().copy("COPY speaker_role (speaker_id, role, norm) FROM STDIN") as copy:
            for i in range(n_speakers):
                role = rng.choice(ROLES)
                copy.write_row((i + 1, role, normalise(role)))
        conn.execute("SELECT setseed(%s)", (seed / 100,))
        per_article = 4
        n_sources = (n_quotes + per_article - 1) // per_article
        conn.execute(
            "INSERT INTO source (id, url, outlet, title, published, accessed, content_hash, path) "
            "SELECT g, 'https://bench.example/' || g, (%(outlets)s::text[])[1 + floor(random() * %(n_outlets)s)::int], "
            "  'Article ' || g, d, d, 'h' || g, 'a' || g || '.txt' "
            "FROM (SELECT g, to_char(make_date(2018 + floor(random() * 7)::int, 1 + floor(random() * 12)::int, "
            "      1 + floor(random() * 28)::int), 'YYYY-MM-DD') AS d FROM generate_series(1, %(n)s::int) g) days",
            {"outlets": OUTLETS, "n_outlets": len(OUTLETS), "n": n_sources},
        )
        conn.commit()
        step(f"{n_sources:,} sources")
        chunk = 1_000_000
        for lo in range(1, n_quotes + 1, chunk):
            hi = min(n_quotes, lo + chunk - 1)
            conn.execute("SELECT setseed(%s)", (((seed * 7919 + lo) % 1000) / 1000,))
            # Each quote's words are drawn in a lateral subquery that refers to the row (q % 1),
            # so that PostgreSQL draws them again for every quote.
            conn.execute(
                "INSERT INTO quote (id, text, text_key, kind, speaker_id, said_on) "
                "SELECT q, upper(left(t, 1)) || substr(t, 2), 'k' || q, "
                "  (ARRAY['direct', 'direct', 'mixed'])[1 + floor(random() * 3)::int], "
                "  1 + floor(random() * %(n_speakers)s)::int, s.published "
                "FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) q "
                "JOIN source s ON s.id = (q - 1) / %(per)s + 1 "
                "CROSS JOIN LATERAL (SELECT array_to_string(CASE WHEN random() < 0.001 "
                "    THEN w[1:k] || (%(rare)s::text[])[1 + floor(random() * %(n_rare)s)::int] || w[k + 1:] "
                "    ELSE w END, ' ') AS t "
                "  FROM (SELECT ARRAY(SELECT (%(words)s::text[])[1 + floor(random() * %(n_words)s)::int] "
                "          FROM generate_series(1, 8 + floor(random() * 13)::int + q %% 1)) AS w, "
                "        floor(random() * 8)::int AS k) drawn) words",
                {
                    "n_speakers": n_speakers,
                    "lo": lo,
                    "hi": hi,
                    "per": per_article,
                    "rare": RARE,
                    "n_rare": len(RARE),
                    "words": WORDS,
                    "n_words": len(WORDS),
                },
            )
            conn.execute(
                'INSERT INTO occurrence (quote_id, source_id, start, "end", cue, confidence, said_on, '
                "said_on_source, venue) "
                "SELECT id, (id - 1) / %(per)s + 1, 0, length(text), 'a déclaré', 0.9, said_on, 'publication', "
                "  (%(venues)s::text[])[1 + floor(random() * %(n_venues)s)::int] "
                "FROM quote WHERE id BETWEEN %(lo)s AND %(hi)s",
                {"per": per_article, "venues": VENUES, "n_venues": len(VENUES), "lo": lo, "hi": hi},
            )
            conn.commit()
            step(f"{hi:,} quotes")
        for index, definition in indexes:
            conn.execute(definition)
            conn.commit()
            step(f"index {index}")
        for table in tables:
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        conn.commit()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
        size = conn.execute("SELECT pg_database_size(current_database())").fetchone()
    step(f"vacuumed and analysed, {(size[0] if size else 0) / 1e9:.1f} GB")
    return url


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--db", default=None, help="the SQLite file (default /tmp/quotes-bench-1m.db for 1M quotes)")
    parser.add_argument("--size", "--quotes", dest="quotes", type=int, default=1_000_000, help="number of quotes")
    parser.add_argument("--speakers", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=60, help="rounds; each round runs every kind of search once")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--postgres", metavar="URL", help="search a database generated on this PostgreSQL server")
    parser.add_argument("--both", action="store_true", help="with --postgres: SQLite too, in the same rounds")
    args = parser.parse_args()
    backends: dict[str, Engine] = {}
    if not args.postgres or args.both:
        default = "/tmp/quotes-bench-1m.db" if args.quotes == 1_000_000 else f"/tmp/quotes-bench-{args.quotes}.db"
        path = Path(args.db or default)
        ensure_built(path, args.quotes, args.speakers, rebuild=args.rebuild)
        backends["SQLite"] = open_db(str(path), create=False, write=False)
    if args.postgres:
        url = build_postgres(args.postgres, args.quotes, args.speakers, rebuild=args.rebuild)
        backends["PostgreSQL"] = open_db(url, create=False, write=False)
    first = next(iter(backends.values()))
    with first.connect() as conn:
        n = conn.exec_driver_sql("SELECT count(*) FROM quote").scalar_one()
        names = sorted(r[0] for r in conn.exec_driver_sql("SELECT name FROM speaker"))
    rng = random.Random(11)
    names = rng.sample(names, min(500, len(names)))

    def misspell(name: str) -> str:
        i = rng.randrange(1, len(name) - 1)
        return name[:i] + name[i + 1 :]

    kinds: dict[str, Callable[[], Filters]] = {
        BASELINE: lambda: Filters(),
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
    times: dict[tuple[str, str], list[float]] = {(b, k): [] for b in backends for k in kinds}
    hits: dict[tuple[str, str], list[int]] = {(b, k): [] for b in backends for k in kinds}
    load_before = os.getloadavg()
    for round_ in range(args.runs + 1):  # round 0 warms the caches and is not counted
        order = list(kinds)
        rng.shuffle(order)
        for label in order:
            filters = kinds[label]()
            for backend, engine in backends.items():
                t0 = time.perf_counter()
                result = search(engine, filters)
                elapsed = (time.perf_counter() - t0) * 1000
                if round_:
                    times[backend, label].append(elapsed)
                    hits[backend, label].append(len(result.hits))
    load_after = os.getloadavg()
    print(f"\nSearch latency on {n:,} quotes ({args.runs} interleaved rounds, limit 20), milliseconds;")
    print(f"x base: p50 over the p50 of '{BASELINE}' on the same backend, measured in the same rounds")
    print(f"load average {load_before[0]:.1f} before, {load_after[0]:.1f} after (1 min)")
    for backend in backends:
        print(f"\n{backend}")
        print(f"{'search':<28}{'p50':>8}{'p95':>8}{'p99':>8}{'max':>8}{'x base':>8}  hits")
        base = percentile(times[backend, BASELINE], 50)
        every: list[float] = []
        for label in kinds:
            ts = times[backend, label]
            every += ts if label != BASELINE else []
            print(
                f"{label:<28}{percentile(ts, 50):8.1f}{percentile(ts, 95):8.1f}{percentile(ts, 99):8.1f}"
                f"{max(ts):8.1f}{percentile(ts, 50) / base:8.1f}  {statistics.mean(hits[backend, label]):.1f}"
            )
        print(
            f"{'all searches':<28}{percentile(every, 50):8.1f}{percentile(every, 95):8.1f}"
            f"{percentile(every, 99):8.1f}{max(every):8.1f}"
        )
    for engine in backends.values():
        engine.dispose()


BASELINE = "latest (no filter)"


if __name__ == "__main__":
    main()
