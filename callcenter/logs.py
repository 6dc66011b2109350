"""Logging filters that keep the console to one line per notable event."""

from __future__ import annotations

import logging


class RefusalsOnOneLine(logging.Filter):
    """A refused request (403) logs its one line without the traceback of PermissionDenied:
    the refusal is the event, and the stack only says where the check was."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 403:
            record.exc_info = None
            record.exc_text = None
        return True
