"""Cost of re-ingesting unchanged articles beside the first ingest, in one run.

Both passes go through `quotes ingest` itself (the pipeline loaded once beforehand, so that
loading it is counted in neither). Prints wall and CPU seconds and the ratio; asserts nothing.
Usage: python benchmarks/ingest_rerun.py [DIR ...]   (default: ../shared/corpus/train and dev)
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    from typer.testing import CliRunner

    from quotes import cli_db

    shared = ROOT.parent / "shared" / "corpus"
    dirs = sys.argv[1:] or [str(shared / "train"), str(shared / "dev")]
    extractor = cli_db.make_extractor()
    cli_db.make_extractor = lambda model_dir=None: extractor  # type: ignore[assignment]
    runner = CliRunner()
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "bench.db")
        figures = []
        for label in ("first ingest", "re-ingest (unchanged)"):
            t0, c0 = time.perf_counter(), time.process_time()
            result = runner.invoke(cli_db.app, ["ingest", *dirs, "--db", db])
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            if result.exit_code != 0:
                raise SystemExit(f"ingest failed: {result.stdout}{result.stderr}")
            figures.append((wall, cpu))
            print(f"{label:24} {wall:7.2f} s wall {cpu:7.2f} s CPU   {result.stdout.strip()}")
    (w1, c1), (w2, c2) = figures
    print(f"re-ingest / first ingest: {w2 / w1:.3f} wall, {c2 / c1:.3f} CPU (target <= 0.15)")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
