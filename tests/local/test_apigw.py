"""The local API: SAM's LocalApigwService on loopback, with the Cognito authorizer check SAM skips.

A small fixture template (a REST API with a Cognito DefaultAuthorizer, one route opted out with
`Authorizer: NONE`) is deployed into moto's server; requests go over HTTP to the local API and the
function runs in-process. Tokens are issued by moto's Cognito, or forged to break one rule at a time.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from moto.server import ThreadedMotoServer
from moto.utilities.utils import load_resource

from stratus_local.apigw import LocalApi, api_routes
from stratus_local.authorizer import api_gateway_claims, pool_id_from_arn, require_loopback
from stratus_local.deployer import DeployedStack, deploy
from stratus_local.runner import LoadedFunction
from stratus_local.template import Resolver, translate

FIXTURE = Path(__file__).parent / "fixtures" / "apigw" / "template.yaml"
USER = "ada@example.com"
PASSWORD = "Correct-Horse-9-Battery"
OTHER_POOL_ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_other"


@dataclass
class Setup:
    api: LocalApi
    stack: DeployedStack
    endpoint: str
    invoked: list[dict[str, Any]] = field(default_factory=list)

    @property
    def pool_id(self) -> str:
        return str(self.stack.outputs["UserPoolId"])

    @property
    def client_id(self) -> str:
        return str(self.stack.outputs["UserPoolClientId"])

    def cognito(self) -> Any:
        return boto3.client(
            "cognito-idp",
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def sign_in(self) -> dict[str, str]:
        result = self.cognito().initiate_auth(
            ClientId=self.client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": USER, "PASSWORD": PASSWORD},
        )
        tokens: dict[str, str] = result["AuthenticationResult"]
        return tokens

    def issuer(self, pool_id: str | None = None) -> str:
        return f"https://cognito-idp.us-east-1.amazonaws.com/{pool_id or self.pool_id}"


@pytest.fixture(scope="module")
def setup() -> Iterator[Setup]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    # A stack name of its own: moto keeps state per process, other suites deploy "stratus-local".
    stack = deploy(translate(FIXTURE), endpoint_url=endpoint, stack_name="apigw-test")
    functions = {lid: LoadedFunction(spec) for lid, spec in stack.functions.items()}
    invoked: list[dict[str, Any]] = []

    def invoke(logical_id: str, event: Any) -> Any:
        invoked.append(event)
        return functions[logical_id].invoke(event)

    api = LocalApi(stack, invoke, endpoint_url=endpoint).start()
    found = Setup(api, stack, endpoint, invoked)
    idp = found.cognito()
    idp.admin_create_user(UserPoolId=found.pool_id, Username=USER, MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=found.pool_id, Username=USER, Password=PASSWORD, Permanent=True)
    try:
        yield found
    finally:
        api.stop()
        server.stop()


def call(url: str, token: str | None = None, header: str = "Authorization") -> tuple[int, Any]:
    assert url.startswith("http://127.0.0.1:")
    request = urllib.request.Request(url, headers={header: token} if token is not None else {})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback URL
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def moto_signed(claims: dict[str, Any]) -> str:
    """A token signed with the key moto's Cognito signs with (its JWKS verifies it)."""
    key = jwt.PyJWK(load_resource("cognitoidp/resources/jwks-private.json"))
    return jwt.encode(claims, key.key, algorithm="RS256", headers={"kid": "dummy"})


def id_claims(setup: Setup, **overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "iss": setup.issuer(),
        "sub": "9f1c2d3e",
        "aud": setup.client_id,
        "token_use": "id",
        "iat": now,
        "auth_time": now,
        "exp": now + 3600,
        "email": USER,
    }
    claims.update(overrides)
    return claims


def test_signed_in_user_reaches_the_function_with_claims(setup: Setup) -> None:
    # Given a user signed in through the pool's API
    tokens = setup.sign_in()

    # When the authorized route is called with the ID token
    status, body = call(f"{setup.api.url}/hello/ada?page=2", tokens["IdToken"])

    # Then the function ran and saw the claims as API Gateway hands them on
    assert status == 200
    assert body["pathParameters"] == {"name": "ada"}
    assert body["query"] == {"page": "2"}
    claims = body["claims"]
    assert claims["email"] == USER
    assert claims["token_use"] == "id"
    assert claims["aud"] == setup.client_id
    assert claims["exp"].endswith(time.strftime("UTC %Y", time.gmtime()))


def test_no_token_is_refused_before_the_function_runs(setup: Setup) -> None:
    before = len(setup.invoked)

    status, body = call(f"{setup.api.url}/hello/ada")

    assert (status, body) == (401, {"message": "Unauthorized"})
    assert len(setup.invoked) == before


