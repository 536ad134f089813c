"""Cognito Lambda triggers around moto's user pools.

moto stores a pool's LambdaConfig but never calls it. This WSGI middleware sits in front of moto's
server and, for the Cognito requests that fire triggers in AWS, builds the trigger event the way
Cognito does (the fields Powertools' `cognito_user_pool_event` data classes read) and runs the
function through the local cloud's router:

- SignUp: PreSignUp_SignUp before the user exists (its `autoConfirmUser` / `autoVerifyEmail` apply);
  a pool with `AllowAdminCreateUserOnly` refuses SignUp as Cognito does.
- AdminCreateUser: PreSignUp_AdminCreateUser before the user is created.
- ConfirmSignUp, AdminConfirmSignUp: PostConfirmation_ConfirmSignUp after the confirmation;
  ConfirmForgotPassword: PostConfirmation_ConfirmForgotPassword.
- InitiateAuth, AdminInitiateAuth (password and SRP flows): PreAuthentication_Authentication before
  the password check of an enabled, confirmed user; PostAuthentication_Authentication once tokens are
  issued (also after RespondToAuthChallenge / AdminRespondToAuthChallenge).

A trigger that raises fails the request like Cognito: `UserLambdaValidationException` with
"<Trigger> failed with error <message>."; a trigger that runs past Cognito's 5 s gives
`UnexpectedLambdaException`.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable
from typing import Any

from stratus_local.server import LambdaRouter, WsgiApp, function_name_of

TRIGGER_TIMEOUT_SECONDS = 5
_PASSWORD_FLOWS = {"USER_PASSWORD_AUTH", "ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH", "USER_SRP_AUTH"}
_SDK_VERSION = "aws-sdk-unknown-unknown"


class TriggerFailed(Exception):
    """A trigger failed; carries the Cognito error the client receives."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message


