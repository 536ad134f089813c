"""Who is calling an API route: read from the claims API Gateway's Cognito authorizer verified.

Identity never comes from the request body, a query string or a header the caller controls: only
from `requestContext.authorizer.claims`, which API Gateway fills after checking the token (the local
cloud does the same check). A REST API hands every claim on as a string; `cognito:groups` arrives as
`a,b` (REST) or `[a b]` (HTTP APIs), and both are read here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

TENANT_CLAIM = "custom:tenant_id"
GROUPS_CLAIM = "cognito:groups"
# Tenant ids become key prefixes: keep them to characters that never need escaping.
_TENANT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$")


class NotAuthenticatedError(Exception):
    """The event carries no verified identity (the route is not behind the Cognito authorizer)."""


@dataclass(frozen=True)
class Caller:
    """The signed-in user: `sub` is the user, `tenant_id` whose data they see."""

    sub: str
    tenant_id: str
    username: str
    email: str | None
    display_name: str
    groups: frozenset[str]

    def in_group(self, group: str) -> bool:
        return bool(group) and group in self.groups


def parse_groups(value: Any) -> frozenset[str]:
    """`cognito:groups` in any of the shapes API Gateway and Cognito give it."""
    if value is None:
        return frozenset()
    if isinstance(value, list | tuple | set | frozenset):
        return frozenset(str(v).strip() for v in value if str(v).strip())
    text = str(value).strip().removeprefix("[").removesuffix("]")
    return frozenset(part for part in re.split(r"[,\s]+", text) if part)


def caller_from_claims(claims: Mapping[str, Any] | None) -> Caller:
    """The caller, or NotAuthenticatedError when no verified `sub` is present."""
    if not claims or not str(claims.get("sub") or "").strip():
        raise NotAuthenticatedError("no verified identity on the request")
    sub = str(claims["sub"]).strip()
    tenant = str(claims.get(TENANT_CLAIM) or "").strip() or sub
    if not _TENANT_ID.match(tenant):
        raise NotAuthenticatedError("the token's tenant id is not usable")
    username = str(claims.get("cognito:username") or claims.get("username") or sub)
    email = str(claims["email"]) if claims.get("email") else None
    display_name = str(claims.get("name") or email or username)
    return Caller(
        sub=sub,
        tenant_id=tenant,
        username=username,
        email=email,
        display_name=display_name,
        groups=parse_groups(claims.get(GROUPS_CLAIM)),
    )


def caller_from_event(event: Mapping[str, Any]) -> Caller:
    """The caller of a REST API (payload 1.0) or HTTP API (payload 2.0, JWT authorizer) event."""
    authorizer = (event.get("requestContext") or {}).get("authorizer") or {}
    claims = authorizer.get("claims") or (authorizer.get("jwt") or {}).get("claims")
    return caller_from_claims(claims)
