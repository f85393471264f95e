"""Errors raised by the library. Each message is one line that says what to do."""


class QuotesError(Exception):
    """Base class: the CLI prints `Error: <message>` and exits with code 1."""


class InputError(QuotesError):
    """An input cannot be read as an article (missing, not UTF-8, not an article)."""


class ModelError(QuotesError):
    """The French spaCy pipeline cannot be loaded."""


class StorageError(QuotesError):
    """The database cannot be opened, migrated or written."""


class NotFoundError(QuotesError):
    """A speaker, article or golden case asked for does not exist."""
