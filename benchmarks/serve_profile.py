"""Server CPU per new search, in process: the page `quotes serve` makes for a search it has not
kept (the search, the hits, the citations, the template), timed by CPU and profiled.

    .venv/bin/python benchmarks/serve_profile.py --db /tmp/web-bench-1m.db            # CPU ms a search, by kind
    .venv/bin/python benchmarks/serve_profile.py --db /tmp/web-bench-1m.db --profile 25  # and the top 25 costs
    .venv/bin/python benchmarks/serve_profile.py --db /tmp/web-bench-1m.db --compare ../main/.venv/bin/python --rounds 5

The searches are the first distinct ones of benchmarks/serve_latency.py's plan (same kinds, same
seed); a first pass over other searches of the plan warms the caches (name choices, templates,
SQLite's pages), then each search is made once in this thread and its thread CPU time taken.
CPU time, not wall time: the machine may be shared. The load average is printed. With
`--compare PYTHON`, that interpreter (another checkout's venv) runs this script over its own code,
alternately with this one, `--rounds` times, and each round's ratio is printed with the median:
the CPU time of one piece of code moves by a fifth from one minute to the next on a shared machine.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import random
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy.engine import Engine

from quotes import db
from quotes.web import app as web_app
from quotes.web.cache import Answer


def page_maker(engine: Engine) -> Callable[[dict[str, str], int, bool, str], Answer]:
    """The server's maker of a new search's page; for a checkout whose application does not
    give it (before it did), the same steps: the search, the citations, the page."""
    application = web_app.create_app(engine, cache_size=0)
    made = getattr(application.state, "search_answer", None)
    if made is not None:
        return made  # type: ignore[no-any-return]
    read = db.reader(engine)

    def answer(form: dict[str, str], page: int, as_json: bool, here: str) -> Answer:
        wanted = {k: v for k, v in form.items() if v}
        result = web_app.search(read, web_app.Filters(**wanted, limit=web_app.PAGE_SIZE * page + 1))
        if as_json:
            return web_app.json_answer([web_app.hit_json(h) for h in result.hits[: web_app.PAGE_SIZE]])
        hits = result.hits[: web_app.PAGE_SIZE]
        cites = {h.quote_id: web_app.citation(h) for h in hits}
        articles = {h.quote_id: h.sources[0].source_id for h in hits if h.sources and h.sources[0].source_id}
        body = web_app.templates.get_template("search.html").render(
            csrf=None, form=form, hits=hits, notes=result.notes, error=None, page=page,
            more=len(result.hits) > web_app.PAGE_SIZE, cites=cites, here=here, articles=articles)
        return Answer(body.encode("utf-8"), "text/html")

    return answer


def compare(args: argparse.Namespace) -> None:
    """This script under `args.compare` and under this interpreter, alternately, `args.rounds` times."""
    command = [__file__, "--db", args.db, "--searches", str(args.searches), "--format", args.format, "--json"]
    pairs: list[tuple[float, float]] = []
    print(f"{'round':<7}{'baseline ms':>12}{'this ms':>9}{'ratio':>8}   load")
    for i in range(1, args.rounds + 1):
        load = os.getloadavg()[0]
        got = [json.loads(subprocess.run([python, *command], check=True, capture_output=True, text=True).stdout)
               for python in (args.compare, sys.executable)]
        pairs.append((got[0]["mean"], got[1]["mean"]))
        print(f"{i:<7}{got[0]['mean']:12.2f}{got[1]['mean']:9.2f}{got[1]['mean'] / got[0]['mean']:8.2f}"
              f"   {load:.1f}-{os.getloadavg()[0]:.1f}", flush=True)
    ratio = statistics.median(b / a for a, b in pairs)
    print(f"median ratio {ratio:.2f}; baseline median {statistics.median(a for a, _ in pairs):.2f} ms, "
          f"this {statistics.median(b for _, b in pairs):.2f} ms of CPU a new search")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--db", default="/tmp/quotes-bench-1m.db")
    parser.add_argument("--searches", type=int, default=300)
    parser.add_argument("--format", choices=("html", "json"), default="html")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="print the N top costs (cProfile)")
    parser.add_argument("--sort", default="tottime", help="cProfile sort key (tottime, cumulative)")
    parser.add_argument("--compare", metavar="PYTHON", help="another checkout's python, measured alternately")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print the mean CPU ms a search as JSON only")
    args = parser.parse_args()
    if args.compare:
        compare(args)
        return
    # The benchmarks' query plan; imported after `quotes`, which is then the code of the python
    # running this script (search_latency puts this checkout on the path).
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from serve_latency import query_makers
    con = sqlite3.connect(args.db)
    names = [r[0] for r in con.execute("SELECT name FROM speaker ORDER BY random() LIMIT 500")]
    con.close()
    rng = random.Random(13)
    makers = query_makers(names, rng)
    kinds = list(makers)
    seen: set[tuple[tuple[str, str], ...]] = set()
    plan: list[tuple[str, dict[str, str]]] = []
    while len(plan) < 2 * args.searches:
        kind = rng.choice(kinds)
        params = makers[kind]()
        key = tuple(sorted(params.items()))
        if key not in seen:
            seen.add(key)
            plan.append((kind, params))
    warm, measured = plan[: args.searches], plan[args.searches :]
    engine = db.open_db(args.db, create=False, write=False)
    answer = page_maker(engine)
    as_json = args.format == "json"

    def make(params: dict[str, str]) -> int:
        form = {k: params.get(k, "") for k in web_app.FILTER_NAMES}
        got = answer(form, 1, as_json, "/search?" + urlencode(params))
        return int(got.status)

    for _, params in warm:
        make(params)
    load_before = os.getloadavg()[0]
    by_kind: dict[str, list[float]] = {k: [] for k in kinds}
    statuses: dict[int, int] = {}
    for kind, params in measured:
        t0 = time.thread_time()
        status = make(params)
        by_kind[kind].append(1000 * (time.thread_time() - t0))
        statuses[status] = statuses.get(status, 0) + 1
    load_after = os.getloadavg()[0]
    every = [ms for mine in by_kind.values() for ms in mine]
    if args.json:
        print(json.dumps({"mean": statistics.mean(every), "searches": len(every), "code": web_app.__file__}))
        return
    print(f"{len(every)} new searches ({args.format}), CPU ms each (this thread), statuses {statuses}:")
    for kind, mine in by_kind.items():
        if mine:
            print(f"  {kind:<22}{len(mine):>5}  mean {statistics.mean(mine):6.2f}"
                  f"  median {statistics.median(mine):6.2f}")
    print(f"  {'all':<22}{len(every):>5}  mean {statistics.mean(every):6.2f}  median {statistics.median(every):6.2f}"
          f"   load average {load_before:.1f} -> {load_after:.1f}")
    if args.profile:
        profile = cProfile.Profile(time.thread_time)
        profile.enable()
        for _, params in measured:
            make(params)
        profile.disable()
        stats = pstats.Stats(profile)
        stats.sort_stats(args.sort).print_stats(args.profile)


if __name__ == "__main__":
    main()
