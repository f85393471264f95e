"""Throughput and peak memory of `quotes` extraction beside the bare spaCy pipeline, same run.

Prints figures and ratios, asserts nothing (the machine is shared: absolute times drift).
Usage: python benchmarks/extract_speed.py [DIR]   (default: ../shared/corpus/dev, else samples/)
"""

from __future__ import annotations

import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = 3


def main() -> None:
    import spacy

    from quotes.extract.pipeline import Extractor
    from quotes.read import read_inputs

    default = ROOT.parent / "shared" / "corpus" / "dev"
    src = sys.argv[1] if len(sys.argv) > 1 else str(default if default.is_dir() else ROOT / "samples")
    articles = list(read_inputs([src]))
    texts = [a.text for a in articles]

    bare = spacy.load("fr_core_news_md")
    patterns = Extractor(use_scorer=False)
    from quotes.extract.scorer import load_scorer

    before_sklearn = current_rss_mb()
    import joblib  # noqa: F401
    import sklearn.ensemble
    import sklearn.feature_extraction  # noqa: F401

    before_scorer = current_rss_mb()
    sklearn_mb = before_scorer - before_sklearn
    load_scorer(None)  # the shipped models
    scorer_mb = current_rss_mb() - before_scorer
    extractor = Extractor()
    list(bare.pipe(texts[:2]))  # warm up all three
    list(extractor.extract(articles[:2]))
    list(patterns.extract(articles[:2]))

    # Interleaved rounds, best of each: the machine is shared and single runs drift.
    bare_s = ours_s = rules_s = float("inf")
    bare_cpu = ours_cpu = rules_cpu = float("inf")
    n_tokens = n_quotes = 0
    for _ in range(ROUNDS):
        t0, c0 = time.perf_counter(), time.process_time()
        n_tokens = sum(len(d) for d in bare.pipe(texts, batch_size=8))
        bare_s, bare_cpu = min(bare_s, time.perf_counter() - t0), min(bare_cpu, time.process_time() - c0)
        t0, c0 = time.perf_counter(), time.process_time()
        n_quotes = sum(len(r.quotes) for r in extractor.extract(articles))
        ours_s, ours_cpu = min(ours_s, time.perf_counter() - t0), min(ours_cpu, time.process_time() - c0)
        t0, c0 = time.perf_counter(), time.process_time()
        sum(len(r.quotes) for r in patterns.extract(articles))
        rules_s, rules_cpu = min(rules_s, time.perf_counter() - t0), min(rules_cpu, time.process_time() - c0)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    n = len(articles)
    print(f"load average    : {' '.join(f'{x:.2f}' for x in os.getloadavg())} (1, 5, 15 min, after the rounds)")
    print(f"articles {n}, tokens {n_tokens}, quotes {n_quotes} ({src})")
    print(f"bare spaCy pipe : {n / bare_s:6.2f} articles/s  {n_tokens / bare_s:8.0f} tokens/s")
    print(f"quotes extract  : {n / ours_s:6.2f} articles/s  {n_tokens / ours_s:8.0f} tokens/s")
    print(f"ratio to bare   : {bare_s / ours_s:.2f} wall, {bare_cpu / ours_cpu:.2f} CPU (target >= 0.90)")
    print(f"patterns only   : ratio to bare {bare_s / rules_s:.2f} wall, {bare_cpu / rules_cpu:.2f} CPU (no scorer)")
    print(f"trained models  : {scorer_mb:.0f} MB when loaded, after {sklearn_mb:.0f} MB to import scikit-learn")
    print(f"peak memory     : {peak_mb:.0f} MB (target < 1500 MB; both pipelines loaded)")
    print(f"coreference     : {extractor.pipeline.coref.mode}")
    noun_pairs(extractor, articles)
    cold_lemmatizer(bare, extractor, articles)
    print(f"load average    : {' '.join(f'{x:.2f}' for x in os.getloadavg())} (1, 5, 15 min, at the end)")


def noun_pairs(extractor: Any, articles: list[Any]) -> None:
    """coreferee's noun-pair test with its dictionary built once and its answers remembered per
    document (quotes.extract.nlp) against coreferee's own method, which builds the dictionary on
    every call and answers each pair again, on the same pipeline: CPU seconds of
    the coreference calls and of the whole extraction, interleaved rounds, best of each; and
    whether the output is the same."""
    coref = extractor.pipeline.coref
    # coreferee shares its rules analysers between pipelines: switch the wrapper off and on
    analysers = [r for r in (coref._rules, getattr(coref._annotator, "rules_analyzer", None)) if r is not None]
    wrapped = {id(r): vars(r).get("is_potential_coreferring_noun_pair") for r in analysers}
    best: dict[str, tuple[float, float]] = {}
    outputs: dict[str, list[str]] = {}
    for _ in range(ROUNDS):
        for name in ("once", "coreferee"):
            for rules in analysers:
                vars(rules).pop("is_potential_coreferring_noun_pair", None)
                if name == "once" and wrapped[id(rules)] is not None:
                    rules.is_potential_coreferring_noun_pair = wrapped[id(rules)]
            total, spent, records = coreference_cpu(extractor, articles)
            old = best.get(name, (float("inf"), float("inf")))
            best[name] = (min(old[0], total), min(old[1], spent))
            outputs[name] = records
    for rules in analysers:
        if wrapped[id(rules)] is not None:
            rules.is_potential_coreferring_noun_pair = wrapped[id(rules)]
    (once_total, once_coref), (plain_total, plain_coref) = best["once"], best["coreferee"]
    print(
        f"noun-pair dict  : coreference {plain_coref:.2f} -> {once_coref:.2f} CPU s "
        f"({plain_coref / max(once_coref, 1e-9):.2f}x), whole extraction {plain_total:.2f} -> {once_total:.2f} "
        f"({plain_total / once_total:.2f}x); same output: {'yes' if outputs['once'] == outputs['coreferee'] else 'NO'}"
    )


