"""Errors that reach a person: each says what is wrong, where, and how to put it right."""


class DmsError(Exception):
    """A request DMS refuses: bad input, an unknown id, a rule that forbids it. Nothing was changed."""


class BadInput(DmsError, ValueError):
    """A value a person gave is not written the way DMS reads it (a date, a month): refused before anything
    is done. Also a ``ValueError``, so code reading values may catch it as one."""


class BadArguments(DmsError):
    """Arguments that cannot go together (a range that runs backwards): a bad argument, exit 2, as argparse
    gives for one it can judge alone."""


class NotFound(DmsError):
    """Something named in the request does not exist."""


class InvariantBroken(Exception):
    """A condition DMS guarantees does not hold: a bug or corrupted data, never bad input."""
