"""A user's Cognito groups, read by the disabler and the strict-mode guard to find exempt users.

Errors are left to the caller: the disabler treats a missing user as done and throttling as a retry,
the guard treats any failure as "not checked".
"""

from typing import Any


def groups_of(cognito: Any, user_pool_id: str, username: str) -> set[str]:
    """Every group the user belongs to (AdminListGroupsForUser, all pages)."""
    pages = cognito.get_paginator("admin_list_groups_for_user").paginate(
        UserPoolId=user_pool_id, Username=username
    )
    return {group["GroupName"] for page in pages for group in page.get("Groups", [])}
