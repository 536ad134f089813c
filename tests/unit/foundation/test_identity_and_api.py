"""Identity from verified claims, and the HTTP answers every REST handler shares."""

from __future__ import annotations

import json
from typing import Annotated, Any

import pytest
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.params import Body
from pydantic import BaseModel, Field

from stratus_shared.api import TooManyRequestsError, caller, require_group, rest_resolver
from stratus_shared.identity import NotAuthenticatedError, caller_from_claims, caller_from_event, parse_groups


@pytest.mark.parametrize(
    ("value", "groups"),
    [
        ("stratus-admin", {"stratus-admin"}),
        ("stratus-admin,ops", {"stratus-admin", "ops"}),
        ("[stratus-admin ops]", {"stratus-admin", "ops"}),
        ("[stratus-admin, ops]", {"stratus-admin", "ops"}),
        (["stratus-admin", "ops"], {"stratus-admin", "ops"}),
        ("", set()),
        (None, set()),
    ],
)
def test_groups_claim_in_every_shape_api_gateway_sends(value: Any, groups: set[str]) -> None:
    assert parse_groups(value) == groups


def test_tenant_is_the_tenant_claim_when_present_else_the_user() -> None:
    assert caller_from_claims({"sub": "u-1"}).tenant_id == "u-1"
    assert caller_from_claims({"sub": "u-1", "custom:tenant_id": "acme"}).tenant_id == "acme"


def test_a_tenant_claim_that_cannot_be_a_key_is_refused() -> None:
    with pytest.raises(NotAuthenticatedError):
        caller_from_claims({"sub": "u-1", "custom:tenant_id": "../other#x"})


def test_no_verified_sub_is_not_a_caller() -> None:
    with pytest.raises(NotAuthenticatedError):
        caller_from_claims({"email": "a@example.com"})
    with pytest.raises(NotAuthenticatedError):
        caller_from_event({"requestContext": {}})


def test_http_api_jwt_claims_are_read_too() -> None:
    event = {"requestContext": {"authorizer": {"jwt": {"claims": {"sub": "u-2", "cognito:groups": "[a b]"}}}}}
    who = caller_from_event(event)
    assert (who.sub, who.groups) == ("u-2", frozenset({"a", "b"}))


class Thing(BaseModel):
    name: str = Field(min_length=1, max_length=10)
    size: int = Field(ge=1)


app = rest_resolver()


@app.post("/things")
def create(thing: Annotated[Thing, Body()]) -> dict[str, Any]:
    return {"owner": caller(app).tenant_id, "name": thing.name}


@app.get("/things/<thing_id>")
def read(thing_id: str) -> dict[str, Any]:
    raise NotFoundError(f"thing {thing_id} not found")


@app.get("/admin")
def admin() -> dict[str, Any]:
    return {"admin": require_group(app, "stratus-admin").sub}


@app.post("/busy")
def busy() -> dict[str, Any]:
    raise TooManyRequestsError("publish quota exceeded", 12)


def _event(method: str, path: str, body: Any = None, claims: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "httpMethod": method,
        "path": path,
        "resource": path,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(body) if body is not None else None,
        "requestContext": {"authorizer": {"claims": claims}} if claims else {},
    }


def _call(event: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, Any]]:
    response = app.resolve(event, None)  # type: ignore[arg-type]
    headers = response.get("multiValueHeaders") or {}
    return response["statusCode"], json.loads(response["body"]), headers


def test_invalid_body_is_a_400_naming_each_field() -> None:
    status, body, _ = _call(_event("POST", "/things", {"name": "", "size": 0}, {"sub": "u-1"}))
    assert status == 400
    assert "name:" in body["message"]
    assert "size:" in body["message"]


def test_valid_body_reaches_the_route_with_the_caller() -> None:
    status, body, _ = _call(_event("POST", "/things", {"name": "a", "size": 1}, {"sub": "u-1"}))
    assert (status, body) == (200, {"owner": "u-1", "name": "a"})


def test_no_claims_is_401() -> None:
    status, body, _ = _call(_event("POST", "/things", {"name": "a", "size": 1}))
    assert (status, body["message"]) == (401, "Unauthorized")


def test_not_found_is_404_with_a_message() -> None:
    status, body, _ = _call(_event("GET", "/things/x1", claims={"sub": "u"}))
    assert (status, body["message"]) == (404, "thing x1 not found")


def test_group_routes_refuse_non_members_with_403() -> None:
    assert _call(_event("GET", "/admin", claims={"sub": "u"}))[0] == 403
    status, body, _ = _call(_event("GET", "/admin", claims={"sub": "u", "cognito:groups": "stratus-admin"}))
    assert (status, body) == (200, {"admin": "u"})


def test_too_many_requests_says_when_to_retry() -> None:
    status, _, headers = _call(_event("POST", "/busy", claims={"sub": "u"}))
    assert status == 429
    assert headers["Retry-After"] == ["12"]
