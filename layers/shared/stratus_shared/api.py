"""What every REST handler shares: the resolver, how errors become HTTP answers, and the caller.

Handlers raise Powertools' own HTTP errors (`BadRequestError`, `NotFoundError`, `ForbiddenError`,
`RequestEntityTooLargeError`, `ServiceUnavailableError`, or `ServiceError(status, message)`), which
answer `{"statusCode": N, "message": "..."}`, or the two below that need more than a status.
Validation failures answer 400 with a message naming each field (Powertools' default is a 422 that
names no field).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import ForbiddenError, ServiceError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

from stratus_shared.identity import Caller, NotAuthenticatedError, caller_from_event


class TooManyRequestsError(Exception):
    """429 with `Retry-After` (whole seconds)."""

    def __init__(self, message: str, retry_after_seconds: int) -> None:
        super().__init__(message)
        self.retry_after_seconds = max(1, int(retry_after_seconds))


class ConflictError(ServiceError):
    """409: the request clashes with the resource's current state."""

    def __init__(self, msg: str) -> None:
        super().__init__(409, msg)


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response[Any]:
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body={"statusCode": status, "message": message},
        headers=headers,
    )


def validation_message(error: RequestValidationError) -> str:
    """`url: Input should be a valid URL; eventTypes.0: ...` (body/query/path prefixes dropped)."""
    problems = []
    for problem in error.errors():
        location = [
            str(part) for part in problem.get("loc", ()) if part not in {"query", "body", "path", "header"}
        ]
        problems.append(f"{'.'.join(location) or 'request'}: {problem.get('msg', 'invalid')}")
    return "; ".join(problems)


def rest_resolver(**kwargs: Any) -> APIGatewayRestResolver:
    """An APIGatewayRestResolver with validation on and Stratus's error answers registered."""
    app = APIGatewayRestResolver(enable_validation=True, **kwargs)

    @app.exception_handler(RequestValidationError)  # type: ignore[untyped-decorator]
    def _invalid(error: RequestValidationError) -> Response[Any]:
        return error_response(400, validation_message(error))

    @app.exception_handler(TooManyRequestsError)  # type: ignore[untyped-decorator]
    def _too_many(error: TooManyRequestsError) -> Response[Any]:
        return error_response(429, str(error), {"Retry-After": str(error.retry_after_seconds)})

    @app.exception_handler(NotAuthenticatedError)  # type: ignore[untyped-decorator]
    def _unauthenticated(error: NotAuthenticatedError) -> Response[Any]:
        return error_response(401, "Unauthorized")

    return app


def caller(app: APIGatewayRestResolver) -> Caller:
    """The signed-in caller of the current request (from the authorizer's verified claims)."""
    return caller_from_event(app.current_event.raw_event)


def require_group(app: APIGatewayRestResolver, group: str) -> Caller:
    """The caller, or 403 unless they belong to `group`."""
    who = caller(app)
    if not who.in_group(group):
        raise ForbiddenError(f"this route is for members of the {group} group")
    return who
