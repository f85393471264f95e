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
