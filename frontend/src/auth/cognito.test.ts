import { afterEach, describe, expect, it, vi } from "vitest";
import { AuthError, claims, refresh, signIn } from "./cognito";

const ENDPOINT = "https://cognito-idp.eu-west-1.amazonaws.com/";

function answer(status: number, body: unknown) {
  return vi.fn(async () => new Response(JSON.stringify(body), { status }));
}

afterEach(() => vi.unstubAllGlobals());

describe("sign-in over InitiateAuth", () => {
  it("sends USER_PASSWORD_AUTH to Cognito's API and returns the tokens with their expiry", async () => {
    const fetch = answer(200, { AuthenticationResult: { IdToken: "id", AccessToken: "ac", RefreshToken: "rf", ExpiresIn: 3600 } });
    vi.stubGlobal("fetch", fetch);
    const before = Date.now();
    const tokens = await signIn(ENDPOINT, "client-1", "ada@example.com", "pw");
    expect(tokens).toMatchObject({ idToken: "id", accessToken: "ac", refreshToken: "rf" });
    expect(tokens.expiresAt).toBeGreaterThanOrEqual(before + 3600_000);
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe(ENDPOINT);
    expect((init.headers as Record<string, string>)["X-Amz-Target"]).toBe("AWSCognitoIdentityProviderService.InitiateAuth");
    expect(JSON.parse(init.body as string)).toEqual({ AuthFlow: "USER_PASSWORD_AUTH", ClientId: "client-1", AuthParameters: { USERNAME: "ada@example.com", PASSWORD: "pw" } });
  });

  it("turns Cognito's errors into messages a person can act on", async () => {
    vi.stubGlobal("fetch", answer(400, { __type: "NotAuthorizedException", message: "Incorrect username or password." }));
    await expect(signIn(ENDPOINT, "c", "a", "b")).rejects.toThrow("Incorrect e-mail address or password.");
    vi.stubGlobal("fetch", answer(400, { __type: "NotAuthorizedException", message: "User is disabled." }));
    await expect(signIn(ENDPOINT, "c", "a", "b")).rejects.toThrow(/disabled/);
  });

  it("reports a challenge it cannot finish instead of pretending to sign in", async () => {
    vi.stubGlobal("fetch", answer(200, { ChallengeName: "NEW_PASSWORD_REQUIRED", Session: "s" }));
    await expect(signIn(ENDPOINT, "c", "a", "b")).rejects.toBeInstanceOf(AuthError);
  });

  it("refreshes with REFRESH_TOKEN_AUTH and keeps the refresh token Cognito does not resend", async () => {
    const fetch = answer(200, { AuthenticationResult: { IdToken: "id2", AccessToken: "ac2", ExpiresIn: 60 } });
    vi.stubGlobal("fetch", fetch);
    const tokens = await refresh(ENDPOINT, "c", "rf");
    expect(tokens.refreshToken).toBe("rf");
    const init = (fetch.mock.calls[0] as unknown as [string, RequestInit])[1];
    expect(JSON.parse(init.body as string).AuthParameters).toEqual({ REFRESH_TOKEN: "rf" });
  });

  it("reads the ID token's claims, UTF-8 included", () => {
    const payload = btoa(String.fromCharCode(...new TextEncoder().encode(JSON.stringify({ sub: "s", name: "Zoë", "cognito:groups": ["stratus-admin"] }))))
      .replace(/\+/g, "-")
      .replace(/\//g, "_")
      .replace(/=+$/, "");
    expect(claims(`h.${payload}.sig`)).toMatchObject({ name: "Zoë", "cognito:groups": ["stratus-admin"] });
  });
});
