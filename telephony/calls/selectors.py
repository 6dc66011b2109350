"""Reads about calls: the line a call came in on, and the language to speak to it."""

from __future__ import annotations

import logging
import pickle
import time
import uuid
from collections.abc import Collection
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction

from ..models import Call, InboundNumber, IvrNode, QueueEntry, Recording

logger = logging.getLogger(__name__)

# Every incoming call reads its line with the line's flow, entry node and hours, and they
# rarely change, so each process keeps them: number -> (version, expiry, pickled line).
# A change to any of those models clears this process's copies at once and, after commit,
# replaces the version stamp in the shared cache, so other processes reload on their next
# call. The version is read before the database, so a load racing a change is stored under
# the old version and dropped. The expiry bounds what escapes the signals (QuerySet.update,
# raw SQL, another tool), a stamp that could not be written, and the embedded mode, whose
# local-memory cache no other process sees.
_LINES: dict[str, tuple[str | None, float, bytes]] = {}
LINE_CACHE_SECONDS = 30.0
LINES_VERSION_KEY = "telephony:inbound-lines-version"


def inbound_line(*, number: str) -> InboundNumber | None:
    """The line at the E.164 `number`, with its flow, entry node and hours loaded.

    Each call gets its own copy, so whatever a request loads onto it stays in that request.
    """
    try:
        version = cache.get(LINES_VERSION_KEY)
    except Exception:
        # The shared cache is down: answer from the database rather than fail the call.
        logger.warning("Cache unavailable; reading inbound line %s uncached.", number)
        return _load_line(number)
    cached = _LINES.get(number)
    if cached is not None and cached[0] == version and cached[1] > time.monotonic():
        # Bytes this process pickled itself, above, and kept in its own memory: never input.
        return pickle.loads(cached[2])  # noqa: S301
    line = _load_line(number)
    if line is not None:
        _LINES[number] = (version, time.monotonic() + LINE_CACHE_SECONDS, pickle.dumps(line))
    return line


def _load_line(number: str) -> InboundNumber | None:
    return (
        InboundNumber.objects.select_related("flow__entry_node", "business_hours")
        .filter(number=number)
        .first()
    )


def forget_inbound_lines() -> None:
    """Drop this process's cached lines: its next calls read them again."""
    _LINES.clear()


def inbound_lines_changed(**_signal: object) -> None:
    """A line, flow, node or hours changed: forget cached lines here, and everywhere on commit."""
    forget_inbound_lines()
    transaction.on_commit(_new_lines_version)


def _new_lines_version() -> None:
    try:
        cache.set(LINES_VERSION_KEY, uuid.uuid4().hex, timeout=None)
    except Exception:
        logger.warning("Could not stamp a new inbound line version; others expire theirs.")


def language_for(call: Call, node: IvrNode | None = None) -> str:
    """The node's language if set, else the caller's, else the dialled number's."""
    if node is not None and node.language:
        return node.language
    if call.customer is not None:
        return call.customer.preferred_language
    if call.inbound_number is not None:
        return call.inbound_number.language
    return "en-US"


@dataclass(frozen=True)
class CallOutcomes:
    answered: int
    abandoned: int
    callbacks: int
    voicemails: int


def call_outcomes(*, call_sids: Collection[str]) -> CallOutcomes:
    """How the given calls ended: answered by an agent, abandoned in a queue, turned into a
    callback request or a voicemail."""
    entries = QueueEntry.objects.filter(call__sid__in=call_sids)
    return CallOutcomes(
        answered=Call.objects.filter(sid__in=call_sids, answered_at__isnull=False).count(),
        abandoned=entries.filter(
            kind=QueueEntry.Kind.CALL, status=QueueEntry.Status.ABANDONED
        ).count(),
        callbacks=entries.filter(kind=QueueEntry.Kind.CALLBACK).count(),
        voicemails=Recording.objects.filter(
            call__sid__in=call_sids, source="RecordVerb", case__isnull=False
        ).count(),
    )
