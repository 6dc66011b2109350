"""Pages that show the records timeline entries come from, as apps above crm register
them: a call's page lives in an app crm must not import."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Model

# "app_label.modelname" → the page of the row with that primary key.
_SOURCE_PAGES: dict[str, Callable[[int], str]] = {}


def register_source_page(model: type[Model], page: Callable[[int], str]) -> None:
    """Timeline entries from `model` rows link to `page(pk)`."""
    _SOURCE_PAGES[model._meta.label_lower] = page


def source_page(label: str, pk: int) -> str | None:
    page = _SOURCE_PAGES.get(label)
    return page(pk) if page is not None else None
