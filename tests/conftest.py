"""Shared fixtures. The French pipeline is loaded once per test session, and only by tests that ask."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def extractor() -> Iterator[object]:
    """One loaded `Extractor` for every test that needs the model."""
    from quotes.extract.pipeline import Extractor

    yield Extractor()


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """`../shared` beside the project; tests that need it skip, saying so, where it is absent."""
    if not (SHARED / "corpus" / "dev").is_dir():
        pytest.skip(f"{SHARED} is absent: the shared corpus tests need ../shared beside the project")
    return SHARED


@pytest.fixture
def quotes(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    """The `quotes` command in this process, `quotes(*args) -> (exit code, stdout, stderr)`, its
    database commands extracting with the marks-only extractor (no model loaded)."""
    from cli_helpers import run_main
    from robust_helpers import MarksExtractor

    from quotes import cli_db

    monkeypatch.setattr(cli_db, "make_extractor", lambda model_dir=None: MarksExtractor())

    def call(*args: str) -> tuple[int, str, str]:
        return run_main(list(args), monkeypatch, capsys)

    return call
