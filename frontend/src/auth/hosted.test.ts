import { afterEach, describe, expect, it, vi } from "vitest";
import { authorizeUrl, challenge, completeSignIn } from "./hosted";

const federation = { domain: "https://stratus-dev.auth.eu-west-1.amazoncognito.com", provider: "Okta" };

afterEach(() => vi.unstubAllGlobals());

describe("single sign-on through the hosted UI (PKCE)", () => {
  it("derives the S256 challenge of RFC 7636's example verifier", async () => {
    expect(await challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")).toBe("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
  });

  it("sends the browser to the provider with a challenge and a state, keeping the verifier in this tab", async () => {
    const url = new URL(await authorizeUrl(federation, "client-1", "https://app.example", "/documents"));
    expect(url.origin + url.pathname).toBe("https://stratus-dev.auth.eu-west-1.amazoncognito.com/oauth2/authorize");
    const q = url.searchParams;
    expect(q.get("identity_provider")).toBe("Okta");
    expect(q.get("redirect_uri")).toBe("https://app.example/auth/callback");
    expect(q.get("code_challenge_method")).toBe("S256");
    const saved = JSON.parse(sessionStorage.getItem("stratus.pkce")!);
    expect(q.get("code_challenge")).toBe(await challenge(saved.verifier));
    expect(q.get("state")).toBe(saved.state);
    expect(saved.next).toBe("/documents");
  });

  it("trades the code with the verifier, and refuses a callback whose state does not match", async () => {
    const url = new URL(await authorizeUrl(federation, "client-1", "https://app.example", "/chat"));
    const state = url.searchParams.get("state")!;
    const { verifier } = JSON.parse(sessionStorage.getItem("stratus.pkce")!);
    const fetch = vi.fn(async () => new Response(JSON.stringify({ id_token: "i", access_token: "a", refresh_token: "r", expires_in: 3600 }), { status: 200 }));
    vi.stubGlobal("fetch", fetch);
    const done = await completeSignIn(federation, "client-1", "https://app.example", new URLSearchParams({ code: "c0de", state }));
    expect(done.next).toBe("/chat");
    expect(done.tokens.idToken).toBe("i");
    const body = new URLSearchParams(String((fetch.mock.calls[0] as unknown as [string, RequestInit])[1].body));
    expect(body.get("code_verifier")).toBe(verifier);
    expect(body.get("grant_type")).toBe("authorization_code");

    await authorizeUrl(federation, "client-1", "https://app.example", "/");
    await expect(completeSignIn(federation, "client-1", "https://app.example", new URLSearchParams({ code: "c", state: "forged" }))).rejects.toThrow(/stale/);
  });
});
