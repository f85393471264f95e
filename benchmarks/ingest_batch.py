"""ingest with articles parsed through nlp.pipe in batches against one article at a time, in one run.

Both go the way `quotes ingest` goes (read, skip the known, extract, store into a fresh SQLite
database), the pipeline loaded once beforehand. Interleaved rounds, best of each; prints wall and
CPU seconds, their ratio, and whether the two databases hold the same rows. Asserts nothing.
Usage: python benchmarks/ingest_batch.py [DIR ...]   (default: ../shared/corpus/train and dev)
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = 2
BATCHES = (1, 8)


def ingest(extractor: Any, paths: list[str], db: str, batch: int) -> tuple[float, float, str]:
    from quotes.db import open_db
    from quotes.ingest import Ingestor
    from quotes.parallel import Extracted, extract_entries, store_entries
    from quotes.read import read_items
    from quotes.types import Article

    engine = open_db(db)
    ingestor = Ingestor(engine)

    def read_all() -> Any:
        for item in read_items(paths):
            known = ingestor.skip_known(item) if isinstance(item, Article) else None
            yield Extracted(getattr(item, "path", ""), item, known=known)

    t0, c0 = time.perf_counter(), time.process_time()
    for _entry, _outcome in store_entries(
        ingestor, extract_entries(read_all(), 1, local=lambda: extractor, batch=batch)
    ):
        pass
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    engine.dispose()
    return wall, cpu, ingestor.summary.line()


def rows(db: str) -> dict[str, list[Any]]:
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        out = {
            table: sorted(conn.execute(sa.text(f"SELECT * FROM {table}")).all(), key=repr)
            for table in ("quote", "speaker", "occurrence")
        }
        out["source"] = sorted(conn.execute(sa.text("SELECT id, path, content_hash FROM source")).all(), key=repr)
    engine.dispose()
    return out


def main() -> None:
    from quotes.extract.pipeline import Extractor

    shared = ROOT.parent / "shared" / "corpus"
    paths = sys.argv[1:] or [str(shared / "train"), str(shared / "dev")]
    extractor = Extractor()
    best = {b: (float("inf"), float("inf")) for b in BATCHES}
    contents: dict[int, dict[str, list[Any]]] = {}
    line = ""
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(ROUNDS):
            for batch in BATCHES:
                db = str(Path(tmp) / f"b{batch}-{r}.db")
                wall, cpu, line = ingest(extractor, paths, db, batch)
                best[batch] = (min(best[batch][0], wall), min(best[batch][1], cpu))
                contents[batch] = rows(db)
    for batch in BATCHES:
        wall, cpu = best[batch]
        print(f"batch {batch:2d}: {wall:7.2f} s wall {cpu:7.2f} s CPU")
    (w1, c1), (w8, c8) = best[1], best[8]
    print(f"one at a time / batched: {w1 / w8:.2f}x wall, {c1 / c8:.2f}x CPU   ({line})")
    print(f"same database rows: {'yes' if contents[1] == contents[8] else 'NO'}")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
