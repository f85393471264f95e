"""Web search latency under load: `quotes serve` over a large SQLite database (1,000,000 quotes by
default), 50 concurrent clients sending searches in a bounded loop; prints p50 / p95 / p99.

    .venv/bin/python benchmarks/serve_latency.py                          # build (once) and measure
    .venv/bin/python benchmarks/serve_latency.py --quotes 100000          # a smaller database
    .venv/bin/python benchmarks/serve_latency.py --requests 4000 --concurrency 50 --format json
    .venv/bin/python benchmarks/serve_latency.py --workers 2             # quotes serve --workers 2
    .venv/bin/python benchmarks/serve_latency.py --serve-args '--search-cache 0'   # no repeat cache
    .venv/bin/python benchmarks/serve_latency.py --compare ../main/.venv/bin/quotes  # before/after
    .venv/bin/python benchmarks/serve_latency.py --compare ../main/.venv/bin/quotes --rounds 3 --concurrency 50

The database is the one benchmarks/search_latency.py builds (its `build`, same default path for
1,000,000 quotes, so either script reuses the other's). The server is the real `quotes serve`
command, started on a free localhost port as a child process and stopped at the end; the clients
are aiohttp's (`--client httpx`: httpx's, the client before) in this process, one keep-alive
connection each. Each level of concurrency (`--concurrency 1,50`, the
default) runs on a fresh server, so that no run starts with another's warm caches; with
`--compare`, another `quotes` executable is measured first at each level and the ratios are to
it. Each run prints the CPU seconds of the server (its processes, per search) and of the
clients, and the machine's load average before and after: the machine may be shared.
Target: p95 < 200 ms. A script that prints figures, never a test that asserts a time.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shlex
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from search_latency import OUTLETS, RARE, WORDS, ensure_built, percentile  # noqa: E402

TARGET_P95_MS = 200.0


def default_db(n_quotes: int) -> str:
    return "/tmp/quotes-bench-1m.db" if n_quotes == 1_000_000 else f"/tmp/quotes-bench-{n_quotes}.db"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start_server(command: list[str], db: Path, port: int) -> subprocess.Popen[bytes]:
    """`command` (a `quotes` executable and options) serving `db` on `port`, once it answers."""
    command = [command[0], "serve", "--db", str(db), "--port", str(port), *command[1:]]
    log = open(f"/tmp/serve-latency-{port}.log", "wb")  # the child writes it until stopped
    server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"quotes serve exited with {server.returncode}; see {log.name}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/", timeout=2).status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit(f"quotes serve did not answer on port {port} within 60 s; see {log.name}")


def query_makers(names: list[str], rng: random.Random) -> dict[str, Callable[[], dict[str, str]]]:
    def misspell(name: str) -> str:
        i = rng.randrange(1, len(name) - 1)
        return name[:i] + name[i + 1 :]

    return {
        "speaker (exact)": lambda: {"speaker": rng.choice(names)},
        "speaker (misspelt)": lambda: {"speaker": misspell(rng.choice(names))},
        "text, common word": lambda: {"text": rng.choice(WORDS)},
        "text, rare word": lambda: {"text": rng.choice(RARE)},
        "text + dates": lambda: {"text": rng.choice(WORDS), "since": "2023-01", "until": "2023-06"},
        "speaker + text": lambda: {"speaker": rng.choice(names), "text": rng.choice(WORDS)},
        "outlet + since": lambda: {"outlet": rng.choice(OUTLETS), "since": "2024-06"},
    }


async def load(port: int, plan: list[tuple[str, dict[str, str]]], concurrency: int, fmt: str,
               errors: list[str], client: str = "aiohttp") -> list[tuple[str, float, int, int]]:
    """Send the planned searches from `concurrency` clients at once, each on its own keep-alive
    connection; (kind, ms, status, bytes) each, and the text of each connection error in `errors`.

    `client` is the HTTP client library: aiohttp (default) or httpx. Both run on the server's two
    cores; httpx cost about 1.4 ms of CPU a search on a quiet machine (5.5 on a loaded one),
    aiohttp about a quarter of that, which leaves the cores to the server this measures."""
    queue = list(reversed(plan))
    if client == "httpx":
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=60) as session:

            async def get_httpx(params: dict[str, str]) -> tuple[int, int]:
                answer = await session.get("/search", params=params)
                return answer.status_code, len(answer.content)

            return await _drive(queue, concurrency, fmt, errors, get_httpx, (httpx.TransportError,))
    import aiohttp

    connector = aiohttp.TCPConnector(limit=concurrency, force_close=False)
    timeout = aiohttp.ClientTimeout(total=60)
    base = f"http://127.0.0.1:{port}"
    async with aiohttp.ClientSession(base, connector=connector, timeout=timeout) as client_session:

        async def get_aiohttp(params: dict[str, str]) -> tuple[int, int]:
            async with client_session.get("/search", params=params) as answer:
                return answer.status, len(await answer.read())

        return await _drive(queue, concurrency, fmt, errors, get_aiohttp, (TimeoutError, aiohttp.ClientError))


async def _drive(queue: list[tuple[str, dict[str, str]]], concurrency: int, fmt: str, errors: list[str],
                 get: Callable[[dict[str, str]], Awaitable[tuple[int, int]]],
                 failures: tuple[type[BaseException], ...]) -> list[tuple[str, float, int, int]]:
    """`concurrency` workers taking the planned searches off `queue` until it is empty, each sent
    by `get` (-> status, bytes); a connection error among `failures` counts as failed (status 0)
    and the loop goes on."""
    results: list[tuple[str, float, int, int]] = []

    async def worker() -> None:
        while queue:
            kind, params = queue.pop()
            if fmt == "json":
                params = {**params, "format": "json"}
            t0 = time.perf_counter()
            try:
                status, size = await get(params)
            except failures as exc:
                results.append((kind, (time.perf_counter() - t0) * 1000, 0, 0))
                errors.append(f"{type(exc).__name__}: {exc}")
                continue
            results.append((kind, (time.perf_counter() - t0) * 1000, status, size))

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return results


def cpu_seconds(server: subprocess.Popen[bytes]) -> float:
    """User + system CPU seconds of the server process and its worker processes so far."""
    import psutil

    parent = psutil.Process(server.pid)
    total = 0.0
    for proc in [parent, *parent.children(recursive=True)]:
        try:
            times = proc.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def machine_load() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.1f} (5 min {five:.1f})"


@dataclass
class Run:
    """One level of concurrency against one server: the searches and what they cost."""

    label: str
    concurrency: int
    results: list[tuple[str, float, int, int]]
    wall: float
    server_cpu: float
    client_cpu: float
    load_before: str
    load_after: str
    errors: list[str] = field(default_factory=list)

    @property
    def times(self) -> list[float]:
        return [ms for _, ms, status, _ in self.results if status == 200]

    @property
    def cpu_per_search(self) -> float:
        return self.server_cpu / len(self.results)


def measure(command: list[str], label: str, path: Path, plan: list[tuple[str, dict[str, str]]],
            warm: list[tuple[str, dict[str, str]]], concurrency: int, fmt: str, client: str) -> Run:
    """A fresh server (no run inherits another's warm caches), warmed up, then the plan."""
    port = free_port()
    server = start_server(command, path, port)
    errors: list[str] = []
    try:
        asyncio.run(load(port, warm, 4, fmt, [], client))  # warm-up: first touch of each kind of search
        load_before = machine_load()
        cpu0, client0, t0 = cpu_seconds(server), time.process_time(), time.perf_counter()
        results = asyncio.run(load(port, plan, concurrency, fmt, errors, client))
        wall = time.perf_counter() - t0
        server_cpu, client_cpu = cpu_seconds(server) - cpu0, time.process_time() - client0
        load_after = machine_load()
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    return Run(label, concurrency, results, wall, server_cpu, client_cpu, load_before, load_after, errors)


def report(run: Run, kinds: list[str], baseline: Run | None) -> None:
    results = run.results
    n = len(results)
    print(f"\n{run.label}: {run.concurrency} concurrent client(s), {n:,} searches, milliseconds:")
    print(f"{'search':<22}{'n':>6}{'p50':>9}{'p95':>9}{'p99':>9}{'max':>9}")
    for kind in kinds:
        mine = [ms for k, ms, status, _ in results if k == kind and status == 200]
        if mine:
            print(f"{kind:<22}{len(mine):>6}{percentile(mine, 50):9.1f}{percentile(mine, 95):9.1f}"
                  f"{percentile(mine, 99):9.1f}{max(mine):9.1f}")
    times = run.times
    if times:
        p50, p95 = percentile(times, 50), percentile(times, 95)
        print(f"{'all searches':<22}{len(times):>6}{p50:9.1f}{p95:9.1f}{percentile(times, 99):9.1f}{max(times):9.1f}")
        size = statistics.mean(r[3] for r in results)
        print(f"throughput {n / run.wall:.0f} searches/s ({run.wall:.1f} s wall); mean answer {size:,.0f} bytes; "
              f"p95 {p95:.0f} ms is {p95 / TARGET_P95_MS:.2f} x the {TARGET_P95_MS:.0f} ms target "
              f"({'met' if p95 < TARGET_P95_MS else 'NOT met'})")
        print(f"CPU: server {run.server_cpu:.1f} s = {1000 * run.cpu_per_search:.1f} ms per search, "
              f"clients {run.client_cpu:.1f} s = {1000 * run.client_cpu / n:.1f} ms per search; "
              f"load average {run.load_before} before, {run.load_after} after")
        if baseline is not None and baseline.times:
            print(f"  against the baseline: p50 x {p50 / percentile(baseline.times, 50):.2f}, "
                  f"p95 x {p95 / percentile(baseline.times, 95):.2f}, "
                  f"server CPU per search x {run.cpu_per_search / baseline.cpu_per_search:.2f}, "
                  f"throughput x {(n / run.wall) / (len(baseline.results) / baseline.wall):.2f}")
    failed = [r for r in results if r[2] != 200]
    if failed:
        print(f"{len(failed)} searches failed (status, 0 = connection error): {sorted({r[2] for r in failed})}")
        for line in sorted(set(run.errors)):
            print(f"  {run.errors.count(line)} x {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quotes", type=int, default=1_000_000)
    parser.add_argument("--speakers", type=int, default=5_000)
    parser.add_argument("--db", help="database file (default: /tmp/quotes-bench-1m.db or -N.db)")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--concurrency", default="1,50",
                        help="clients searching at once; levels separated by commas, each on a fresh server")
    parser.add_argument("--requests", type=int, default=2000, help="searches in all (the bounded loop)")
    parser.add_argument("--format", choices=("html", "json"), default="html", help="the page or ?format=json")
    parser.add_argument("--rounds", type=int, default=1,
                        help="with --compare: measure both, one after the other, this many times at each level "
                             "(the machine's load changes), then the median of the rounds' ratios")
    parser.add_argument("--client", choices=("aiohttp", "httpx"), default="aiohttp",
                        help="the clients' HTTP library (httpx: the benchmark's client before, to compare)")
    parser.add_argument("--workers", type=int, default=1, help="quotes serve --workers")
    parser.add_argument("--serve-args", default="", help="more `quotes serve` options, e.g. '--search-cache 0'")
    parser.add_argument("--compare", metavar="QUOTES",
                        help="another `quotes` executable (e.g. a main checkout's .venv/bin/quotes), measured "
                             "first at each level as the baseline of the ratios (given the same --serve-args)")
    args = parser.parse_args()
    levels = [int(c) for c in args.concurrency.split(",") if c.strip()]
    path = Path(args.db or default_db(args.quotes))
    ensure_built(path, args.quotes, args.speakers, rebuild=args.rebuild)
    con = sqlite3.connect(path)
    n = con.execute("SELECT count(*) FROM quote").fetchone()[0]
    names = [r[0] for r in con.execute("SELECT name FROM speaker ORDER BY random() LIMIT 500")]
    con.close()

    rng = random.Random(13)
    makers = query_makers(names, rng)
    kinds = list(makers)
    plan = [(kind, makers[kind]()) for kind in (rng.choice(kinds) for _ in range(args.requests))]
    warm = [(kind, makers[kind]()) for kind in kinds for _ in range(3)]
    distinct = len({tuple(sorted(p.items())) for _, p in plan})

    extra = [*shlex.split(args.serve_args), "--workers", str(args.workers)]
    servers = [(f"baseline {args.compare}", [args.compare, *extra])] if args.compare else []
    servers.append(("this checkout", [str(Path(sys.executable).parent / "quotes"), *extra]))
    print(f"`quotes serve` search latency on {n:,} quotes (SQLite), {len(plan):,} searches ({args.format}) a run, "
          f"{distinct:,} of them distinct, {args.workers} server process(es), {os.cpu_count()} CPU cores, "
          f"{args.client} clients; load average {machine_load()}", flush=True)
    for concurrency in levels:
        pairs: list[tuple[Run, Run]] = []
        for _round in range(args.rounds):
            baseline: Run | None = None
            for label, command in servers:
                run = measure(command, label, path, plan, warm, concurrency, args.format, args.client)
                report(run, kinds, baseline)
                sys.stdout.flush()
                if args.compare and baseline is None:
                    baseline = run
                elif baseline is not None:
                    pairs.append((baseline, run))
        if len(pairs) > 1:
            summarise(concurrency, pairs)


