"""Single sign-on parameters as deployed: the provider, the code flow on the app client, the domain."""

from __future__ import annotations

import json


def test_federation_parameters_add_the_provider_and_the_code_flow(stack_factory) -> None:  # type: ignore[no-untyped-def]
    stack = stack_factory(
        **{
            "EnableWebApp": "true",
            "WebCognitoDomainPrefix": "stratus-dev",
            "WebIdentityProviderType": "OIDC",
            "WebIdentityProviderName": "Okta",
            "WebOidcIssuer": "https://example.okta.com",
            "WebOidcClientId": "client",
            "WebOidcClientSecretName": "stratus/okta",
        }
    )
    provider = stack.resource("WebOidcProvider")["Properties"]
    assert "{{resolve:secretsmanager:" in json.dumps(provider["ProviderDetails"]["client_secret"])
    client = stack.resource("UserPoolClient")["Properties"]
    assert client["AllowedOAuthFlows"] == ["code"]
    assert client["SupportedIdentityProviders"] == ["COGNITO", stack.ref("WebOidcProvider")]
    assert client["CallbackURLs"][0].endswith("/auth/callback")
    assert "WebSamlProvider" not in stack.deployed.refs


def test_without_a_provider_the_client_has_no_oauth_flow(stack) -> None:  # type: ignore[no-untyped-def]
    client = stack.resource("UserPoolClient")["Properties"]
    assert "AllowedOAuthFlows" not in client
    assert "WebCognitoDomain" not in stack.deployed.refs
