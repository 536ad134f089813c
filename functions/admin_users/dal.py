"""The admin users API's only boto3 code: the stack's pool and the inactivity table."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from stratus_shared import aws
from stratus_shared.cognito_groups import groups_of
from stratus_shared.inactivity import InactivityRecord
from stratus_shared.inactivity_store import InactivityStore

BATCH_GET_LIMIT = 100


class AdminDirectory:
    def __init__(self, user_pool_id: str, cognito: Any | None = None) -> None:
        self.user_pool_id = user_pool_id
        self._cognito = cognito if cognito is not None else aws.client("cognito-idp")

    def list_users(self, limit: int, next_token: str | None) -> tuple[list[dict[str, Any]], str | None]:
        kwargs: dict[str, Any] = {"UserPoolId": self.user_pool_id, "Limit": limit}
        if next_token:
            kwargs["PaginationToken"] = next_token
        page = self._cognito.list_users(**kwargs)
        return list(page.get("Users", [])), page.get("PaginationToken")

    def group_members(self, group: str) -> set[str]:
        if not group:
            return set()
        try:
            pages = self._cognito.get_paginator("list_users_in_group").paginate(
                UserPoolId=self.user_pool_id, GroupName=group
            )
            return {user["Username"] for page in pages for user in page.get("Users", [])}
        except self._cognito.exceptions.ResourceNotFoundException:
            return set()  # the group is not created in this pool (exempt group switched off)

    def get_user(self, username: str) -> dict[str, Any] | None:
        try:
            user: dict[str, Any] = self._cognito.admin_get_user(
                UserPoolId=self.user_pool_id, Username=username
            )
        except self._cognito.exceptions.UserNotFoundException:
            return None
        return user

    def groups_of(self, username: str) -> set[str]:
        return groups_of(self._cognito, self.user_pool_id, username)

    def enable(self, username: str) -> None:
        self._cognito.admin_enable_user(UserPoolId=self.user_pool_id, Username=username)


class InactivityRecords:
    def __init__(self, table_name: str, dynamodb: Any | None = None) -> None:
        self._dynamodb = dynamodb if dynamodb is not None else aws.client("dynamodb")
        self._store = InactivityStore(table_name, self._dynamodb)
        self.table_name = table_name

    def get_many(self, subs: Iterable[str]) -> dict[str, InactivityRecord]:
        wanted = list(dict.fromkeys(subs))
        found: dict[str, InactivityRecord] = {}
        for start in range(0, len(wanted), BATCH_GET_LIMIT):
            request: dict[str, Any] = {
                self.table_name: {
                    "Keys": [{"sub": {"S": s}} for s in wanted[start : start + BATCH_GET_LIMIT]]
                }
            }
            while request:
                answer = self._dynamodb.batch_get_item(RequestItems=request)
                for item in answer.get("Responses", {}).get(self.table_name, []):
                    record = InactivityRecord.from_item(item)
                    found[record.sub] = record
                request = answer.get("UnprocessedKeys") or {}
        return found

    def put(self, record: InactivityRecord) -> None:
        self._store.put(record)
