"""The kinds of file an organization can bring in, each with its columns, and the registry of them."""

from imports.kinds.base import Kind

KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    KINDS[kind.key] = kind
    return kind


def get_kind(key: str) -> Kind | None:
    _load()
    return KINDS.get(key)


# The order to bring files in: each refers to the ones before it by the organization's own ids.
ORDER = ("entrepreneurs", "circles", "trainings", "partners", "fund_sources", "loans")


def all_kinds() -> list[Kind]:
    _load()
    rank = {key: number for number, key in enumerate(ORDER)}
    return sorted(KINDS.values(), key=lambda kind: rank.get(kind.key, len(ORDER)))


def _load() -> None:
    from imports.kinds import (  # noqa: F401  (each registers itself)
        circles,
        entrepreneurs,
        fund_sources,
        loans,
        partners,
        trainings,
    )
