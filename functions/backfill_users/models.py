"""Settings, and the page request/result the backfill state machine passes around."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, computed_field

from stratus_shared.config import Settings, csv_list
from stratus_shared.inactivity import pool_id_from_arn

# ListUsers returns at most 60 users a call.
MAX_PAGE_SIZE = 60


class BackfillSettings(Settings):
    table_name: str = Field(alias="TABLE_NAME", min_length=1)
    threshold_days: int = Field(alias="INACTIVE_THRESHOLD_DAYS", ge=0)
    user_pool_arns: Annotated[list[str], BeforeValidator(csv_list)] = Field(
        alias="USER_POOL_ARNS", min_length=1
    )
    page_size: int = Field(default=MAX_PAGE_SIZE, alias="BACKFILL_PAGE_SIZE", ge=1, le=MAX_PAGE_SIZE)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def user_pool_ids(self) -> frozenset[str]:
        return frozenset(pool_id_from_arn(arn) for arn in self.user_pool_arns)


class PageRequest(BaseModel):
    """One step of the workflow: which pool, where in it, since when, and the totals so far."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    pool_arn: str
    started_at: AwareDatetime = Field(description="the execution's start: every record's clock starts here")
    pagination_token: str | None = None
    created: int = Field(default=0, ge=0)
    existing: int = Field(default=0, ge=0)
    skipped_disabled: int = Field(default=0, ge=0)
    pages: int = Field(default=0, ge=0)


class PageResult(BaseModel):
    """The next request (pagination_token absent when the pool is done) with updated totals."""

    pool_arn: str
    started_at: datetime
    pagination_token: str | None = Field(default=None, exclude_if=lambda token: token is None)
    created: int
    existing: int
    skipped_disabled: int
    pages: int


class PoolUser(BaseModel):
    model_config = ConfigDict(frozen=True)

    username: str
    sub: str
    enabled: bool
