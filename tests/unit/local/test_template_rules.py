"""The template's Rules refuse parameter combinations that would deploy a broken split, locally as in AWS."""

import pytest

from stratus_local.deployer import check_rules
from stratus_local.template import Resolver, TemplateError
from tests.support.harness import translated_template

ROLE = "arn:aws:iam::111111111111:role/stratus-replica-writer"


def check(**parameters: str) -> None:
    template = translated_template().template
    check_rules(template, Resolver(template, parameters=parameters))


def test_defaults_pass() -> None:
    check()


def test_a_complete_production_side_passes() -> None:
    check(ReplicationTargetRoleArn=ROLE, ReplicationTargetTableName="replica", ReplicationExternalId="x-1")


def test_both_sides_of_the_split_in_one_stack_are_refused() -> None:
    with pytest.raises(TemplateError, match="not both"):
        check(
            ReplicationTargetRoleArn=ROLE,
            ReplicationTargetTableName="replica",
            ReplicationSourceAccountId="222222222222",
            ReplicationExternalId="x-1",
        )


def test_a_target_role_without_its_table_is_refused() -> None:
    with pytest.raises(TemplateError, match="ReplicationTargetTableName"):
        check(ReplicationTargetRoleArn=ROLE, ReplicationExternalId="x-1")


def test_a_split_without_an_external_id_is_refused() -> None:
    with pytest.raises(TemplateError, match="ReplicationExternalId"):
        check(ReplicationSourceAccountId="222222222222")
