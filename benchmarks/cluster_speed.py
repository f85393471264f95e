"""Extraction on a Dask LocalCluster of N worker processes against one process, same articles, one run.

The cluster's first pass counts its workers' pipeline loads (as a real run pays them), its second
pass does not; the single process's pipeline is loaded beforehand. Prints wall seconds, the ratio, each worker's peak
memory and whether the results are the same. Asserts nothing (the machine is shared).
Usage: python benchmarks/cluster_speed.py [--workers N] [DIR ...]   (default: 2; train and dev)
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    from distributed import Client, LocalCluster

    from quotes.cli import result_record
    from quotes.cluster import extract_task
    from quotes.extract.pipeline import Extractor
    from quotes.parallel import BATCH, extract_batch_guarded
    from quotes.read import read_inputs

    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("dirs", nargs="*")
    args = parser.parse_args()
    shared = ROOT.parent / "shared" / "corpus"
    articles = list(read_inputs(args.dirs or [str(shared / "train"), str(shared / "dev")]))
    batches = [articles[i : i + BATCH] for i in range(0, len(articles), BATCH)]

    extractor = Extractor()
    t0 = time.perf_counter()
    alone = [r for batch in batches for r in extract_batch_guarded(extractor, batch)]
    one_s = time.perf_counter() - t0

    with (
        LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):
        t0 = time.perf_counter()
        futures = [client.submit(extract_task, batch, None, 0, pure=False) for batch in batches]
        spread = [r for future in futures for r in future.result()]
        cluster_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        futures = [client.submit(extract_task, batch, None, 0, pure=False) for batch in batches]
        warm = [r for future in futures for r in future.result()]
        warm_s = time.perf_counter() - t0
        peaks = sorted(client.run(peak_mb).values())

    def records(results: list[object]) -> list[str]:
        return [json.dumps(result_record(r), ensure_ascii=False) for r in results]  # type: ignore[arg-type]

    print(f"articles {len(articles)} in {len(batches)} batches of {BATCH}")
    print(f"one process       : {one_s:7.2f} s wall (pipeline loaded beforehand)")
    print(f"cluster, {args.workers} workers : {cluster_s:7.2f} s wall (their pipeline loads included)")
    print(f"again, loaded     : {warm_s:7.2f} s wall")
    print(f"ratio             : {one_s / cluster_s:.2f}x first pass, {one_s / warm_s:.2f}x loaded")
    print(f"peak per worker   : {', '.join(f'{p:.0f} MB' for p in peaks)}")
    print(f"same results      : {'yes' if records(alone) == records(spread) == records(warm) else 'NO'}")
    print(f"load average      : {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
