"""Read `template.yaml`, translate it with samtranslator, and resolve intrinsic functions.

The same translation feeds `make lint` (cfn-lint on the translated template catches what
`sam validate --lint` misses), the function harness in the tests and the local cloud's deployer.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from samcli.yamlhelper import yaml_parse
from samtranslator.translator.transform import transform

LOCAL_ARTIFACT_BUCKET = "stratus-local-artifacts"
_URI_PROPERTIES = {
    "AWS::Serverless::Function": "CodeUri",
    "AWS::Serverless::LayerVersion": "ContentUri",
    "AWS::Serverless::StateMachine": "DefinitionUri",
}


class TemplateError(Exception):
    """The template cannot be translated or a value in it cannot be resolved."""


class _OfflinePolicyLoader:
    """samtranslator asks IAM for managed policy ARNs; answer from the names without a call."""

    def load(self) -> dict[str, str]:
        return _ManagedPolicyMap()


class _ManagedPolicyMap(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return f"arn:aws:iam::aws:policy/{key}"

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and not key.startswith("arn:")

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        if key in self:
            return self[key]
        return default


def load(path: str | Path) -> dict[str, Any]:
    """Parse a CloudFormation/SAM YAML template (short-form intrinsics included)."""
    parsed = yaml_parse(Path(path).read_text())
    if not isinstance(parsed, dict):
        raise TemplateError(f"{path} is not a template")
    return parsed


@dataclass
class Translated:
    """A translated template plus the local folders its artifacts came from."""

    template: dict[str, Any]
    source_dir: Path
    # logical id of the SAM resource -> local folder or file (CodeUri, ContentUri, DefinitionUri)
    artifacts: dict[str, Path] = field(default_factory=dict)

    @property
    def resources(self) -> dict[str, Any]:
        resources: dict[str, Any] = self.template["Resources"]
        return resources

    def of_type(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return {lid: res for lid, res in self.resources.items() if res.get("Type") == resource_type}

    def code_dir(self, function_logical_id: str) -> Path:
        return self.artifacts[function_logical_id]


def translate(
    path: str | Path, parameter_values: Mapping[str, Any] | None = None, region: str = "us-east-1"
) -> Translated:
    """Translate a SAM template offline; local artifact paths become placeholder S3 locations."""
    path = Path(path)
    template = load(path)
    artifacts: dict[str, Path] = {}
    for logical_id, resource in template.get("Resources", {}).items():
        prop = _URI_PROPERTIES.get(resource.get("Type", ""))
        uri = resource.get("Properties", {}).get(prop) if prop else None
        if isinstance(uri, str) and not uri.startswith("s3://"):
            artifacts[logical_id] = (path.parent / uri).resolve()
            resource["Properties"][prop] = f"s3://{LOCAL_ARTIFACT_BUCKET}/{logical_id}"
    params = {"AWS::Region": region, **(parameter_values or {})}
    # samtranslator reads the region from a boto session; give it one without touching AWS.
    previous = os.environ.get("AWS_DEFAULT_REGION")
    os.environ["AWS_DEFAULT_REGION"] = region
    try:
        output = transform(copy.deepcopy(template), params, _OfflinePolicyLoader())  # type: ignore[arg-type]
    except Exception as exc:
        raise TemplateError(f"samtranslator failed: {exc}") from exc
    finally:
        if previous is None:
            os.environ.pop("AWS_DEFAULT_REGION", None)
        else:
            os.environ["AWS_DEFAULT_REGION"] = previous
    return Translated(template=output, source_dir=path.parent.resolve(), artifacts=artifacts)


NO_VALUE = object()


@dataclass
class Resolver:
    """Resolves Ref, GetAtt, Sub, Join, If and friends against known values.

    `refs` maps a logical id or parameter name to what `Ref` returns; `attrs` maps
    "LogicalId.Attribute" to what `Fn::GetAtt` returns. Anything unknown raises TemplateError naming it.
    """

    template: Mapping[str, Any]
    parameters: Mapping[str, Any] = field(default_factory=dict)
    refs: dict[str, Any] = field(default_factory=dict)
    attrs: dict[str, Any] = field(default_factory=dict)
    region: str = "us-east-1"
    account_id: str = "123456789012"
    stack_name: str = "stratus-local"
    on_missing: Callable[[str], Any] | None = None

    def __post_init__(self) -> None:
        self._conditions: dict[str, bool] = {}

    def parameter(self, name: str) -> Any:
        spec = self.template.get("Parameters", {}).get(name)
        if spec is None:
            raise TemplateError(f"unknown parameter {name}")
        value = self.parameters.get(name, spec.get("Default"))
        if value is None:
            raise TemplateError(f"parameter {name} has no value and no default")
        if spec.get("Type") == "CommaDelimitedList" and isinstance(value, str):
            return [v.strip() for v in value.split(",")] if value else [""]
        return value

    def condition(self, name: str) -> bool:
        if name not in self._conditions:
            expr = self.template.get("Conditions", {}).get(name)
            if expr is None:
                raise TemplateError(f"unknown condition {name}")
            self._conditions[name] = bool(self.resolve(expr))
        return self._conditions[name]

    def ref(self, name: str) -> Any:
        pseudo = {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account_id,
            "AWS::StackName": self.stack_name,
            "AWS::StackId": self._arn("cloudformation", f"stack/{self.stack_name}/local"),
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::NoValue": NO_VALUE,
        }
        if name in pseudo:
            return pseudo[name]
        if name in self.refs:
            return self.refs[name]
        if name in self.template.get("Parameters", {}):
            return self.parameter(name)
        return self._missing(f"Ref {name}")

    def _arn(self, service: str, resource: str) -> str:
        return f"arn:aws:{service}:{self.region}:{self.account_id}:{resource}"

    def get_att(self, logical_id: str, attribute: str) -> Any:
        key = f"{logical_id}.{attribute}"
        if key in self.attrs:
            return self.attrs[key]
        return self._missing(f"GetAtt {key}")

    def _missing(self, what: str) -> Any:
        if self.on_missing is not None:
            return self.on_missing(what)
        raise TemplateError(f"cannot resolve {what}")

    def resolve(self, value: Any) -> Any:  # noqa: PLR0911, PLR0912
        if isinstance(value, list):
            items = [self.resolve(v) for v in value]
            return [v for v in items if v is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Ref":
                return self.ref(arg)
            if key == "Fn::GetAtt":
                logical_id, attribute = arg.split(".", 1) if isinstance(arg, str) else arg
                return self.get_att(logical_id, self.resolve(attribute))
            if key == "Fn::Sub":
                return self._sub(arg)
            if key == "Fn::Join":
                sep, items = arg
                return self.resolve(sep).join(str(v) for v in self.resolve(items))
            if key == "Fn::Select":
                index, items = arg
                return self.resolve(items)[int(self.resolve(index))]
            if key == "Fn::Split":
                sep, text = arg
                return str(self.resolve(text)).split(self.resolve(sep))
            if key == "Fn::If":
                name, when_true, when_false = arg
                return self.resolve(when_true if self.condition(name) else when_false)
            if key == "Fn::Equals":
                left, right = (self.resolve(v) for v in arg)
                return str(left) == str(right)
            if key == "Fn::Not":
                return not self.resolve(arg[0])
            if key == "Fn::And":
                return all(self.resolve(v) for v in arg)
            if key == "Fn::Or":
                return any(self.resolve(v) for v in arg)
            if key == "Condition":
                return self.condition(arg)
            if key == "Fn::ToJsonString":
                return json.dumps(self.resolve(arg))
            if key == "Fn::GetAZs":
                return [f"{self.region}a", f"{self.region}b"]
            if key == "Fn::FindInMap":
                name, top, second = (self.resolve(v) for v in arg)
                return self.template["Mappings"][name][top][second]
        resolved = {k: self.resolve(v) for k, v in value.items()}
        return {k: v for k, v in resolved.items() if v is not NO_VALUE}

    def _sub(self, arg: Any) -> str:
        text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], self.resolve(arg[1]))
        out, i = [], 0
        while i < len(text):
            start = text.find("${", i)
            if start < 0:
                out.append(text[i:])
                break
            out.append(text[i:start])
            end = text.index("}", start)
            name = text[start + 2 : end]
            if name.startswith("!"):
                out.append("${" + name[1:] + "}")
            elif name in variables:
                out.append(str(variables[name]))
            elif "." in name:
                logical_id, attribute = name.split(".", 1)
                out.append(str(self.get_att(logical_id, attribute)))
            else:
                out.append(str(self.ref(name)))
            i = end + 1
        return "".join(out)
