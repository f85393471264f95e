"""The design card's top-level entry point: `python cli.py ...` runs the same app as `quotes ...`."""

from quotes.cli import main

if __name__ == "__main__":
    main()
