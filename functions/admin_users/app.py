"""GET /admin/users and POST /admin/users/{username}/enable: the operators' users view (admin group only)."""

from datetime import UTC, datetime
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from dal import AdminDirectory, InactivityRecords
from logic import enable_user, list_users
from models import AdminUsersPage, AdminUsersSettings, EnabledUser, UserNotFoundError

from stratus_shared.api import require_group, rest_resolver
from stratus_shared.config import load_settings
from stratus_shared.observability import logger, metrics, tracer

app = rest_resolver()


def _records(settings: AdminUsersSettings) -> InactivityRecords | None:
    return InactivityRecords(settings.inactivity_table_name) if settings.inactivity_table_name else None


@app.get("/admin/users")
def get_users(
    limit: Annotated[int, Query(ge=1, le=60)] = 60,
    nextToken: Annotated[str | None, Query(max_length=4096)] = None,
) -> AdminUsersPage:
    settings = load_settings(AdminUsersSettings)
    require_group(app, settings.admin_group_name)
    return list_users(
        AdminDirectory(settings.user_pool_id),
        _records(settings),
        admin_group=settings.admin_group_name,
        exempt_group=settings.exempt_group_name,
        limit=limit,
        next_token=nextToken,
    )


@app.post("/admin/users/<username>/enable")
def post_enable(username: Annotated[str, Path(min_length=1, max_length=128)]) -> EnabledUser:
    settings = load_settings(AdminUsersSettings)
    operator = require_group(app, settings.admin_group_name)
    enabled = enable_user(
        AdminDirectory(settings.user_pool_id),
        _records(settings),
        username,
        threshold_days=settings.inactive_threshold_days,
        now=datetime.now(UTC),
    )
    logger.info("user re-enabled", username=enabled.username, operator=operator.sub)
    return enabled


@app.exception_handler(UserNotFoundError)  # type: ignore[untyped-decorator]
def user_not_found(error: UserNotFoundError) -> None:
    raise NotFoundError(f"no user {str(error)[:128]!r} in this stack's pool")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
