"""Requests, answers and settings of the sources API."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from stratus_shared.config import Settings
from stratus_shared.inbound_webhooks import MAX_SECRETS, HmacSettings, Scheme, SourceSettings

SecretText = Annotated[str, Field(min_length=1, max_length=1024)]


class SourcesSettings(Settings):
    table_name: str = Field(alias="INBOUND_TABLE_NAME")
    secret_prefix: str = Field(alias="SOURCE_SECRET_PREFIX")
    admin_group_name: str = Field(alias="ADMIN_GROUP_NAME")
    receive_url: str = Field(alias="RECEIVE_URL", default="")
    analytics_available: bool = Field(alias="ANALYTICS_AVAILABLE", default=False)


class PutSource(BaseModel):
    """`secret` (one) or `secrets` (up to five live at once, for rotation); never returned."""

    model_config = ConfigDict(extra="forbid")

    scheme: Scheme
    secret: SecretText | None = None
    secrets: Annotated[list[SecretText] | None, Field(min_length=1, max_length=MAX_SECRETS)] = None
    toleranceSeconds: Annotated[int, Field(ge=1, le=86400)] = 300
    eventTypePath: str | None = None
    targets: list[str] = []
    hmac: HmacSettings | None = None

    @model_validator(mode="after")
    def _one_kind_of_secret(self) -> PutSource:
        if (self.secret is None) == (self.secrets is None):
            raise ValueError("give either secret or secrets")
        return self

    def all_secrets(self) -> list[str]:
        return [self.secret] if self.secret is not None else list(self.secrets or [])


class WebhookSource(SourceSettings):
    """A source as the API shows it (frontend/src/api/pending.ts WebhookSource): no secrets."""

    source: str
    secretCount: int
    url: str | None = None
    createdAt: str
    updatedAt: str


class SourcesPage(BaseModel):
    items: list[WebhookSource]


class SourceNotFoundError(Exception):
    """No source by that name."""


class InvalidSourceError(Exception):
    """The request names something this stack cannot do (400)."""
