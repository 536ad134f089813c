"""Register, list and remove incoming-webhook sources. Secrets go to Secrets Manager only."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any, Protocol

from models import InvalidSourceError, PutSource, SourceNotFoundError, SourcesSettings, WebhookSource
from pydantic import ValidationError

from stratus_shared.inbound_webhooks import SourceSecret, SourceSettings, valid_source_name


class Store(Protocol):
    def put_secret(self, source: str, secret: SourceSecret) -> None: ...

    def delete_secret(self, source: str) -> None: ...

    def get_item(self, source: str) -> dict[str, Any] | None: ...

    def put_item(self, source: str, shown: dict[str, Any]) -> None: ...

    def delete_item(self, source: str) -> bool: ...

    def list_items(self) -> list[dict[str, Any]]: ...


def _stamp(now: datetime) -> str:
    return now.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def check_name(source: str) -> None:
    if not valid_source_name(source):
        raise InvalidSourceError("source: 1 to 64 of a-z, 0-9, '-' and '_', starting with a letter or digit")


def _check_secrets(scheme: str, secrets: list[str]) -> None:
    if scheme != "standard-webhooks":
        return
    for index, secret in enumerate(secrets):
        try:
            key = base64.b64decode(secret.removeprefix("whsec_"), validate=True)
        except (binascii.Error, ValueError):
            key = b""
        if len(key) < 16:
            raise InvalidSourceError(
                f"secrets.{index}: a Standard Webhooks secret is whsec_ + base64 of 16+ bytes"
            )


def put_source(
    store: Store, settings: SourcesSettings, source: str, request: PutSource, now: datetime
) -> WebhookSource:
    check_name(source)
    secrets = request.all_secrets()
    _check_secrets(request.scheme, secrets)
    if "analytics" in request.targets and not settings.analytics_available:
        raise InvalidSourceError("targets: analytics needs the web-analytics stream (stream replication)")
    try:
        secret = SourceSecret(
            scheme=request.scheme,
            secrets=secrets,
            toleranceSeconds=request.toleranceSeconds,
            eventTypePath=request.eventTypePath,
            targets=request.targets,  # type: ignore[arg-type]
            hmac=request.hmac,
        )
    except ValidationError as exc:
        raise InvalidSourceError(
            "; ".join(f"{'.'.join(map(str, e['loc'])) or 'request'}: {e['msg']}" for e in exc.errors())
        ) from exc
    previous = store.get_item(source)
    store.put_secret(source, secret)  # first: the receiver reads the secret, the listing the item
    shown = WebhookSource(
        source=source,
        secretCount=len(secrets),
        url=f"{settings.receive_url.rstrip('/')}/{source}" if settings.receive_url else None,
        createdAt=previous["createdAt"] if previous else _stamp(now),
        updatedAt=_stamp(now),
        **SourceSettings.model_validate(secret.model_dump(exclude={"secrets"})).model_dump(),
    )
    store.put_item(source, shown.model_dump(mode="json"))
    return shown


def list_sources(store: Store) -> list[WebhookSource]:
    return sorted((WebhookSource.model_validate(i) for i in store.list_items()), key=lambda s: s.source)


def delete_source(store: Store, source: str) -> None:
    check_name(source)
    if store.get_item(source) is None:
        raise SourceNotFoundError(source)
    store.delete_secret(source)  # first: from here on the receiver answers 404 (once its cache expires)
    store.delete_item(source)
