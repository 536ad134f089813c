"""Upload the built web app to a deployed stack and write its config.json (what `make deploy-web` runs).

Reads the stack's outputs (WebBucketName, WebDistributionId, UserPoolId, UserPoolClientId, AdminGroupName,
WebCognitoDomainUrl, WebIdentityProviderName), uploads frontend/dist with content types and cache
headers (hashed assets cached for a year, index.html and config.json revalidated every time), writes
config.json, removes files of older builds, and invalidates the two files that are not hashed.

    python tools/deploy_web.py --stack-name stratus-dev [--dist frontend/dist]
"""

from __future__ import annotations

import argparse
import json
import mimetypes
import time
from pathlib import Path
from typing import Any

import boto3

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"


def outputs(cloudformation: Any, stack_name: str) -> dict[str, str]:
    stack = cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def app_config(values: dict[str, str], region: str) -> dict[str, Any]:
    """The same keys the local cloud serves (stratus_local.webapp.app_config)."""
    federation = None
    if values.get("WebCognitoDomainUrl") and values.get("WebIdentityProviderName"):
        federation = {"domain": values["WebCognitoDomainUrl"], "provider": values["WebIdentityProviderName"]}
    return {
        "region": region,
        "userPoolId": values["UserPoolId"],
        "clientId": values["UserPoolClientId"],
        "apiPath": "/api",
        "cognitoEndpoint": "",
        "adminGroup": values.get("AdminGroupName", "stratus-admin"),
        "federation": federation,
    }


def upload(s3: Any, bucket: str, dist: Path, config: dict[str, Any]) -> list[str]:
    keys = []
    for file in sorted(p for p in dist.rglob("*") if p.is_file()):
        key = file.relative_to(dist).as_posix()
        kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        cache = IMMUTABLE if key.startswith("assets/") else REVALIDATE
        s3.put_object(Bucket=bucket, Key=key, Body=file.read_bytes(), ContentType=kind, CacheControl=cache)
        keys.append(key)
    body = json.dumps(config, indent=1).encode()
    s3.put_object(
        Bucket=bucket, Key="config.json", Body=body, ContentType="application/json", CacheControl=REVALIDATE
    )
    keys.append("config.json")
    return keys


def remove_stale(s3: Any, bucket: str, keep: set[str]) -> int:
    stale = [
        {"Key": o["Key"]}
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
        for o in page.get("Contents", [])
        if o["Key"] not in keep
    ]
    for start in range(0, len(stale), 1000):
        s3.delete_objects(Bucket=bucket, Delete={"Objects": stale[start : start + 1000]})
    return len(stale)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--stack-name", required=True)
    parser.add_argument("--dist", default="frontend/dist")
    args = parser.parse_args(argv)
    session = boto3.session.Session()
    values = outputs(session.client("cloudformation"), args.stack_name)
    if "WebBucketName" not in values:
        raise SystemExit(f"{args.stack_name} has no WebBucketName output: deploy it with EnableWebApp=true")
    dist = Path(args.dist)
    if not (dist / "index.html").is_file():
        raise SystemExit(f"{dist} is not built: run make web-build")
    s3 = session.client("s3")
    keys = upload(s3, values["WebBucketName"], dist, app_config(values, session.region_name or "us-east-1"))
    removed = remove_stale(s3, values["WebBucketName"], set(keys))
    session.client("cloudfront").create_invalidation(
        DistributionId=values["WebDistributionId"],
        InvalidationBatch={
            "Paths": {"Quantity": 2, "Items": ["/index.html", "/config.json"]},
            "CallerReference": str(time.time()),
        },
    )
    print(f"uploaded {len(keys)} files ({removed} stale removed); open {values['WebAppUrl']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
