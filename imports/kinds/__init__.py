"""The kinds of file an organization can bring in, each with its columns, and the registry of them."""

from imports.kinds.base import Kind

KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    KINDS[kind.key] = kind
    return kind


def get_kind(key: str) -> Kind | None:
    _load()
    return KINDS.get(key)


def all_kinds() -> list[Kind]:
    _load()
    return list(KINDS.values())


def _load() -> None:
    from imports.kinds import circles, entrepreneurs, loans  # noqa: F401  (each registers itself)
