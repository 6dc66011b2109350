"""Media through the app with HTTP range requests (RFC 9110 §14), so players can seek.

One range per request (what audio elements ask for); a header we cannot read, or several
ranges, gets the whole file (the RFC lets a server ignore Range); a range past the end
gets 416 with the file's size.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.core.files import File
from django.http import HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase

CHUNK_BYTES = 64 * 1024
_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int  # inclusive, as Content-Range counts

    @property
    def length(self) -> int:
        return self.end - self.start + 1


class Unsatisfiable(Exception):
    """The range asked for lies outside the file."""


def requested_range(header: str, size: int) -> ByteRange | None:
    """The one range `header` asks of a `size`-byte file; None for the whole file."""
    match = _RANGE.fullmatch(header.strip())
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # the last N bytes
        suffix = int(last)
        if suffix == 0:
            raise Unsatisfiable
        return ByteRange(max(0, size - suffix), size - 1)
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or end < start:
        raise Unsatisfiable
    return ByteRange(start, end)


def _chunks(media: File, start: int, length: int) -> Iterator[bytes]:
    with media.open("rb") as opened:
        opened.seek(start)
        left = length
        while left > 0:
            chunk = opened.read(min(CHUNK_BYTES, left))
            if not chunk:
                return
            left -= len(chunk)
            yield chunk


def ranged_response(
    media: File, *, size: int, content_type: str, range_header: str, filename: str = ""
) -> HttpResponseBase:
    """200 with the whole file, 206 with the range asked for, or 416."""
    try:
        wanted = requested_range(range_header, size) if range_header else None
    except Unsatisfiable:
        refused = HttpResponse(status=416)
        refused["Content-Range"] = f"bytes */{size}"
        refused["Accept-Ranges"] = "bytes"
        return refused
    span = wanted or ByteRange(0, size - 1)
    response = StreamingHttpResponse(
        _chunks(media, span.start, span.length),
        status=206 if wanted else 200,
        content_type=content_type,
    )
    response["Content-Length"] = str(span.length)
    response["Accept-Ranges"] = "bytes"
    if wanted:
        response["Content-Range"] = f"bytes {span.start}-{span.end}/{size}"
    # Recordings are private: no shared cache keeps a copy.
    response["Cache-Control"] = "private, no-store"
    if filename:
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
