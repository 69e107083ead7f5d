"""Roster types: each is a small declarative module (columns, natural key, checks, how to apply) registered here."""

from __future__ import annotations

from .base import Pending, RosterKind

_KINDS: dict[str, RosterKind] = {}


def register(kind: RosterKind) -> RosterKind:
    if kind.slug in _KINDS:
        raise ValueError(f"the roster type {kind.slug!r} is registered twice")
    _KINDS[kind.slug] = kind
    return kind


def get_kind(slug: str) -> RosterKind | None:
    _load()
    return _KINDS.get(slug)


def all_kinds() -> list[RosterKind]:
    _load()
    return list(_KINDS.values())


def _load() -> None:
    from . import residents  # noqa: F401  (registers itself)
    from .buildings import BuildingsKind  # noqa: F401
    from .gridworkers import GridWorkersKind  # noqa: F401
    from .partymembers import PartyMembersKind  # noqa: F401


__all__ = ["Pending", "RosterKind", "all_kinds", "get_kind", "register"]