def summarise(concurrency: int, pairs: list[tuple[Run, Run]]) -> None:
    """Each round's baseline and this checkout side by side, and the median of the rounds' ratios."""
    print(f"\n{concurrency} client(s), {len(pairs)} rounds (baseline, then this checkout, each round):")
    print(f"{'round':<7}{'p50':>15}{'p95':>17}{'searches/s':>15}{'CPU ms':>13}   load")
    ratios: list[tuple[float, float, float, float]] = []
    for i, (base, mine) in enumerate(pairs, 1):
        b50, b95, m50, m95 = (percentile(r.times, q) for r in (base, mine) for q in (50, 95))
        bx, mx = len(base.results) / base.wall, len(mine.results) / mine.wall
        bc, mc = 1000 * base.cpu_per_search, 1000 * mine.cpu_per_search
        print(f"{i:<7}{b50:7.0f} ->{m50:5.0f}{b95:8.0f} ->{m95:6.0f}{bx:7.0f} ->{mx:5.0f}{bc:6.1f} ->{mc:4.1f}"
              f"   {base.load_before.split()[0]}-{mine.load_after.split()[0]}")
        ratios.append((m50 / b50, m95 / b95, mx / bx, mc / bc))
    p50, p95, rate, cpu = (statistics.median(r[i] for r in ratios) for i in range(4))
    print(f"median of the rounds' ratios: p50 x {p50:.2f}, p95 x {p95:.2f}, throughput x {rate:.2f}, "
          f"server CPU per search x {cpu:.2f}")


if __name__ == "__main__":
    main()
