"""Is extraction linear in article length? CPU seconds per 1,000 tokens for one article of about
5,000, 50,000 and 500,000 characters (corpus articles joined as paragraphs), and for 40 articles
joined into one text against the same 40 apart. Targets: within 1.5x of each other.

Prints figures and ratios measured in this run, asserts nothing (the machine is shared).
Usage: python benchmarks/linear_time.py [--sizes 5000,50000,500000] [DIR ...]
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def joined(texts: list[str], size: int) -> str:
    """Articles joined by blank lines (cycling through them) until about `size` characters."""
    out: list[str] = []
    total = 0
    while total < size:
        out.append(texts[len(out) % len(texts)])
        total += len(out[-1]) + 2
    return "\n\n".join(out)


def row(label: str, chars: int, tokens: int, quotes: int, cpu: float) -> float:
    """Print one line of figures; the CPU seconds per 1,000 tokens."""
    per_k = 1000 * cpu / tokens
    print(f"{label:34} {chars:9} {tokens:8} {quotes:7} {cpu:8.2f} {per_k:15.4f}")
    return per_k


def main() -> None:
    from quotes.extract.pipeline import Extractor
    from quotes.read import read_inputs
    from quotes.types import Article

    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="5000,50000,500000")
    parser.add_argument("dirs", nargs="*")
    args = parser.parse_args()
    shared = ROOT.parent / "shared" / "corpus"
    dirs = args.dirs or [str(shared / "train"), str(shared / "dev")]
    articles = list(read_inputs(dirs))
    texts = [a.text for a in articles]
    extractor = Extractor()
    nlp = extractor.pipeline.nlp
    list(extractor.extract(articles[:2]))  # warm up

    def cost(batch: list[Article]) -> tuple[float, int, int]:
        tokens = sum(len(nlp.make_doc(a.text)) for a in batch)
        c0 = time.process_time()
        quotes = sum(len(r.quotes) for r in extractor.extract(batch))
        return time.process_time() - c0, tokens, quotes

    print(f"{'text':34} {'chars':>9} {'tokens':>8} {'quotes':>7} {'CPU s':>8} {'CPU s / 1k tok':>15}")
    per_k: list[float] = []
    for size in (int(s) for s in args.sizes.split(",")):
        text = joined(texts, size)
        cpu, tokens, quotes = cost([Article(path=f"joined-{size}.txt", text=text)])
        per_k.append(row(f"one article of ~{size} chars", len(text), tokens, quotes, cpu))
    print(f"longest / shortest per 1k tokens: {max(per_k) / min(per_k):.2f}x (target <= 1.5)")

    forty = articles[:40]
    apart_cpu, tokens, quotes = cost(forty)
    one = Article(path="forty.txt", text="\n\n".join(a.text for a in forty))
    joined_cpu, joined_tokens, joined_quotes = cost([one])
    a_k = row("40 articles apart", sum(len(a.text) for a in forty), tokens, quotes, apart_cpu)
    j_k = row("40 articles joined", len(one.text), joined_tokens, joined_quotes, joined_cpu)
    print(f"joined / apart per 1k tokens: {j_k / a_k:.2f}x (target <= 1.5)")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
