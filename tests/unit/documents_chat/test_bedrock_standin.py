"""The Bedrock stand-in answers real boto3 clients (moto active or not) and records what they sent."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ParamValidationError, ReadTimeoutError
from moto import mock_aws

from tests.support.bedrock_standin import BedrockStandIn, bedrock_standin

MODEL = "eu.anthropic.claude-3-5-haiku-20241022-v1:0"


@pytest.fixture(params=["moto", "no-moto"])
def bedrock(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[BedrockStandIn]:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(name, "testing")
    with mock_aws() if request.param == "moto" else contextlib.nullcontext(), bedrock_standin() as standin:
        yield standin


def _client(region: str = "eu-west-3") -> Any:
    config = Config(retries={"mode": "standard", "total_max_attempts": 1})
    return boto3.session.Session().client("bedrock-runtime", region_name=region, config=config)


def _converse(client: Any, **extra: Any) -> Any:
    return client.converse(
        modelId=MODEL,
        system=[{"text": "Sources:\n[1] (page 2) Refunds take 14 days."}],
        messages=[{"role": "user", "content": [{"text": "How long do refunds take?"}]}],
        **extra,
    )


def test_converse_gets_a_real_shaped_answer_and_the_request_is_recorded(bedrock: BedrockStandIn) -> None:
    bedrock.reply("Refunds take 14 days [1].")
    answer = _converse(_client())
    assert answer["output"]["message"]["content"][0]["text"] == "Refunds take 14 days [1]."
    assert answer["stopReason"] == "end_turn"
    sent = bedrock.converse_requests[-1]
    assert (sent.model_id, sent.region) == (MODEL, "eu-west-3")
    assert "[1] (page 2)" in sent.system_text
    assert sent.last_user_text == "How long do refunds take?"


def test_titan_embeddings_are_deterministic_and_sized_as_asked(
    bedrock: BedrockStandIn,
) -> None:
    client = _client("us-east-1")

    def embed(text: str) -> list[float]:
        body = json.dumps({"inputText": text, "dimensions": 256, "normalize": True})
        answer = client.invoke_model(modelId="amazon.titan-embed-text-v2:0", body=body)
        return list(json.loads(answer["body"].read())["embedding"])

    assert len(embed("refund policy")) == 256
    assert embed("refund policy") == embed("refund policy")
    assert bedrock.embedding_requests[-1].body["inputText"] == "refund policy"


def test_errors_arrive_as_bedrock_sends_them(bedrock: BedrockStandIn) -> None:
    bedrock.fail_next("AccessDeniedException")
    with pytest.raises(ClientError) as denied:
        _converse(_client())
    assert denied.value.response["Error"]["Code"] == "AccessDeniedException"
    assert denied.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    bedrock.fail_next("ReadTimeout")
    with pytest.raises(ReadTimeoutError):
        _converse(_client())


def test_botocore_still_validates_the_request(bedrock: BedrockStandIn) -> None:
    with pytest.raises(ParamValidationError):
        _converse(_client(), inferenceConfig={"maxTokens": "many"})
    assert bedrock.requests == []


def test_other_services_still_reach_moto_while_the_stand_in_is_installed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(name, "testing")
    with mock_aws(), bedrock_standin():
        s3 = boto3.session.Session().client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="standin-check")
        assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["standin-check"]