def test_token_signed_with_another_key_is_refused(setup: Setup) -> None:
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(id_claims(setup), stranger, algorithm="RS256", headers={"kid": "dummy"})

    assert call(f"{setup.api.url}/hello/ada", forged) == (401, {"message": "Unauthorized"})


def test_forged_token_helper_is_accepted_when_every_claim_is_right(setup: Setup) -> None:
    # The refusals below break one rule each; this shows the rest of such a token passes.
    status, body = call(f"{setup.api.url}/hello/ada", moto_signed(id_claims(setup)))

    assert status == 200
    assert body["claims"]["sub"] == "9f1c2d3e"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        pytest.param(
            {"iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_other"},
            "Unauthorized",
            id="issuer",
        ),
        pytest.param({"aud": "not-a-client-of-the-pool"}, "Unauthorized", id="audience"),
        pytest.param({"token_use": "access"}, "Unauthorized", id="token-use"),
        pytest.param({"exp": int(time.time()) - 5}, "The incoming token has expired", id="expired"),
    ],
)
def test_token_breaking_one_rule_is_refused(setup: Setup, overrides: dict[str, Any], message: str) -> None:
    token = moto_signed(id_claims(setup, **overrides))

    assert call(f"{setup.api.url}/hello/ada", token) == (401, {"message": message})


def test_access_token_is_not_enough_for_a_route_without_scopes(setup: Setup) -> None:
    tokens = setup.sign_in()

    assert call(f"{setup.api.url}/hello/ada", tokens["AccessToken"])[0] == 401


def test_route_opted_out_of_the_authorizer_needs_no_token(setup: Setup) -> None:
    status, body = call(f"{setup.api.url}/public")

    assert status == 200
    assert body["claims"] is None


def test_api_answers_at_its_root_as_sam_local_does(setup: Setup) -> None:
    tokens = setup.sign_in()

    status, body = call(f"{setup.api.base_url}/hello/root", f"Bearer {tokens['IdToken']}")

    assert status == 200
    assert body["path"] == "/hello/root"


def test_unhandled_function_error_is_answered_as_sam_local_does(setup: Setup) -> None:
    # samcli answers a function error with 500 (API Gateway itself says 502); an error escaping the
    # runner adapter instead would reach Flask's handler and come back as 502.
    tokens = setup.sign_in()

    assert call(f"{setup.api.url}/hello/boom", tokens["IdToken"]) == (
        500,
        {"message": "Internal server error"},
    )


def test_claims_rendered_as_api_gateway_strings() -> None:
    claims = api_gateway_claims(
        {
            "exp": 1513495692,
            "iat": 1513492092,
            "auth_time": 1513492092,
            "email_verified": True,
            "cognito:groups": ["a", "b"],
        }
    )

    assert claims == {
        "exp": "Sun Dec 17 07:28:12 UTC 2017",
        "iat": "Sun Dec 17 06:28:12 UTC 2017",
        "auth_time": "1513492092",
        "email_verified": "true",
        "cognito:groups": "a,b",
    }


def test_keys_are_only_fetched_from_loopback() -> None:
    assert require_loopback("http://127.0.0.1:4566/") == "http://127.0.0.1:4566"
    with pytest.raises(ValueError, match="loopback"):
        require_loopback("https://cognito-idp.us-east-1.amazonaws.com")


def test_pool_id_from_arn() -> None:
    assert (
        pool_id_from_arn("arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_abc")
        == "us-east-1_abc"
    )
    with pytest.raises(ValueError, match="not a user pool"):
        pool_id_from_arn("arn:aws:sqs:us-east-1:123456789012:queue")


@pytest.mark.parametrize(("enabled", "expected"), [("true", True), ("false", False)])
def test_conditional_route_is_served_only_when_its_condition_holds(enabled: str, expected: bool) -> None:
    translated = translate(FIXTURE, {"EnableExtra": enabled})
    resolver = Resolver(
        translated.template,
        parameters={"EnableExtra": enabled},
        attrs={"UserPool.Arn": "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_pool"},
    )

    found = api_routes(translated, resolver)

    paths = {(route.path, method) for route in found.api.routes for method in route.methods}
    assert (("/extra", "POST") in paths) is expected
    assert (("/extra", "POST") in found.cognito) is expected
    assert found.cognito[("/hello/{name}", "GET")].authorizer.pool_ids == ("us-east-1_pool",)
    assert ("/public", "GET") not in found.cognito
