"""The places a user may see: a set of region-code prefixes, from their active assignments.

Every user-visible queryset narrows itself with `Scope.q()`; out-of-scope rows simply do not
exist for that user, so views answer 404 for them exactly as for missing ones.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Q

from .roles import LEDGER_ROLES, Role

_CACHE_ATTR = "_gridgov_scope"


@dataclass(frozen=True)
class Scope:
    unrestricted: bool = False
    # role -> code prefixes where the user holds it
    grants: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def prefixes(self, roles: Iterable[str] | None = None) -> tuple[str, ...]:
        """The minimal set of prefixes covered by the given roles (all roles when None)."""
        wanted = set(roles) if roles is not None else None
        codes = {code for role, codes in self.grants.items() if wanted is None or role in wanted for code in codes}
        minimal = []
        for code in sorted(codes, key=len):
            if not any(code.startswith(kept) for kept in minimal):
                minimal.append(code)
        return tuple(sorted(minimal))

    def q(self, field_name: str = "region_code", roles: Iterable[str] | None = None) -> Q:
        """A filter matching rows whose code lies under one of the prefixes."""
        if self.unrestricted:
            return Q()
        prefixes = self.prefixes(roles)
        if not prefixes:
            return Q(pk__in=[])
        query = Q()
        for prefix in prefixes:
            query |= Q(**{f"{field_name}__startswith": prefix})
        return query

    def covers(self, code: str, roles: Iterable[str] | None = None) -> bool:
        if self.unrestricted:
            return True
        return any(code.startswith(prefix) for prefix in self.prefixes(roles))

    def roles_at(self, code: str) -> set[str]:
        """Roles the user holds at this place or above it."""
        if self.unrestricted:
            return set(Role.values)
        return {role for role, codes in self.grants.items() if any(code.startswith(c) for c in codes)}

    def has_any_role(self, roles: Iterable[str]) -> bool:
        return self.unrestricted or any(role in self.grants for role in roles)


EMPTY_SCOPE = Scope()


def get_scope(user) -> Scope:
    """The user's scope, computed once per user object (i.e. once per request)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return EMPTY_SCOPE
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    if user.is_superuser:
        scope = Scope(unrestricted=True)
    else:
        from .models import Assignment

        grants: dict[str, list[str]] = {}
        unrestricted = False
        rows = Assignment.objects.active().filter(user=user).values_list("role", "region__code")
        for role, code in rows:
            if code is None:
                unrestricted = unrestricted or role == Role.ADMIN
                continue
            grants.setdefault(role, []).append(code)
        scope = Scope(unrestricted=unrestricted, grants={r: tuple(c) for r, c in grants.items()})
    setattr(user, _CACHE_ATTR, scope)
    return scope


def clear_scope_cache(user) -> None:
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def ledger_q(user, field_name: str = "region_code") -> Q:
    """Rows of the resident ledger the user may read."""
    return get_scope(user).q(field_name, roles=LEDGER_ROLES)
