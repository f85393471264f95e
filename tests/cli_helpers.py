"""Helpers shared by the CLI tests."""

from __future__ import annotations

import sys

import pytest

from quotes.cli import main


def run_main(
    args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    """Run the real entry point (`quotes …`) and return its exit code, stdout and stderr."""
    monkeypatch.setattr(sys, "argv", ["quotes", *args])
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err
