"""Expected outcomes of the remediation functions' event files (see tests/integration/event_cases.py).

Each case re-addresses its event to the deployed pool and a real user in it (moto generates pool ids),
then checks what a user or operator would notice: a record written, a user disabled or left alone, a
sign-in refused, records backfilled.
"""

from __future__ import annotations

from typing import Any

from tests.integration.event_cases import EventCase, Outcome
from tests.integration.remediation.support import Pool
from tests.support.harness import StackHarness


def _item(stack: StackHarness, sub: str) -> dict[str, Any] | None:
    table = stack.ref("InactivityTable")
    return stack.client("dynamodb").get_item(TableName=table, Key={"sub": {"S": sub}}).get("Item")


def _trigger_for_new_user(stack: StackHarness, event: Any) -> Any:
    pool = Pool(stack)
    user = pool.create_user(event["request"]["userAttributes"]["email"])
    event = {**event, "userPoolId": pool.id, "userName": user["username"]}
    event["request"] = {
        **event["request"],
        "userAttributes": {**event["request"]["userAttributes"], "sub": user["sub"]},
    }
    return event


def _recorded(source: str) -> Any:
    def check(stack: StackHarness, event: Any, outcome: Outcome) -> None:
        assert outcome.error is None
        assert outcome.result == event  # Cognito needs the event back
        item = _item(stack, event["request"]["userAttributes"]["sub"])
        assert item is not None
        assert item["userpool_id"]["S"] == event["userPoolId"]
        assert item["source"]["S"] == source

    return check


def _expired_record_of_new_user(stack: StackHarness, event: Any) -> Any:
    """A user of the deployed pool whose record is the event's old image."""
    pool = Pool(stack)
    user = pool.create_user("ada@example.com")
    for record in event["Records"]:
        image = record["dynamodb"]["OldImage"]
        image.update(
            {"sub": {"S": user["sub"]}, "username": {"S": user["username"]}, "userpool_id": {"S": pool.id}}
        )
        record["dynamodb"]["Keys"] = {"sub": {"S": user["sub"]}}
    return event


def _user_enabled(stack: StackHarness, event: Any) -> bool:
    image = event["Records"][0]["dynamodb"]["OldImage"]
    pool = Pool(stack)
    return pool.enabled(image["username"]["S"])


def _disabled(stack: StackHarness, event: Any, outcome: Outcome) -> None:
    assert outcome.error is None
    assert outcome.result == {"batchItemFailures": []}
    assert not _user_enabled(stack, event)


def _refused_not_a_ttl_delete(stack: StackHarness, event: Any, outcome: Outcome) -> None:
    # Invoked directly, past the mapping's filter: the disabler still refuses a delete TTL did not make.
    # Every record of the batch failed, so Powertools fails the invocation (Lambda then bisects it).
    assert type(outcome.error).__name__ == "BatchProcessingError"
    reasons = [type(error).__name__ for _, error, _ in getattr(outcome.error, "child_exceptions", [])]
    assert reasons == ["NotATtlRemovalError"]
    assert _user_enabled(stack, event)


def _expired_user(stack: StackHarness, event: Any) -> Any:
    event = _trigger_for_new_user(stack, event)
    sub = event["request"]["userAttributes"]["sub"]
    item = {
        "sub": {"S": sub},
        "timestamp": {"S": "2025-01-01T00:00:00+00:00"},
        "username": {"S": event["userName"]},
        "userpool_id": {"S": event["userPoolId"]},
        "ttl": {"N": "1743465600"},  # 2025-04-01: long past
        "source": {"S": "sign-in"},
    }
    stack.client("dynamodb").put_item(TableName=stack.ref("InactivityTable"), Item=item)
    return event


def _sign_in_refused(stack: StackHarness, event: Any, outcome: Outcome) -> None:
    assert type(outcome.error).__name__ == "InactiveAccountError"
    assert "re-enable" in str(outcome.error)


def _pool_with_users(stack: StackHarness, event: Any) -> Any:
    pool = Pool(stack)
    for i in range(3):
        pool.create_user(f"user{i}@example.com")
    return {**event, "pool_arn": stack.attr("UserPool", "Arn")}


def _first_page_backfilled(stack: StackHarness, event: Any, outcome: Outcome) -> None:
    assert outcome.error is None
    assert outcome.result["created"] == 3
    assert "pagination_token" not in outcome.result  # one page holds them all
    users = Pool(stack).idp.list_users(UserPoolId=stack.ref("UserPool"))["Users"]
    subs = [next(a["Value"] for a in u["Attributes"] if a["Name"] == "sub") for u in users]
    assert all(_item(stack, sub) is not None for sub in subs)


CASES: dict[tuple[str, str], EventCase] = {
    ("signin_recorder", "post_authentication"): EventCase(_recorded("sign-in"), _trigger_for_new_user),
    ("signin_recorder", "post_confirmation"): EventCase(_recorded("sign-up"), _trigger_for_new_user),
    ("user_disabler", "ttl_expired"): EventCase(_disabled, _expired_record_of_new_user),
    ("user_disabler", "manual_delete"): EventCase(_refused_not_a_ttl_delete, _expired_record_of_new_user),
    ("inactivity_guard", "pre_authentication"): EventCase(_sign_in_refused, _expired_user),
    ("backfill_users", "first_page"): EventCase(_first_page_backfilled, _pool_with_users),
}