class CognitoTriggers:
    """WSGI middleware: run a pool's triggers around the moto request that fires them."""

    def __init__(
        self,
        app: WsgiApp,
        *,
        account_id: str,
        region: str,
        router: Callable[[], LambdaRouter | None],
    ) -> None:
        self.app = app
        self.account_id = account_id
        self.region = region
        self._router = router

    # ---- moto state -------------------------------------------------------------------------
    def _backend(self) -> Any:
        from moto.cognitoidp.models import cognitoidp_backends

        return cognitoidp_backends[self.account_id][self.region]

    def _pool_by_client(self, client_id: str) -> Any:
        for pool in self._backend().user_pools.values():
            if client_id in pool.clients:
                return pool
        return None

    def _pool(self, pool_id: str) -> Any:
        return self._backend().user_pools.get(pool_id)

    # ---- WSGI -------------------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        prefix = "AWSCognitoIdentityProviderService."
        action = target[len(prefix) :] if target.startswith(prefix) else ""
        handler = getattr(self, f"_on_{action}", None) if action else None
        if handler is None:
            return self.app(environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        params = json.loads(body or b"{}")

        def forward() -> tuple[str, list[tuple[str, str]], bytes]:
            environ["wsgi.input"] = io.BytesIO(body)
            captured: dict[str, Any] = {}

            def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
                captured["status"], captured["headers"] = status, headers
                return lambda data: None

            chunks = self.app(environ, capture)
            data = b"".join(chunks)
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
            return captured["status"], captured["headers"], data

        try:
            status, headers, data = handler(params, forward)
        except TriggerFailed as failed:
            data = json.dumps({"__type": failed.error_type, "message": failed.message}).encode()
            status = "400 Bad Request"
            headers = [
                ("Content-Type", "application/x-amz-json-1.1"),
                ("x-amzn-ErrorType", failed.error_type),
            ]
        headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
        headers.append(("Content-Length", str(len(data))))
        start_response(status, headers)
        return [data]

    # ---- actions ----------------------------------------------------------------------------
    Forward = Callable[[], tuple[str, list[tuple[str, str]], bytes]]

    def _on_SignUp(self, params: dict[str, Any], forward: Forward) -> Any:
        pool = self._pool_by_client(params.get("ClientId", ""))
        if pool is None:
            return forward()
        if pool.extended_config.get("AdminCreateUserConfig", {}).get("AllowAdminCreateUserOnly"):
            raise TriggerFailed("NotAuthorizedException", "SignUp is not permitted for this user pool")
        attributes = {a["Name"]: a["Value"] for a in params.get("UserAttributes", [])}
        if "email" in pool.extended_config.get("UsernameAttributes", []) and "@" in params.get(
            "Username", ""
        ):
            attributes.setdefault("email", params["Username"])
        response = self._run(
            pool,
            "PreSignUp_SignUp",
            username=params["Username"],
            client_id=params["ClientId"],
            request={
                "userAttributes": attributes,
                "validationData": _attr_map(params.get("ValidationData")),
                "clientMetadata": params.get("ClientMetadata", {}),
            },
            response={"autoConfirmUser": False, "autoVerifyEmail": False, "autoVerifyPhone": False},
        )
        status, headers, data = forward()
        if status.startswith("200") and response:
            data = self._apply_pre_sign_up(pool, data, response)
        return status, headers, data

    def _apply_pre_sign_up(self, pool: Any, data: bytes, response: dict[str, Any]) -> bytes:
        result = json.loads(data)
        user = pool.users.get(result.get("UserSub")) or next(
            (u for u in pool.users.values() if u.id == result.get("UserSub")), None
        )
        if user is None:
            return data
        if response.get("autoVerifyEmail"):
            user.update_attributes([{"Name": "email_verified", "Value": "true"}])
        if response.get("autoVerifyPhone"):
            user.update_attributes([{"Name": "phone_number_verified", "Value": "true"}])
        if response.get("autoConfirmUser"):
            user.status = "CONFIRMED"
            result["UserConfirmed"] = True
        return json.dumps(result).encode()

    def _on_AdminCreateUser(self, params: dict[str, Any], forward: Forward) -> Any:
        pool = self._pool(params.get("UserPoolId", ""))
        if pool is None:
            return forward()
        attributes = _attr_map(params.get("UserAttributes"))
        if "email" in pool.extended_config.get("UsernameAttributes", []) and "@" in params.get(
            "Username", ""
        ):
            attributes.setdefault("email", params["Username"])
        self._run(
            pool,
            "PreSignUp_AdminCreateUser",
            username=params.get("Username", ""),
            client_id="CLIENT_ID_NOT_APPLICABLE",
            request={
                "userAttributes": attributes,
                "validationData": _attr_map(params.get("ValidationData")),
                "clientMetadata": params.get("ClientMetadata", {}),
            },
            response={"autoConfirmUser": False, "autoVerifyEmail": False, "autoVerifyPhone": False},
        )
        return forward()

    def _on_ConfirmForgotPassword(self, params: dict[str, Any], forward: Forward) -> Any:
        pool = self._pool_by_client(params.get("ClientId", ""))
        return self._confirmed(
            pool, params, forward, params.get("ClientId", ""), "PostConfirmation_ConfirmForgotPassword"
        )

    def _on_ConfirmSignUp(self, params: dict[str, Any], forward: Forward) -> Any:
        pool = self._pool_by_client(params.get("ClientId", ""))
        return self._confirmed(
            pool, params, forward, params.get("ClientId", ""), "PostConfirmation_ConfirmSignUp"
        )

    def _on_AdminConfirmSignUp(self, params: dict[str, Any], forward: Forward) -> Any:
        pool = self._pool(params.get("UserPoolId", ""))
        return self._confirmed(
            pool, params, forward, "CLIENT_ID_NOT_APPLICABLE", "PostConfirmation_ConfirmSignUp"
        )

    def _confirmed(
        self, pool: Any, params: dict[str, Any], forward: Forward, client_id: str, source: str
    ) -> Any:
        status, headers, data = forward()
        if pool is None or not status.startswith("200"):
            return status, headers, data
        user = pool._get_user(params.get("Username", ""))
        if user is not None:
            self._run(
                pool,
                source,
                username=user.username,
                client_id=client_id,
                request={
                    "userAttributes": _user_attributes(user),
                    "clientMetadata": params.get("ClientMetadata", {}),
                },
                response={},
            )
        return status, headers, data

    def _on_InitiateAuth(self, params: dict[str, Any], forward: Forward) -> Any:
        pool = self._pool_by_client(params.get("ClientId", ""))
        return self._authenticate(pool, params, forward)

    def _on_AdminInitiateAuth(self, params: dict[str, Any], forward: Forward) -> Any:
        pool = self._pool(params.get("UserPoolId", ""))
        return self._authenticate(pool, params, forward)

    def _authenticate(self, pool: Any, params: dict[str, Any], forward: Forward) -> Any:
        if pool is None or params.get("AuthFlow") not in _PASSWORD_FLOWS:
            return forward()
        username = params.get("AuthParameters", {}).get("USERNAME", "")
        user = pool._get_user(username)
        client_id = params.get("ClientId", "")
        # Cognito reports unknown, disabled and unconfirmed users itself before any trigger runs.
        if user is not None and user.enabled and user.status == "CONFIRMED":
            self._run(
                pool,
                "PreAuthentication_Authentication",
                username=user.username,
                client_id=client_id,
                request={
                    "userAttributes": _user_attributes(user),
                    "validationData": params.get("ClientMetadata", {}),
                    "userNotFound": False,
                },
                response={},
            )
        return self._after_tokens(pool, username, client_id, params, forward())

    def _on_RespondToAuthChallenge(self, params: dict[str, Any], forward: Forward) -> Any:
        pool = self._pool_by_client(params.get("ClientId", ""))
        username = params.get("ChallengeResponses", {}).get("USERNAME", "")
        return self._after_tokens(pool, username, params.get("ClientId", ""), params, forward())

    def _on_AdminRespondToAuthChallenge(self, params: dict[str, Any], forward: Forward) -> Any:
        pool = self._pool(params.get("UserPoolId", ""))
        username = params.get("ChallengeResponses", {}).get("USERNAME", "")
        return self._after_tokens(pool, username, params.get("ClientId", ""), params, forward())

    def _after_tokens(
        self, pool: Any, username: str, client_id: str, params: dict[str, Any], result: Any
    ) -> Any:
        status, _, data = result
        if pool is None or not status.startswith("200") or b"AuthenticationResult" not in data:
            return result
        user = pool._get_user(username)
        if user is not None:
            self._run(
                pool,
                "PostAuthentication_Authentication",
                username=user.username,
                client_id=client_id,
                request={
                    "userAttributes": _user_attributes(user),
                    "newDeviceUsed": False,
                    "clientMetadata": params.get("ClientMetadata", {}),
                },
                response={},
            )
        return result

    # ---- invoking ---------------------------------------------------------------------------
    def _run(
        self,
        pool: Any,
        source: str,
        *,
        username: str,
        client_id: str,
        request: dict[str, Any],
        response: dict[str, Any],
    ) -> dict[str, Any] | None:
        """Invoke the pool's trigger if one is configured; return the trigger's `response`."""
        trigger = source.split("_", 1)[0]  # PreAuthentication_Authentication -> PreAuthentication
        arn = (pool.extended_config.get("LambdaConfig") or {}).get(trigger)
        router = self._router()
        if not arn or router is None:
            return None
        name = function_name_of(arn)
        if not router.knows(name):
            raise TriggerFailed(
                "UnexpectedLambdaException",
                f"{trigger} invocation failed: function {name} is not in the local cloud",
            )
        event = {
            "version": "1",
            "region": self.region,
            "userPoolId": pool.id,
            "userName": username,
            "callerContext": {"awsSdkVersion": _SDK_VERSION, "clientId": client_id},
            "triggerSource": source,
            "request": request,
            "response": response,
        }
        payload, error = router.invoke_sync(name, event, timeout=TRIGGER_TIMEOUT_SECONDS)
        if error:
            message = payload.get("errorMessage", "") if isinstance(payload, dict) else str(payload)
            if isinstance(payload, dict) and payload.get("errorType") == "Sandbox.Timedout":
                raise TriggerFailed(
                    "UnexpectedLambdaException", f"{trigger} invocation failed due to timeout."
                )
            raise TriggerFailed("UserLambdaValidationException", f"{trigger} failed with error {message}.")
        returned = payload.get("response") if isinstance(payload, dict) else None
        return returned if isinstance(returned, dict) else None


def _attr_map(attributes: list[dict[str, str]] | None) -> dict[str, str]:
    return {a["Name"]: a["Value"] for a in attributes or []}


def _user_attributes(user: Any) -> dict[str, str]:
    attributes = {a["Name"]: a["Value"] for a in user.attributes}
    attributes["cognito:user_status"] = user.status
    attributes.setdefault("sub", user.id)
    return attributes
