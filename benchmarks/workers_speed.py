"""`quotes extract --workers 2` against `--workers 1` on the same articles, in one run: wall
time, the ratio, and the peak memory of the largest process (the parent or one worker).

Each run is a fresh `quotes extract` process, so the figures include loading the pipeline (once
per worker). Prints figures, asserts nothing (the machine is shared: give it the load average).
Usage: python benchmarks/workers_speed.py [DIR ...]   (default: ../shared/corpus/train and dev)
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(dirs: list[str], workers: int) -> tuple[float, float, bytes]:
    """Wall seconds, peak RSS in MB of the largest process, and the output."""
    quotes = str(Path(sys.executable).parent / "quotes")
    t0 = time.perf_counter()
    done = subprocess.run(
        [quotes, "extract", "--format", "jsonl", "--workers", str(workers), *dirs], capture_output=True, check=True
    )
    wall = time.perf_counter() - t0
    return wall, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, done.stdout


def main() -> None:
    shared = ROOT.parent / "shared" / "corpus"
    dirs = sys.argv[1:] or [str(shared / "train"), str(shared / "dev")]
    one_s, one_mb, one_out = run(dirs, 1)  # the children's peak so far: the one process
    two_s, two_mb, two_out = run(dirs, 2)  # the largest of all children so far
    lines = one_out.count(b"\n")
    print(f"{lines} articles")
    print(f"--workers 1: {one_s:7.2f} s wall, peak {one_mb:6.0f} MB")
    print(f"--workers 2: {two_s:7.2f} s wall, peak {two_mb:6.0f} MB (largest process of both runs)")
    print(f"speed-up 2 workers / 1: {one_s / two_s:.2f}x (target >= 1.7 on a free 2-core machine)")
    print(f"same output: {one_out == two_out}")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
