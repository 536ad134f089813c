"""Resources the deployer creates that no other local-cloud test reaches: secrets, and what it lists."""

from __future__ import annotations

import json
import string
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from stratus_local.deployer import deploy
from stratus_local.template import translate

TEMPLATE = """
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Generated:
    Type: AWS::SecretsManager::Secret
    Properties:
      GenerateSecretString:
        SecretStringTemplate: '{"username": "replicator"}'
        GenerateStringKey: password
        PasswordLength: 20
  Given:
    Type: AWS::SecretsManager::Secret
    Properties:
      Name: !Sub ${AWS::StackName}-given
      SecretString: not-so-secret
  Retries:
    Type: AWS::Lambda::EventInvokeConfig
    Properties:
      FunctionName: some-function
      Qualifier: $LATEST
      MaximumRetryAttempts: 0
Outputs:
  GeneratedArn: {Value: !Ref Generated}
  GivenArn: {Value: !Ref Given}
"""


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def _secrets(endpoint: str) -> Any:
    return boto3.client(
        "secretsmanager",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def test_secrets_are_created_with_generated_or_given_values_and_ref_is_their_arn(
    endpoint: str, tmp_path: Path
) -> None:
    (tmp_path / "template.yaml").write_text(TEMPLATE)

    stack = deploy(translate(tmp_path / "template.yaml"), endpoint_url=endpoint, stack_name="secrets-test")

    generated = _secrets(endpoint).get_secret_value(SecretId=stack.outputs["GeneratedArn"])
    given = _secrets(endpoint).get_secret_value(SecretId=stack.outputs["GivenArn"])
    value = json.loads(generated["SecretString"])
    assert value["username"] == "replicator"
    assert len(value["password"]) == 20
    assert set(value["password"]) <= set(string.ascii_letters + string.digits)
    assert given["SecretString"] == "not-so-secret"
    assert given["Name"] == "secrets-test-given"
    # Lambda's asynchronous retry and destination settings are not applied locally: listed, not dropped.
    assert ("Retries", "AWS::Lambda::EventInvokeConfig") in stack.unsupported
