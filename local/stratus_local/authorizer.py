"""The Cognito user pool authorizer API Gateway runs before a REST route: SAM's local API skips it.

API Gateway checks the token's signature against the pool's JWKS, its issuer (one of the authorizer's
pools), that it was issued to one of the pool's app clients, its `token_use` (an ID token, or an access
token carrying a required scope when the method lists OAuth scopes) and its expiry; the claims then reach
the function as strings in `requestContext.authorizer.claims`. The JWKS comes from moto's server, which
serves `/<pool_id>/.well-known/jwks.json`: only a loopback endpoint is ever contacted.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import jwt

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
UNAUTHORIZED = "Unauthorized"
# What API Gateway answers for an expired Cognito token (still 401).
EXPIRED = "The incoming token has expired"


class Unauthorized(Exception):
    """The request's token does not pass the authorizer; `message` is the 401 body's message."""

    def __init__(self, message: str = UNAUTHORIZED, reason: str = "") -> None:
        super().__init__(reason or message)
        self.message = message
        self.reason = reason or message


@dataclass(frozen=True)
class CognitoAuthorizer:
    """One `cognito_user_pools` authorizer of an API: the pools it trusts and where the token is."""

    name: str
    pool_ids: tuple[str, ...]
    header: str = "Authorization"


def pool_id_from_arn(arn: str) -> str:
    """`arn:aws:cognito-idp:<region>:<account>:userpool/<pool_id>` -> `<pool_id>`."""
    resource = arn.rsplit(":", 1)[-1]
    if not resource.startswith("userpool/"):
        raise ValueError(f"not a user pool ARN: {arn}")
    return resource.removeprefix("userpool/")


def require_loopback(endpoint_url: str) -> str:
    """The endpoint, refused unless it is on this machine (the local cloud never leaves it)."""
    host = urlsplit(endpoint_url).hostname
    if host not in LOOPBACK_HOSTS:
        raise ValueError(
            f"the local authorizer only fetches keys from a loopback endpoint, not {endpoint_url}"
        )
    return endpoint_url.rstrip("/")


class TokenVerifier:
    """Verifies Cognito tokens the way API Gateway's Cognito authorizer does.

    `app_clients(pool_id)` lists the pool's app client ids; it is asked again when a token names a client
    not seen before, so clients created after start-up are accepted. `now` is the clock expiry is judged
    by: moto stamps `iat`/`exp` from `time.time()`, so the default reads the same clock.
    """

    def __init__(
        self,
        endpoint_url: str,
        region: str,
        app_clients: Callable[[str], Iterable[str]],
        now: Callable[[], float] = time.time,
    ) -> None:
        self.endpoint_url = require_loopback(endpoint_url)
        self.region = region
        self._app_clients = app_clients
        self._now = now
        self._jwks: dict[str, jwt.PyJWKClient] = {}
        self._clients: dict[str, frozenset[str]] = {}
        self._lock = threading.Lock()

    def issuer(self, pool_id: str) -> str:
        return f"https://cognito-idp.{self.region}.amazonaws.com/{pool_id}"

    def verify(
        self, authorizer: CognitoAuthorizer, header_value: str | None, scopes: Sequence[str] = ()
    ) -> dict[str, Any]:
        """The token's claims, or Unauthorized saying why not (the reason is for logs, not the caller)."""
        token = (header_value or "").strip()
        if token[:7].lower() == "bearer ":
            token = token[7:].strip()
        if not token:
            raise Unauthorized(reason=f"no token in the {authorizer.header} header")
        try:
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.InvalidTokenError as exc:
            raise Unauthorized(reason=f"not a JWT: {exc}") from exc
        pool_id = self._trusted_pool(authorizer, unverified.get("iss"))
        try:
            key = self._jwks_client(pool_id).get_signing_key_from_jwt(token)
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=["RS256"],
                issuer=self.issuer(pool_id),
                # expiry is judged below against the local clock; the audience by the pool's clients
                options={"verify_exp": False, "verify_aud": False, "require": ["exp", "iat", "token_use"]},
            )
        except (jwt.InvalidTokenError, jwt.PyJWKClientError) as exc:
            raise Unauthorized(reason=f"token rejected: {exc}") from exc
        if float(claims["exp"]) <= self._now():
            raise Unauthorized(EXPIRED, reason="token expired")
        self._check_use(claims, scopes)
        use = claims["token_use"]
        client_id = claims.get("client_id") if use == "access" else claims.get("aud")
        if not isinstance(client_id, str) or not self._is_client(pool_id, client_id):
            raise Unauthorized(reason=f"token issued to {client_id!r}, not an app client of {pool_id}")
        return claims

    def _trusted_pool(self, authorizer: CognitoAuthorizer, issuer: Any) -> str:
        for pool_id in authorizer.pool_ids:
            if issuer == self.issuer(pool_id):
                return pool_id
        raise Unauthorized(reason=f"issuer {issuer!r} is not a pool of authorizer {authorizer.name}")

    @staticmethod
    def _check_use(claims: Mapping[str, Any], scopes: Sequence[str]) -> None:
        # Without OAuth scopes on the method API Gateway wants the ID token; with them, an access token
        # granting at least one of the scopes.
        use = claims["token_use"]
        if not scopes:
            if use != "id":
                raise Unauthorized(reason=f"token_use {use!r}, an ID token is required")
            return
        granted = set(str(claims.get("scope", "")).split())
        if use != "access" or not granted.intersection(scopes):
            raise Unauthorized(reason=f"an access token with one of the scopes {list(scopes)} is required")

    def _jwks_client(self, pool_id: str) -> jwt.PyJWKClient:
        with self._lock:
            if pool_id not in self._jwks:
                url = f"{self.endpoint_url}/{pool_id}/.well-known/jwks.json"
                self._jwks[pool_id] = jwt.PyJWKClient(url, cache_keys=True, timeout=5)
            return self._jwks[pool_id]

    def _is_client(self, pool_id: str, client_id: str) -> bool:
        with self._lock:
            known = self._clients.get(pool_id, frozenset())
        if client_id in known:
            return True
        fresh = frozenset(self._app_clients(pool_id))
        with self._lock:
            self._clients[pool_id] = fresh
        return client_id in fresh


def api_gateway_claims(claims: Mapping[str, Any]) -> dict[str, str]:
    """Claims as a REST API's Cognito authorizer hands them on: every value a string.

    `exp` and `iat` become dates like "Sun Dec 17 07:28:12 UTC 2017", booleans "true"/"false", lists
    their comma-joined items; other numbers (such as `auth_time`) their decimal text.
    """
    rendered: dict[str, str] = {}
    for name, value in claims.items():
        if name in {"exp", "iat"} and isinstance(value, int | float):
            rendered[name] = datetime.fromtimestamp(value, UTC).strftime("%a %b %d %H:%M:%S UTC %Y")
        elif isinstance(value, bool):
            rendered[name] = "true" if value else "false"
        elif isinstance(value, list | tuple):
            rendered[name] = ",".join(str(v) for v in value)
        else:
            rendered[name] = str(value)
    return rendered
