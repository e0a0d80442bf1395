"""Errors raised by the export package."""

from genreclf.errors import GenreclfError


class ExportError(GenreclfError):
    """An export that could not be written or published.

    Example:

    >>> raise ExportError("Version 3 already exists.")  # doctest: +SKIP
    """


class VerificationError(ExportError):
    """A SavedModel that failed verification; `report` holds the details.

    Example:

    >>> err = VerificationError("ops not registered", report=None)
    >>> err.report is None
    True
    """

    def __init__(self, message, *, report=None):
        super().__init__(message)
        self.report = report
