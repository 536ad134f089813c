import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { save } from "../auth/session";
import { setConfig } from "../config";
import { ApiError, get, handleUnauthorized, post } from "./client";

beforeEach(() => {
  setConfig({ region: "us-east-1", userPoolId: "p", clientId: "c", apiPath: "/api", cognitoEndpoint: "", adminGroup: "stratus-admin", federation: null });
  save({ idToken: "token-1", accessToken: "a", refreshToken: "r", expiresAt: Date.now() + 3600_000 });
});
afterEach(() => vi.unstubAllGlobals());

describe("the API module", () => {
  it("calls the API under its path with the ID token and the query", async () => {
    const fetch = vi.fn(async () => new Response(JSON.stringify({ ok: 1 }), { status: 200 }));
    vi.stubGlobal("fetch", fetch);
    expect(await get("/counters", { query: { events: "page view,click", hours: 6 } })).toEqual({ ok: 1 });
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe("/api/counters?events=page+view%2Cclick&hours=6");
    expect((init.headers as Record<string, string>).Authorization).toBe("token-1");
  });

  it("sends a 401 to sign-in and forgets the session", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => new Response('{"message":"Unauthorized"}', { status: 401 })));
    const toSignIn = vi.fn();
    handleUnauthorized(toSignIn);
    await expect(get("/counters")).rejects.toMatchObject({ status: 401 });
    expect(toSignIn).toHaveBeenCalledOnce();
    expect(sessionStorage.getItem("stratus.session")).toBeNull();
  });

  it("turns every other failure into one ApiError with the server's message", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => new Response('{"statusCode":400,"message":"hours: must be between 1 and 24"}', { status: 400 })));
    const error = await post("/x", {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).message).toBe("hours: must be between 1 and 24");
    expect((error as ApiError).retryable).toBe(false);
    vi.stubGlobal("fetch", vi.fn(async () => { throw new TypeError("Failed to fetch"); }));
    const offline = (await get("/x").catch((e: unknown) => e)) as ApiError;
    expect(offline.status).toBe(0);
    expect(offline.retryable).toBe(true);
  });
});
