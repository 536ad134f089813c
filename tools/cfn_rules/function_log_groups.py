"""cfn-lint rule E9101: every Lambda function logs to a log group of this template that has a retention.

It replaces the serverless rules' WS1004, which only recognises groups named `/aws/lambda/<function>`:
that pattern names the group after the function, so the group can only be created after the function,
and a function that logs first makes Lambda create the group itself (without retention), which then
fails the stack's own create. Stratus points `LoggingConfig.LogGroup` at a group declared before the
function instead; this rule checks exactly that.
"""

from __future__ import annotations

from typing import Any, ClassVar

from cfnlint.rules import CloudFormationLintRule, RuleMatch


class FunctionLogGroupRule(CloudFormationLintRule):  # type: ignore[misc]
    id = "E9101"
    shortdesc = "Function log group with retention, created before the function"
    description = (
        "Every Lambda function sets LoggingConfig.LogGroup to a Ref of an AWS::Logs::LogGroup "
        "in the same template that has RetentionInDays"
    )
    source_url = "https://github.com/stratus/stratus/blob/main/docs/foundation.md"
    tags: ClassVar[list[str]] = ["lambda", "logs"]

    def match(self, cfn: Any) -> list[RuleMatch]:
        matches: list[RuleMatch] = []
        groups = cfn.get_resources(["AWS::Logs::LogGroup"])
        # cfn-lint shows a SAM template's resources before translation, and a translated one after.
        functions = cfn.get_resources(["AWS::Lambda::Function", "AWS::Serverless::Function"])
        for name, function in functions.items():
            logging = (function.get("Properties") or {}).get("LoggingConfig") or {}
            target = logging.get("LogGroup")
            path = ["Resources", name, "Properties", "LoggingConfig"]
            if not isinstance(target, dict) or set(target) != {"Ref"}:
                message = f"{name}: LoggingConfig.LogGroup must be a Ref to a log group"
                matches.append(RuleMatch(path, message))
                continue
            group = groups.get(target["Ref"])
            if group is None:
                message = f"{name}: {target['Ref']} is not a log group of this template"
                matches.append(RuleMatch(path, message))
            elif "RetentionInDays" not in (group.get("Properties") or {}):
                matches.append(RuleMatch(path, f"{name}: log group {target['Ref']} has no RetentionInDays"))
        return matches
