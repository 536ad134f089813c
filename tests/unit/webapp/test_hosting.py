"""The web app's hosting as the translated template declares it, and the local server that mirrors it."""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any

import pytest

from stratus_local.webapp import local_csp
from tests.support.harness import translated_template

ON = {"EnableWebApp": "true"}


def _resources(parameters: dict[str, str] | None = None) -> dict[str, Any]:
    return translated_template(parameters or ON).resources


def test_the_bucket_is_private_and_read_only_by_this_distribution() -> None:
    resources = _resources()
    bucket = resources["WebBucket"]["Properties"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    statements = resources["WebBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    tls = next(s for s in statements if s["Effect"] == "Deny")
    assert tls["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    allow = next(s for s in statements if s["Effect"] == "Allow")
    assert allow["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert allow["Action"] == "s3:GetObject"
    assert "WebDistribution" in json.dumps(allow["Condition"])
    origin = resources["WebDistribution"]["Properties"]["DistributionConfig"]["Origins"][0]
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": ["WebOriginAccessControl", "Id"]}


def test_the_api_is_under_api_with_authorization_forwarded_and_nothing_cached() -> None:
    resources = _resources()
    config = resources["WebDistribution"]["Properties"]["DistributionConfig"]
    api = next(b for b in config["CacheBehaviors"] if b["PathPattern"] == "/api/*")
    origin = next(o for o in config["Origins"] if o["Id"] == api["TargetOriginId"])
    assert origin["OriginPath"] == "/v1"
    assert origin["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    cache = resources["WebApiCachePolicy"]["Properties"]["CachePolicyConfig"]
    assert cache["ParametersInCacheKeyAndForwardedToOrigin"]["HeadersConfig"]["Headers"] == ["Authorization"]
    assert cache["DefaultTTL"] == 0
    assert {"POST", "PATCH", "DELETE"} <= set(api["AllowedMethods"])
    assert config["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "redirect-to-https"


def test_the_csp_is_strict() -> None:
    policy = _resources()["WebHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"]
    csp = json.dumps(policy["SecurityHeadersConfig"]["ContentSecurityPolicy"])
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    for directive in (
        "default-src 'none'",
        "script-src 'self'",
        "frame-ancestors 'none'",
        "object-src 'none'",
    ):
        assert directive in csp
    hsts = policy["SecurityHeadersConfig"]["StrictTransportSecurity"]
    assert hsts["AccessControlMaxAgeSec"] >= 31536000


def _run_function(code: str, uri: str) -> str:
    script = code + f"\nconsole.log(handler({{request: {{uri: {json.dumps(uri)}}}}}).uri);"
    return subprocess.run(  # noqa: S603
        [str(shutil.which("node")), "-e", script], capture_output=True, text=True, check=True
    ).stdout.strip()


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_the_cloudfront_functions_route_app_paths_and_strip_api() -> None:
    resources = _resources()
    router = resources["WebRouterFunction"]["Properties"]["FunctionCode"]
    assert _run_function(router, "/documents") == "/index.html"
    assert _run_function(router, "/chat/abc-123") == "/index.html"
    assert _run_function(router, "/assets/index-abc.js") == "/assets/index-abc.js"
    assert _run_function(router, "/config.json") == "/config.json"
    strip = resources["WebApiPathFunction"]["Properties"]["FunctionCode"]
    assert _run_function(strip, "/api/counters") == "/counters"
    assert _run_function(strip, "/api/admin/users/a/enable") == "/admin/users/a/enable"
    assert _run_function(strip, "/apiary") == "/apiary"


def test_the_local_csp_points_aws_endpoints_at_the_local_cloud() -> None:
    deployed = (
        "default-src 'none'; script-src 'self'; "
        "connect-src 'self' https://cognito-idp.us-east-1.amazonaws.com "
        "https://*.s3.us-east-1.amazonaws.com https://*.s3.amazonaws.com; frame-ancestors 'none'"
    )
    local = local_csp(deployed, "http://127.0.0.1:4566")
    assert "connect-src 'self' http://127.0.0.1:4566;" in local
    assert "amazonaws" not in local
    assert "script-src 'self'" in local
