"""Errors of case services that views translate into responses."""

from __future__ import annotations


class CaseConflict(Exception):
    """The case changed under the caller (another user acted first, or the client read an old version).

    Pages show the message and reload the case; the API answers 409.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
