"""quotes: who said what in French news."""

__version__ = "0.1.0"
