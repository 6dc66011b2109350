"""What apps above crm add to timeline entries, as they register it: the page of the
record an entry came from (a call's page lives in an app crm must not import), and the
players of its recordings."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from django.db.models import Model

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from .models import Interaction

# "app_label.modelname" → the page of the row with that primary key.
_SOURCE_PAGES: dict[str, Callable[[int], str]] = {}


def register_source_page(model: type[Model], page: Callable[[int], str]) -> None:
    """Timeline entries from `model` rows link to `page(pk)`."""
    _SOURCE_PAGES[model._meta.label_lower] = page


def source_page(label: str, pk: int) -> str | None:
    page = _SOURCE_PAGES.get(label)
    return page(pk) if page is not None else None


# "app_label.modelname" → for a user and some rows' primary keys, the media URLs of the
# recordings of each row that user may hear.
_SOURCE_MEDIA: dict[str, Callable[[User, list[int]], dict[int, list[str]]]] = {}


def register_source_media(
    model: type[Model], media: Callable[[User, list[int]], dict[int, list[str]]]
) -> None:
    """Timeline entries from `model` rows show players for `media(user, pks)`."""
    _SOURCE_MEDIA[model._meta.label_lower] = media


def attach_players(*, user: User, entries: Sequence[Interaction]) -> Sequence[Interaction]:
    """Give each entry its `players`: media URLs `user` may hear (one query per source kind)."""
    wanted: dict[str, list[int]] = {}
    for entry in entries:
        entry.players = []
        if entry.source_type is not None and entry.source_id is not None:
            label = f"{entry.source_type.app_label}.{entry.source_type.model}"
            wanted.setdefault(label, []).append(entry.source_id)
    found = {
        label: _SOURCE_MEDIA[label](user, pks)
        for label, pks in wanted.items()
        if label in _SOURCE_MEDIA
    }
    for entry in entries:
        if entry.source_type is not None and entry.source_id is not None:
            label = f"{entry.source_type.app_label}.{entry.source_type.model}"
            entry.players = found.get(label, {}).get(entry.source_id, [])
    return entries
