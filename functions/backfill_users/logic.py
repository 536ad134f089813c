"""Backfill one page of a pool: give each enabled user who has no inactivity record one.

Records created here start their clock at the execution's start time, so a user who never signs in
is disabled one threshold after the backfill, the same as one who signed in just then. Existing records
are never touched (a conditional write), so running the workflow again is harmless. Users already
disabled are skipped: there is nothing left to remediate.
"""

from __future__ import annotations

from typing import Protocol

from dal import UserPage
from models import BackfillSettings, PageRequest, PageResult

from stratus_shared.inactivity import InactivityRecord, RecordSource, UnconfiguredPoolError, pool_id_from_arn


class Users(Protocol):
    def page(self, user_pool_id: str, token: str | None, limit: int) -> UserPage: ...


class Records(Protocol):
    def put_if_absent(self, record: InactivityRecord) -> bool: ...


def backfill_page(
    request: PageRequest, users: Users, records: Records, settings: BackfillSettings
) -> PageResult:
    pool_id = pool_id_from_arn(request.pool_arn)
    if pool_id not in settings.user_pool_ids:
        raise UnconfiguredPoolError(pool_id)
    page = users.page(pool_id, request.pagination_token, settings.page_size)
    created = existing = skipped = 0
    for user in page.users:
        if not user.enabled:
            skipped += 1
            continue
        record = InactivityRecord.starting(
            sub=user.sub,
            username=user.username,
            userpool_id=pool_id,
            at=request.started_at,
            threshold_days=settings.threshold_days,
            source=RecordSource.BACKFILL,
        )
        if records.put_if_absent(record):
            created += 1
        else:
            existing += 1
    return PageResult(
        pool_arn=request.pool_arn,
        started_at=request.started_at,
        pagination_token=page.next_token,
        created=request.created + created,
        existing=request.existing + existing,
        skipped_disabled=request.skipped_disabled + skipped,
        pages=request.pages + 1,
    )
