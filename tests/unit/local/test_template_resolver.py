"""The resolver turns the template's intrinsic functions into the values a deployment has."""

import pytest

from stratus_local.template import Resolver, TemplateError

TEMPLATE = {
    "Parameters": {
        "Threshold": {"Type": "Number", "Default": 90},
        "Pools": {"Type": "CommaDelimitedList", "Default": ""},
        "Strict": {"Type": "String", "Default": "false"},
    },
    "Conditions": {
        "IsStrict": {"Fn::Equals": [{"Ref": "Strict"}, "true"]},
        "HasPools": {"Fn::Not": [{"Fn::Equals": [{"Fn::Join": ["", {"Ref": "Pools"}]}, ""]}]},
    },
}


def resolver(**parameters: str) -> Resolver:
    return Resolver(
        TEMPLATE,
        parameters=parameters,
        refs={"Table": "stack-Table"},
        attrs={"Table.Arn": "arn:aws:dynamodb:us-east-1:123456789012:table/stack-Table"},
    )


def test_sub_resolves_refs_attributes_pseudo_parameters_and_escapes() -> None:
    value = resolver().resolve({"Fn::Sub": "${AWS::Region}/${Table}/${Table.Arn}/${!Literal}"})
    assert (
        value == "us-east-1/stack-Table/arn:aws:dynamodb:us-east-1:123456789012:table/stack-Table/${Literal}"
    )


def test_sub_with_variable_map() -> None:
    value = resolver().resolve({"Fn::Sub": ["${Name}-x", {"Name": {"Ref": "Table"}}]})
    assert value == "stack-Table-x"


def test_if_follows_the_condition_and_no_value_removes_the_key() -> None:
    expr = {"Key": {"Fn::If": ["IsStrict", "on", {"Ref": "AWS::NoValue"}]}, "Other": 1}
    assert resolver().resolve(expr) == {"Other": 1}
    assert resolver(Strict="true").resolve(expr) == {"Key": "on", "Other": 1}


def test_comma_delimited_list_parameter_splits_and_feeds_conditions() -> None:
    assert resolver().condition("HasPools") is False
    with_pools = resolver(Pools="arn:a,arn:b")
    assert with_pools.condition("HasPools") is True
    assert with_pools.resolve({"Ref": "Pools"}) == ["arn:a", "arn:b"]


def test_unknown_reference_is_an_error_naming_it() -> None:
    with pytest.raises(TemplateError, match=r"Missing\.Arn"):
        resolver().resolve({"Fn::GetAtt": ["Missing", "Arn"]})
