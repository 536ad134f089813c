"""What each event file in events/ must do when its function is invoked with it.

Every `events/<function>/<case>.json` needs an entry here: `prepare` puts the stack in the state the
event assumes (a user in the pool, an item in a table) and may rewrite ids the event cannot know in
advance (moto generates pool ids); `check` asserts the outcome a user would notice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.support.harness import StackHarness

Prepare = Callable[[StackHarness, Any], Any]
Check = Callable[[StackHarness, Any, "Outcome"], None]


@dataclass
class Outcome:
    """What the invoke returned, or the error the function let out."""

    result: Any = None
    error: BaseException | None = None


@dataclass(frozen=True)
class EventCase:
    check: Check
    prepare: Prepare | None = None


# Parameters that switch every capability on, so every function in the template is deployed.
ALL_CAPABILITIES: dict[str, str] = {
    "EnableInactiveUserRemediation": "true",
    "StrictInactivityMode": "true",
    "EnableStreamReplication": "true",
    "EnableCounters": "true",
    "EnableWebApp": "true",
    "EnableWebhooks": "true",
    "EnableInboundWebhooks": "true",
    "WebhookOperatorTenantId": "stratus-operators",
    "EnableDocumentChat": "true",
    "DocumentChatMode": "offline",
    "EnableMarkdownDocuments": "true",
}

# (function folder, case name) -> EventCase
CASES: dict[tuple[str, str], EventCase] = {}

# Each capability keeps its cases beside its own tests and registers them here.
from tests.integration.remediation.event_cases import CASES as _REMEDIATION_CASES  # noqa: E402

CASES.update(_REMEDIATION_CASES)

from tests.integration.replication.event_cases import CASES as _REPLICATION_CASES  # noqa: E402

CASES.update(_REPLICATION_CASES)

from tests.integration.webapp.event_cases import CASES as _WEBAPP_CASES  # noqa: E402

CASES.update(_WEBAPP_CASES)

from tests.integration.webhooks.event_cases import CASES as _WEBHOOK_CASES  # noqa: E402

CASES.update(_WEBHOOK_CASES)

from tests.integration.documents.event_cases import CASES as _DOCUMENT_CASES  # noqa: E402

CASES.update(_DOCUMENT_CASES)

from tests.integration.documents_chat.event_cases import CASES as _CHAT_CASES  # noqa: E402

CASES.update(_CHAT_CASES)
from tests.integration.webhooks_in.event_cases import CASES as _WEBHOOKS_IN_CASES  # noqa: E402

CASES.update(_WEBHOOKS_IN_CASES)

from tests.integration.markdown_documents.event_cases import CASES as _MARKDOWN_CASES  # noqa: E402

CASES.update(_MARKDOWN_CASES)
