"""A quick stand-in for the French pipeline (each « … » is a quote by Ana Lopes) and a runner
that starts the real `quotes` entry point with it in a child process."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from quotes.types import Article, ArticleQuotes, Quote

_GUILLEMETS = re.compile(r"« ([^«»]+?) »")


class MarksExtractor:
    def extract_one(self, article: Article) -> ArticleQuotes:
        quotes = tuple(
            Quote(m.group(1), m.start(1), m.end(1), "direct", speaker="Ana Lopes", cue="a dit")
            for m in _GUILLEMETS.finditer(article.text)
        )
        return ArticleQuotes(article=article, quotes=quotes)


RUNNER = """
import sys
sys.path.insert(0, {tests!r})
from quotes import cli_db
from robust_helpers import MarksExtractor
cli_db.make_extractor = lambda model_dir=None: MarksExtractor()
from quotes.cli import main
sys.argv = ["quotes", *sys.argv[1:]]
main()
"""


def quotes_cmd(*args: str) -> list[str]:
    """The command line of a child `quotes` that uses `MarksExtractor`."""
    return [sys.executable, "-c", RUNNER.format(tests=str(Path(__file__).parent)), *args]


def run_quotes(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(quotes_cmd(*args), capture_output=True, text=True, timeout=300)


def ingest_at_once(directories: list[Path], db: str) -> list[tuple[str, str, int]]:
    """`quotes ingest DIR --db DB` for each directory, all started at once: (stdout, stderr, exit code) each."""
    procs = [
        subprocess.Popen(
            quotes_cmd("ingest", str(d), "--db", db), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for d in directories
    ]
    return [(*p.communicate(timeout=300), p.returncode) for p in procs]


def write_articles(directory: Path, n: int, tag: str = "") -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (directory / f"a{tag}{i:03d}.txt").write_text(
            f"Le conseil municipal s'est réuni lundi {i}{tag}.\n« Nous tiendrons parole {tag}{i} », a dit Ana Lopes.\n"
            f"« La ville avance {tag}{i} », a-t-elle ajouté.\n",
            encoding="utf-8",
        )
