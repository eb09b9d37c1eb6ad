"""Sections that apps add to shared pages (the home pages, the entrepreneur's file, a circle's page).

Each app registers, from its ``AppConfig.ready()``, a reader: a function that reads what its section shows
through the app's selectors, in a bounded number of queries. The page's view calls every reader of the
page (``panels_for``) and gives the result to its template as ``panels``; the section's template reads
``panels.<name>``. So templates and template tags run no query, and a view's queries can be counted.
"""

from collections.abc import Callable
from typing import Any

_READERS: dict[str, dict[str, Callable[..., Any]]] = {}

# The pages that have sections, and what their readers receive (as keywords).
PAGES = {
    "home": ("user",),  # every role's home page; a reader returns None for a role it has nothing for
    "entrepreneur_file": ("user", "profile"),  # ``user`` is the viewer
    "circle": ("user", "circle"),
}


def register(page: str, name: str, reader: Callable[..., Any]) -> None:
    if page not in PAGES:
        raise ValueError(f"Unknown page {page!r}")
    _READERS.setdefault(page, {})[name] = reader


def panels_for(page: str, **kwargs) -> dict[str, Any]:
    """What each section of ``page`` shows, by the name it was registered under."""
    return {name: reader(**kwargs) for name, reader in _READERS.get(page, {}).items()}


def panel(page: str, name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator: ``@panel("home", "circles_advisor")`` registers the reader below it."""

    def decorate(reader: Callable[..., Any]) -> Callable[..., Any]:
        register(page, name, reader)
        return reader

    return decorate
