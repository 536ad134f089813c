"""Settings of the relay: which tenant receives Stratus's own events, and how long messages are kept."""

from pydantic import Field

from stratus_shared.config import Settings


class RelaySettings(Settings):
    outbox_table_name: str = Field(alias="OUTBOX_TABLE_NAME", min_length=3)
    operator_tenant_id: str = Field(alias="OPERATOR_TENANT_ID", min_length=1)
    retention_days: int = Field(default=30, alias="MESSAGE_RETENTION_DAYS", ge=1, le=365)
