"""Logging filters named in LOGGING."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied


class RefusalWithoutTraceback(logging.Filter):
    """Drop the traceback from Django's "Forbidden (Permission denied)" record.

    A 403 is the answer a role gets when it asks for something it may not do; its traceback
    says nothing an administrator needs, and dozens of lines per refusal drown the real errors.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 403 and record.exc_info:
            exc = record.exc_info[1]
            if isinstance(exc, PermissionDenied):
                record.exc_info = None
                record.exc_text = None
        return True