def cold_lemmatizer(bare: Any, extractor: Any, articles: list[Any]) -> None:
    """The rounds above run on warm lemmatizer caches (every word seen in an earlier round), which
    hides what new articles cost: spaCy's French lemmatizer computes each word not seen yet, with
    a scan of its lemma index. Here both pipelines' caches are emptied before every run, and the
    extraction runs with the set index (quotes.extract.nlp) and with spaCy's own method: wall and
    CPU seconds, ratios to bare spaCy, interleaved rounds, best of each; and whether the output
    is the same."""
    import json

    from quotes.cli import result_record
    from quotes.extract.nlp import _lemmatize_with_set_index

    lemmatizer = extractor.pipeline.nlp.get_pipe("lemmatizer")
    bare_lemmatizer = bare.get_pipe("lemmatizer")
    bare_own = {name: vars(bare_lemmatizer).get(name) for name in ("lemmatize", "rule_lemmatize")}
    wrapped = {name: vars(lemmatizer).get(name) for name in ("lemmatize", "rule_lemmatize")}
    caches = [bare_lemmatizer.cache, lemmatizer.cache]
    texts = [a.text for a in articles]
    best: dict[str, tuple[float, float]] = {}
    outputs: dict[str, list[str]] = {}

    def timed(name: str, run: Any) -> None:
        for cache in caches:
            cache.clear()
        t0, c0 = time.perf_counter(), time.process_time()
        out = run()
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        old = best.get(name, (float("inf"), float("inf")))
        best[name] = (min(old[0], wall), min(old[1], cpu))
        outputs[name] = out

    own = {"lemmatize": type(lemmatizer).rule_lemmatize.__get__(lemmatizer), "rule_lemmatize": None}

    def use(methods: dict[str, Any], on: Any = lemmatizer) -> None:
        for attr, method in methods.items():
            vars(on).pop(attr, None)
            if method is not None:
                setattr(on, attr, method)

    def records() -> list[str]:
        return [json.dumps(result_record(r), ensure_ascii=False) for r in extractor.extract(articles)]

    try:
        for _ in range(ROUNDS):
            timed("bare", lambda: [len(d) for d in bare.pipe(texts, batch_size=8)])
            _lemmatize_with_set_index(bare)  # what bare spaCy would cost with the same index
            timed("bare sets", lambda: [len(d) for d in bare.pipe(texts, batch_size=8)])
            use(bare_own, bare_lemmatizer)
            for name, methods in (("spacy", own), ("sets", wrapped)):
                use(methods)
                timed(name, records)
    finally:
        use(wrapped)
        use(bare_own, bare_lemmatizer)
    (bare_s, bare_cpu), (own_s, own_cpu), (sets_s, sets_cpu) = best["bare"], best["spacy"], best["sets"]
    print(
        f"cold lemmatizer : bare {bare_s:.2f} s wall {bare_cpu:.2f} CPU; quotes with spaCy's lemmatizer "
        f"{own_s:.2f} / {own_cpu:.2f} (ratio {bare_s / own_s:.2f} wall, {bare_cpu / own_cpu:.2f} CPU), "
        f"with the set index {sets_s:.2f} / {sets_cpu:.2f} (ratio {bare_s / sets_s:.2f} wall, "
        f"{bare_cpu / sets_cpu:.2f} CPU); same output: {'yes' if outputs['spacy'] == outputs['sets'] else 'NO'}"
    )
    bare2_s, bare2_cpu = best["bare sets"]
    print(
        f"                  bare spaCy given the set index too: {bare2_s:.2f} / {bare2_cpu:.2f}, quotes' ratio to it "
        f"{bare2_s / sets_s:.2f} wall, {bare2_cpu / sets_cpu:.2f} CPU"
    )


def coreference_cpu(extractor: Any, articles: list[Any]) -> tuple[float, float, list[str]]:
    """CPU seconds of one extraction of `articles`, of its coreference calls, and its records."""
    import json

    from quotes.cli import result_record

    coref = extractor.pipeline.coref
    original = coref._antecedents
    spent = 0.0

    def timed(doc: Any, i: int) -> list[int]:
        nonlocal spent
        c0 = time.process_time()
        try:
            found: list[int] = original(doc, i)
            return found
        finally:
            spent += time.process_time() - c0

    coref._antecedents = timed
    try:
        c0 = time.process_time()
        records = [json.dumps(result_record(r), ensure_ascii=False) for r in extractor.extract(articles)]
        total = time.process_time() - c0
    finally:
        del coref._antecedents
    return total, spent, records


def current_rss_mb() -> float:
    """Resident memory now, in MB (Linux /proc), else the peak so far."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * resource.getpagesize() / 2**20
    except (OSError, IndexError, ValueError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    main()
